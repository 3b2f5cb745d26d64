// One snapshot, fully analysed: the parsed columns plus dominators, retained sizes,
// distances, classes and a sorted id index. Pure steps over typed arrays, in order.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Classes, ClassSummaryRow, ClassTotals } from './aggregate';
import { classTotals, computeClasses, summaryRows } from './aggregate';
import { computeDominators, dominatedChildren, retainedSizes } from './dominators';
import type { WeakMapEdgeNames } from './graph';
import { buildRetainers, prepareGraph } from './graph';
import { rankParents } from './ranked-paths';
import { computeDistances } from './retained';
import { noPool, ScratchPool } from './scratch';
import type { HeapSnapshot, TypeCodes } from './snapshot';

export interface HeapAnalysis {
  snap: HeapSnapshot;
  t: TypeCodes;
  wm: WeakMapEdgeNames;
  idom: Uint32Array;
  retained: Float64Array;
  distance: Int32Array;
  parentEdge: Uint32Array;
  domFirst: Uint32Array;
  domKids: Uint32Array;
  classes: Classes;
  totals: ClassTotals;
  /** node ids ascending (for id lookups across snapshots) */
  sortedIds: Uint32Array;
}

// Each step leaves node-sized scratch arrays behind; V8 frees ArrayBuffers only when it
// collects, and its external-memory heuristics can be late by a gigabyte on big heaps.
// A full GC between steps is cheap here (the JS heap is small) and keeps peak RSS down.
let gcFn: (() => void) | null | undefined;
export function reclaim(nodeCount = Number.POSITIVE_INFINITY): void {
  // below a few million nodes the scratch is small and a full GC costs more than it saves
  if (nodeCount < 2_000_000) return;
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString('--expose_gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

export type StepProgress = (step: string, fraction: number) => void;

export function analyzeSnapshot(
  snap: HeapSnapshot,
  onStep: StepProgress = () => {},
  /** shared with the caller when it recycles arrays across snapshots; else this call's own */
  shared?: ScratchPool,
): HeapAnalysis {
  const pool = shared ?? new ScratchPool();
  onStep('indexing edges', 0.05);
  const { t, wm, essential, inCounts } = prepareGraph(snap, pool);
  // scratch of the dominator step (predecessors, DFS order) lives and dies inside it
  const { idom, retained } = dominatorStep(snap, essential, inCounts, onStep, pool);
  pool.give(essential);
  // ids after the dominators: their arrays then come from the pool, not on top of its peak
  onStep('indexing ids', 0.65);
  const sortedIds = sortedIdsOf(snap.nodeId, pool);
  const { first: domFirst, kids: domKids } = dominatedChildren(idom, snap.rootOrdinal, pool);
  onStep('computing distances', 0.7);
  const { distance, parentEdge } = computeDistances(snap, t, wm, pool);
  onStep('ranking retainer paths', 0.75);
  rankParents(snap, t, wm, parentEdge, pool);
  onStep('grouping classes', 0.8);
  const classes = computeClasses(snap, t, pool);
  const totals = classTotals(
    classes,
    snap.nodeSelfSize,
    retained,
    distance,
    domFirst,
    domKids,
    snap.rootOrdinal,
  );
  if (!shared) pool.clear();
  onStep('done', 1);
  return {
    snap,
    t,
    wm,
    idom,
    retained,
    distance,
    parentEdge,
    domFirst,
    domKids,
    classes,
    totals,
    sortedIds,
  };
}

function dominatorStep(
  snap: HeapSnapshot,
  essential: Uint8Array,
  inCounts: Uint32Array,
  onStep: StepProgress,
  pool: ScratchPool,
): { idom: Uint32Array; retained: Float64Array } {
  onStep('building retainers', 0.15);
  const preds = buildRetainers(snap, essential, false, pool, inCounts);
  onStep('computing dominators', 0.3);
  const { idom, order } = computeDominators(
    {
      nodeCount: snap.nodeCount,
      root: snap.rootOrdinal,
      firstEdge: snap.firstEdge,
      edgeTo: snap.edgeTo,
      essential,
      predFirst: preds.first,
      preds: preds.nodes,
    },
    pool,
  );
  pool.give(preds.first, preds.nodes);
  onStep('computing retained sizes', 0.6);
  const retained = retainedSizes(idom, order, snap.nodeSelfSize, pool);
  pool.give(order);
  return { idom, retained };
}

/** Ordinals sorted by id: a two-pass LSD radix sort (16 bits a pass), O(n). */
export function ordinalsById(ids: Uint32Array, pool: ScratchPool = noPool): Uint32Array {
  const n = ids.length;
  const tmp = pool.u32(n, false);
  const out = pool.u32(n, false);
  const count = new Uint32Array(65537);
  for (let i = 0; i < n; i++) count[(ids[i] & 0xffff) + 1]++;
  for (let k = 0; k < 65536; k++) count[k + 1] += count[k];
  for (let i = 0; i < n; i++) tmp[count[ids[i] & 0xffff]++] = i;
  count.fill(0);
  for (let i = 0; i < n; i++) count[(ids[i] >>> 16) + 1]++;
  for (let k = 0; k < 65536; k++) count[k + 1] += count[k];
  for (let j = 0; j < n; j++) {
    const o = tmp[j];
    out[count[ids[o] >>> 16]++] = o;
  }
  pool.give(tmp);
  return out;
}

/** Ids ascending; the ordinal permutation is built in place of the result and dropped. */
export function sortedIdsOf(ids: Uint32Array, pool: ScratchPool = noPool): Uint32Array {
  const merged = mergeRuns(ids, pool);
  if (merged) return merged;
  const ord = ordinalsById(ids, pool);
  for (let j = 0; j < ord.length; j++) ord[j] = ids[ord[j]];
  return ord;
}

// V8 numbers objects in the order it first meets them, and writes a snapshot in much the
// same order: ids come in a few long ascending runs. Merging those runs is a few sequential
// passes, where the radix sort scatters over the whole array twice.
const MAX_RUNS = 64;

function mergeRuns(ids: Uint32Array, pool: ScratchPool): Uint32Array | null {
  const n = ids.length;
  const bounds = [0];
  for (let i = 1; i < n; i++) {
    if (ids[i] < ids[i - 1]) {
      bounds.push(i);
      if (bounds.length > MAX_RUNS) return null;
    }
  }
  bounds.push(n);
  let a = pool.u32(n, false);
  a.set(ids);
  if (bounds.length === 2) return a;
  let b = pool.u32(n, false);
  let runs = bounds;
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r];
      const mid = runs[r + 1];
      const hi = r + 2 < runs.length ? runs[r + 2] : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) b[k++] = a[i] <= a[j] ? a[i++] : a[j++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
      next.push(hi);
    }
    const t = a;
    a = b;
    b = t;
    runs = next;
  }
  pool.give(b);
  return a;
}

export function lowerBound(a: Uint32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// id → ordinal index, built on first use: only interactive queries need it
const ordIndex = new WeakMap<HeapAnalysis, Uint32Array>();

/** Ordinal of the node with this id, or -1. */
export function ordinalOfId(a: HeapAnalysis, id: number): number {
  let ord = ordIndex.get(a);
  if (!ord) {
    ord = ordinalsById(a.snap.nodeId);
    ordIndex.set(a, ord);
  }
  const i = lowerBound(a.sortedIds, id);
  return i < a.sortedIds.length && a.sortedIds[i] === id ? ord[i] : -1;
}

export function hasId(a: Pick<HeapAnalysis, 'sortedIds'>, id: number): boolean {
  const i = lowerBound(a.sortedIds, id);
  return i < a.sortedIds.length && a.sortedIds[i] === id;
}

/**
 * What later steps need of a snapshot once its graph is dropped: per node its id, class
 * and self size (aligned, node order; these are the analysis' own columns, not copies),
 * the sorted ids for lookups, and the class totals. 16 B per node.
 */
export interface HeapDigest {
  ids: Uint32Array;
  cls: Uint32Array;
  self: Uint32Array;
  sortedIds: Uint32Array;
  classNames: string[];
  totals: ClassTotals;
}

export function digestOf(a: HeapAnalysis): HeapDigest {
  return {
    ids: a.snap.nodeId,
    cls: a.classes.classOf,
    self: a.snap.nodeSelfSize,
    sortedIds: a.sortedIds,
    classNames: a.classes.names,
    totals: a.totals,
  };
}

export function classSummary(a: HeapAnalysis): ClassSummaryRow[] {
  return summaryRows(a.classes, a.totals);
}
