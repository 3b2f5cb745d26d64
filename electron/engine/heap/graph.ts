// Graph indices over a parsed snapshot, following DevTools' rules so retained sizes
// agree with Chrome on the same file: which edges count for dominators ("essential"),
// the shallow-size attribution of internal arrays to their owner, and a retainers CSR.
import type { ScratchPool } from './scratch';
import { noPool } from './scratch';
import type { HeapSnapshot, TypeCodes } from './snapshot';
import { typeCodes } from './snapshot';

const WEAKMAP_EDGE =
  /^\d+(?<dup> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

/** Per string index: the WeakMap table id named by an ephemeron edge name, or -1. Computed lazily. */
export class WeakMapEdgeNames {
  private readonly state: Int8Array;
  private readonly tables = new Map<number, { table: number; dup: string }>();
  constructor(private readonly s: HeapSnapshot) {
    this.state = new Int8Array(s.strings.count);
  }
  get(nameIndex: number): { table: number; dup: string } | undefined {
    const st = this.state[nameIndex];
    if (st === 1) return undefined;
    if (st === 2) return this.tables.get(nameIndex);
    // ephemeron edge names are long and start with a digit; internal names ("map", "3") are not
    const b = this.s.strings.firstByte(nameIndex);
    if (b < 48 || b > 57 || this.s.strings.byteLength(nameIndex) < 48) {
      this.state[nameIndex] = 1;
      return undefined;
    }
    const m = WEAKMAP_EDGE.exec(this.s.strings.get(nameIndex));
    if (!m?.groups) {
      this.state[nameIndex] = 1;
      return undefined;
    }
    const v = { table: Number(m.groups.table), dup: m.groups.dup };
    this.tables.set(nameIndex, v);
    this.state[nameIndex] = 2;
    return v;
  }
}

/** Ordinal of the node owning edge `e` (binary search over firstEdge). */
export function edgeSource(s: HeapSnapshot, e: number): number {
  let lo = 0;
  let hi = s.nodeCount - 1;
  const fe = s.firstEdge;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (fe[mid] <= e) lo = mid;
    else hi = mid - 1;
  }
  // nodes without edges share firstEdge with their successor: move to the one that owns e
  while (lo < s.nodeCount - 1 && fe[lo + 1] <= e) lo++;
  return lo;
}

/**
 * DevTools' calculateShallowSizes: hidden and internal-array nodes with a single owning
 * object give their size to that object (a JS Array shows its elements store). Skipped,
 * as in DevTools, when the snapshot exposes internals (no user roots).
 */
export function attributeShallowSizes(s: HeapSnapshot, t: TypeCodes, pool: ScratchPool = noPool): void {
  const { nodeCount, nodeType, firstEdge, edgeTo, edgeType, nodeSelfSize, rootOrdinal } = s;
  let hasUserRoots = false;
  for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
    if (nodeType[edgeTo[e]] !== t.synthetic) hasUserRoots = true;
  }
  if (!hasUserRoots) return;
  const UNVISITED = 0xffffffff;
  const MULTI = 0xfffffffe;
  const owners = pool.u32(nodeCount, false);
  // each node enters the worklist at most twice, but rarely more than once: start at one
  // slot per node (a size every later step reuses) and grow only if needed
  let work = pool.u32(nodeCount + 1, false);
  let top = 0;
  // native nodes share a handful of names; decide per name index once
  const extData = new Map<number, boolean>();
  const isExtData = (nameIdx: number) => {
    let v = extData.get(nameIdx);
    if (v === undefined) {
      v = s.strings.get(nameIdx) === 'system / ExternalStringData';
      extData.set(nameIdx, v);
    }
    return v;
  };
  for (let i = 0; i < nodeCount; i++) {
    const ty = nodeType[i];
    if (ty === t.hidden || ty === t.array || (ty === t.native && isExtData(s.nodeName[i]))) {
      owners[i] = UNVISITED;
    } else {
      owners[i] = i;
      work[top++] = i;
    }
  }
  const weak = t.eWeak;
  while (top > 0) {
    const id = work[--top];
    const owner = owners[id];
    for (let e = firstEdge[id], end = firstEdge[id + 1]; e < end; e++) {
      if (edgeType[e] === weak) continue;
      const target = edgeTo[e];
      const o = owners[target];
      if (top === work.length) {
        const bigger = new Uint32Array(nodeCount * 2);
        bigger.set(work);
        work = bigger;
      }
      if (o === UNVISITED) {
        owners[target] = owner;
        work[top++] = target;
      } else if (o === target || o === owner || o === MULTI) {
        // already settled
      } else {
        owners[target] = MULTI;
        work[top++] = target;
      }
    }
  }
  for (let i = 0; i < nodeCount; i++) {
    const o = owners[i];
    if (o === UNVISITED || o === MULTI || o === i) continue;
    const ot = nodeType[o];
    if (ot === t.synthetic || o === rootOrdinal) continue;
    nodeSelfSize[o] += nodeSelfSize[i];
    nodeSelfSize[i] = 0;
  }
  pool.give(owners, work);
}

/**
 * DevTools' markPageOwnedNodes: everything reachable (non-weak) from the root's shortcut
 * edges (the global objects). Edges from non-page nodes into page nodes do not dominate.
 */
function pageOwned(s: HeapSnapshot, t: TypeCodes, pool: ScratchPool): Uint8Array {
  const { nodeCount, firstEdge, edgeTo, edgeType, rootOrdinal } = s;
  const flags = pool.u8(nodeCount);
  const stack = pool.u32(nodeCount, false);
  let top = 0;
  for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
    // (Document DOM trees) only exists in browser snapshots; Node has shortcuts only
    if (edgeType[e] !== t.eShortcut) continue;
    const n = edgeTo[e];
    if (flags[n]) continue;
    flags[n] = 1;
    stack[top++] = n;
  }
  const weak = t.eWeak;
  while (top > 0) {
    const n = stack[--top];
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const c = edgeTo[e];
      if (flags[c] || edgeType[e] === weak) continue;
      flags[c] = 1;
      stack[top++] = c;
    }
  }
  pool.give(stack);
  return flags;
}

/** Bit per edge: does it count when computing dominators (DevTools' isEssentialEdge). */
export function essentialEdges(
  s: HeapSnapshot,
  t: TypeCodes,
  wm: WeakMapEdgeNames,
  pool: ScratchPool = noPool,
  /** when given (node count + 1, zeroed): [n + 1] counts the essential edges into n */
  inCounts?: Uint32Array,
): Uint8Array {
  const { nodeCount, firstEdge, edgeTo, edgeType, edgeName, nodeId, rootOrdinal } = s;
  const bits = pool.u8((s.edgeCount >>> 3) + 1);
  const page = pageOwned(s, t, pool);
  const { eWeak, eInternal, eShortcut } = t;
  for (let n = 0; n < nodeCount; n++) {
    const isRoot = n === rootOrdinal;
    const nPage = page[n];
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const ty = edgeType[e];
      if (ty === eWeak) continue;
      if (ty === eInternal) {
        // WeakMap values are held by key and table together; keep the key's edge only
        const m = wm.get(edgeName[e]);
        if (m && m.table === nodeId[n]) continue;
      }
      const c = edgeTo[e];
      if (c === n) continue;
      if (!isRoot) {
        if (ty === eShortcut) continue;
        if (page[c] && !nPage) continue;
      }
      bits[e >>> 3] |= 1 << (e & 7);
      if (inCounts) inCounts[c + 1]++;
    }
  }
  pool.give(page);
  return bits;
}

export function isSet(bits: Uint8Array, i: number): boolean {
  return (bits[i >>> 3] & (1 << (i & 7))) !== 0;
}

/** Retainers CSR: for node n, retainer slots first[n] .. first[n+1]-1 hold edge ordinals. */
export interface Retainers {
  first: Uint32Array;
  /** edge ordinal of each retaining edge */
  edges: Uint32Array;
  /** source node ordinal of each retaining edge */
  nodes: Uint32Array;
}

/** Build the retainers index; with `only`, just the edges whose bit is set. */
export function buildRetainers(
  s: HeapSnapshot,
  only?: Uint8Array,
  withEdges = true,
  pool: ScratchPool = noPool,
  /** the counts essentialEdges gathered for `only` (saves a pass over the edges); taken over */
  inCounts?: Uint32Array,
): Retainers {
  const { nodeCount, edgeCount, firstEdge, edgeTo } = s;
  let first: Uint32Array;
  if (inCounts) first = inCounts;
  else {
    first = pool.u32(nodeCount + 1);
    for (let e = 0; e < edgeCount; e++) {
      if (only && !isSet(only, e)) continue;
      first[edgeTo[e] + 1]++;
    }
  }
  for (let i = 0; i < nodeCount; i++) first[i + 1] += first[i];
  const total = first[nodeCount];
  const nodes = pool.u32(total, false);
  const edges = withEdges ? pool.u32(total, false) : new Uint32Array(0);
  // first[v] is v's insertion cursor here (start of v's slots, then the start of v + 1's)…
  for (let n = 0; n < nodeCount; n++) {
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      if (only && !isSet(only, e)) continue;
      const slot = first[edgeTo[e]]++;
      nodes[slot] = n;
      if (withEdges) edges[slot] = e;
    }
  }
  // …so shifting it by one restores the starts
  for (let i = nodeCount; i > 0; i--) first[i] = first[i - 1];
  first[0] = 0;
  return { first, edges, nodes };
}

export interface GraphPrep {
  t: TypeCodes;
  wm: WeakMapEdgeNames;
  essential: Uint8Array;
  /** essential in-degree counts for buildRetainers */
  inCounts: Uint32Array;
}

/** Apply DevTools' preprocessing; mutates self sizes (shallow-size attribution). */
export function prepareGraph(s: HeapSnapshot, pool: ScratchPool = noPool): GraphPrep {
  const t = typeCodes(s);
  const wm = new WeakMapEdgeNames(s);
  attributeShallowSizes(s, t, pool);
  const inCounts = pool.u32(s.nodeCount + 1);
  const essential = essentialEdges(s, t, wm, pool, inCounts);
  return { t, wm, essential, inCounts };
}
