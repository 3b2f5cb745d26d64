// Class of every node (DevTools' rules: constructor name for objects, "(string)" etc. for
// the rest, plain objects named by their property shape when the shape is common) and the
// class summary: count, self size and retained size per class.
import type { ScratchPool } from './scratch';
import { noPool } from './scratch';
import type { HeapSnapshot, TypeCodes } from './snapshot';

export interface ClassSummaryRow {
  name: string;
  count: number;
  selfSize: number;
  retainedSize: number;
  /** smallest distance from a root among the class's objects */
  distance: number;
}

export interface Classes {
  /** class index per node */
  classOf: Uint32Array;
  names: string[];
}

// DevTools' thresholds for naming plain objects by shape
const MIN_INTERFACE_PROPERTY_COUNT = 1;
const MAX_INTERFACE_NAME_LENGTH = 120;
const MIN_OBJECT_COUNT_PER_INTERFACE = 2;
const MIN_OBJECT_PROPORTION_PER_INTERFACE = 1000;

function formatPropertyName(name: string): string {
  if (/[,'"{}]/.test(name)) {
    const j = JSON.stringify({ [name]: 0 });
    return j.substring(1, j.length - 3);
  }
  return name;
}

export function computeClasses(s: HeapSnapshot, t: TypeCodes, pool: ScratchPool = noPool): Classes {
  const { nodeCount, nodeType, nodeName, strings } = s;
  const names: string[] = [];
  const byName = new Map<string, number>();
  const classFor = (name: string) => {
    let c = byName.get(name);
    if (c === undefined) {
      c = names.length;
      names.push(name);
      byName.set(name, c);
    }
    return c;
  };
  const byString = new Int32Array(strings.count).fill(-1);
  const typeClass = new Int32Array(s.nodeTypeNames.length).fill(-1);
  const fixed = (type: number): number => {
    if (typeClass[type] >= 0) return typeClass[type];
    let name: string;
    if (type === t.hidden) name = '(system)';
    else if (type === t.code) name = '(compiled code)';
    else if (type === t.closure) name = 'Function';
    else if (type === t.regexp) name = 'RegExp';
    else name = `(${s.nodeTypeNames[type]})`;
    typeClass[type] = classFor(name);
    return typeClass[type];
  };
  let objectNameIdx = -1;
  const protoName = new Int8Array(strings.count); // 0 unknown, 1 is __proto__, 2 not
  const isProto = (i: number) => {
    if (!protoName[i]) protoName[i] = strings.get(i) === '__proto__' ? 1 : 2;
    return protoName[i] === 1;
  };
  const classOf = pool.u32(nodeCount, false);
  const isPlain = (ni: number) => {
    if (objectNameIdx < 0 && strings.get(ni) === 'Object') objectNameIdx = ni;
    return ni === objectNameIdx;
  };
  let plainTotal = 0;
  for (let n = 0; n < nodeCount; n++) {
    const ty = nodeType[n];
    if (ty === t.object || ty === t.native) {
      const ni = nodeName[n];
      if (ty === t.object && isPlain(ni)) plainTotal++;
      let c = byString[ni];
      if (c < 0) {
        let name = strings.get(ni);
        if (name.startsWith('<')) {
          const sp = name.indexOf(' ');
          if (sp !== -1) name = `${name.substring(0, sp)}>`;
        }
        c = byString[ni] = classFor(name);
      }
      classOf[n] = c;
    } else {
      classOf[n] = fixed(ty);
    }
  }
  if (objectNameIdx >= 0 && plainTotal > 0) {
    nameInterfaces(s, t, objectNameIdx, plainTotal, isProto, classOf, classFor);
  }
  return { classOf, names };
}

interface Definition {
  name: string;
  /** property name string indices */
  props: number[];
  count: number;
  first: number;
}

interface TreeNode {
  next: Map<number, TreeNode>;
  match: { cls: number; props: number; index: number } | null;
}

/**
 * DevTools' interface definitions: the most common property lists of plain objects become
 * class names like `{id, token}`, and each plain object takes the definition with the most
 * properties that it has all of (ties: the more common one). Keys are hashes of property
 * name indices, so no string is built per object.
 */
function nameInterfaces(
  s: HeapSnapshot,
  t: TypeCodes,
  objectNameIdx: number,
  plainTotal: number,
  isProto: (i: number) => boolean,
  classOf: Uint32Array,
  classFor: (name: string) => number,
): void {
  const { nodeCount, nodeType, nodeName, firstEdge, edgeType, edgeName, strings } = s;
  const fmtLen = new Int32Array(strings.count).fill(-1);
  const lenOf = (i: number) => {
    if (fmtLen[i] < 0) fmtLen[i] = formatPropertyName(strings.get(i)).length;
    return fmtLen[i];
  };
  // 1. infer: the interface name of each plain object, as DevTools builds it, hashed
  const cands = new Map<number, Definition>();
  let lastKey = 0;
  let lastDef: Definition | null = null;
  for (let n = 0; n < nodeCount; n++) {
    if (nodeType[n] !== t.object || nodeName[n] !== objectNameIdx) continue;
    let len = 1;
    let h = 7;
    let props = 0;
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      if (edgeType[e] !== t.eProperty || isProto(edgeName[e])) continue;
      const fl = lenOf(edgeName[e]);
      if (len > MIN_INTERFACE_PROPERTY_COUNT && len + fl > MAX_INTERFACE_NAME_LENGTH) break;
      if (len !== 1) len += 2;
      len += fl;
      h = (Math.imul(h, 31) + edgeName[e] + 1) | 0;
      props++;
    }
    if (props === 0) continue;
    const key = (h ^ Math.imul(props, 0x9e3779b1)) | 0;
    // objects of one shape tend to come in runs: skip the map for a repeat
    if (key === lastKey && lastDef) {
      lastDef.count++;
      continue;
    }
    let d = cands.get(key);
    if (d) d.count++;
    else {
      d = { name: '', props: [], count: 1, first: n };
      cands.set(key, d);
    }
    lastKey = key;
    lastDef = d;
  }
  const minCount = Math.max(MIN_OBJECT_COUNT_PER_INTERFACE, plainTotal / MIN_OBJECT_PROPORTION_PER_INTERFACE);
  const defs = [...cands.values()].sort((x, y) => y.count - x.count).filter((d) => d.count >= minCount);
  if (!defs.length) return;
  for (const d of defs) {
    let name = '{';
    for (let e = firstEdge[d.first], end = firstEdge[d.first + 1]; e < end; e++) {
      if (edgeType[e] !== t.eProperty || isProto(edgeName[e])) continue;
      const p = formatPropertyName(strings.get(edgeName[e]));
      if (name.length > MIN_INTERFACE_PROPERTY_COUNT && name.length + p.length > MAX_INTERFACE_NAME_LENGTH)
        break;
      if (name.length !== 1) name += ', ';
      name += p;
      d.props.push(edgeName[e]);
    }
    d.name = `${name}}`;
  }
  // 2. apply: a tree over the definitions' sorted property names (sorted by string, as
  // DevTools does; ranks make that a number compare)
  const used = [...new Set(defs.flatMap((d) => d.props))];
  used.sort((x, y) => {
    const a = strings.get(x);
    const b = strings.get(y);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const rank = new Int32Array(strings.count).fill(-1);
  used.forEach((idx, r) => {
    rank[idx] = r;
  });
  const root: TreeNode = { next: new Map(), match: null };
  defs.forEach((d, index) => {
    let node = root;
    for (const r of d.props.map((p) => rank[p]).sort((x, y) => x - y)) {
      let nx = node.next.get(r);
      if (!nx) {
        nx = { next: new Map(), match: null };
        node.next.set(r, nx);
      }
      node = nx;
    }
    node.match ??= { cls: classFor(d.name), props: d.props.length, index };
  });
  const ranks = new Int32Array(1024);
  const states: TreeNode[] = [];
  const prevRanks = new Int32Array(1024);
  let lastM = -1;
  let lastBest: TreeNode['match'] = null;
  for (let n = 0; n < nodeCount; n++) {
    if (nodeType[n] !== t.object || nodeName[n] !== objectNameIdx) continue;
    // the object's properties that occur in some definition, as ranks, insertion-sorted
    let m = 0;
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end && m < ranks.length; e++) {
      if (edgeType[e] !== t.eProperty) continue;
      const r = rank[edgeName[e]];
      if (r < 0) continue;
      let j = m++;
      while (j > 0 && ranks[j - 1] > r) {
        ranks[j] = ranks[j - 1];
        j--;
      }
      ranks[j] = r;
    }
    if (m === 0) continue;
    // same relevant properties as the previous plain object: same answer
    let same = m === lastM;
    for (let i = 0; same && i < m; i++) same = ranks[i] === prevRanks[i];
    if (same) {
      if (lastBest) classOf[n] = lastBest.cls;
      continue;
    }
    prevRanks.set(ranks.subarray(0, m));
    lastM = m;
    states.length = 0;
    states.push(root);
    let best: TreeNode['match'] = null;
    for (let i = 0; i < m; i++) {
      const r = ranks[i];
      const count = states.length;
      for (let k = 0; k < count; k++) {
        const nx = states[k].next.get(r);
        if (!nx) continue;
        states.push(nx);
        const mm = nx.match;
        if (mm && (!best || mm.props > best.props || (mm.props === best.props && mm.index < best.index)))
          best = mm;
      }
    }
    lastBest = best;
    if (best) classOf[n] = best.cls;
  }
}

export interface ClassTotals {
  count: Float64Array;
  self: Float64Array;
  retained: Float64Array;
  distance: Int32Array;
}

/**
 * Per class: count and self size of objects with a non-zero self size (as DevTools), and
 * retained size = sum over objects not dominated by another object of the same class.
 */
export function classTotals(
  classes: Classes,
  selfSize: Uint32Array,
  retained: Float64Array,
  distance: Int32Array,
  domFirst: Uint32Array,
  domKids: Uint32Array,
  root: number,
): ClassTotals {
  const k = classes.names.length;
  const count = new Float64Array(k);
  const self = new Float64Array(k);
  const dist = new Int32Array(k).fill(0x7fffffff);
  const { classOf } = classes;
  const n = classOf.length;
  for (let i = 0; i < n; i++) {
    const sz = selfSize[i];
    if (!sz) continue;
    const c = classOf[i];
    count[c]++;
    self[c] += sz;
    if (distance[i] >= 0 && distance[i] < dist[c]) dist[c] = distance[i];
  }
  const ret = classRetained(classOf, k, selfSize, retained, domFirst, domKids, root);
  return { count, self, retained: ret, distance: dist };
}

/**
 * Retained size per class: sum of retained sizes of its objects that are not dominated by
 * another object of the same class (DevTools' calculateClassesRetainedSize). With `mask`,
 * only masked objects count, and only masked objects shadow their dominated ones.
 */
export function classRetained(
  classOf: Uint32Array,
  classCount: number,
  selfSize: Uint32Array,
  retained: Float64Array,
  domFirst: Uint32Array,
  domKids: Uint32Array,
  root: number,
  mask?: Uint8Array,
): Float64Array {
  const n = classOf.length;
  const ret = new Float64Array(classCount);
  // DFS over the dominator tree with a per-class "open ancestors" counter; the high bit
  // on a stack entry marks the exit of a node whose class was opened
  const open = new Uint32Array(classCount);
  // the stack starts small and grows: on real heaps it stays far below the node count
  let stack = new Uint32Array(Math.min(n + 2, 1 << 20));
  let sp = 0;
  stack[sp++] = root;
  const EXIT = 0x80000000;
  while (sp > 0) {
    const v = stack[--sp];
    if (v & EXIT) {
      open[classOf[v & 0x7fffffff]]--;
      continue;
    }
    const c = classOf[v];
    const kb = domFirst[v];
    const ke = domFirst[v + 1];
    if (sp + (ke - kb) + 1 > stack.length) {
      const bigger = new Uint32Array(Math.max(stack.length * 2, sp + (ke - kb) + 1));
      bigger.set(stack.subarray(0, sp));
      stack = bigger;
    }
    if (selfSize[v] && open[c] === 0 && (!mask || mask[v])) {
      ret[c] += retained[v];
      if (kb !== ke) {
        open[c]++;
        stack[sp++] = (v | EXIT) >>> 0;
      }
    }
    for (let j = kb; j < ke; j++) stack[sp++] = domKids[j];
  }
  return ret;
}

export function summaryRows(classes: Classes, totals: ClassTotals): ClassSummaryRow[] {
  const rows: ClassSummaryRow[] = [];
  for (let c = 0; c < classes.names.length; c++) {
    if (!totals.count[c]) continue;
    rows.push({
      name: classes.names[c],
      count: totals.count[c],
      selfSize: totals.self[c],
      retainedSize: totals.retained[c],
      distance: totals.distance[c] === 0x7fffffff ? -1 : totals.distance[c],
    });
  }
  rows.sort((a, b) => b.retainedSize - a.retainedSize || b.selfSize - a.selfSize);
  return rows;
}
