// One snapshot, fully analysed: the parsed columns plus dominators, retained sizes,
// distances, classes and a sorted id index. Pure steps over typed arrays, in order.
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Classes, ClassSummaryRow, ClassTotals } from './aggregate';
import { classTotals, computeClasses, summaryRows } from './aggregate';
import { computeDominators, dominatedChildren, retainedSizes } from './dominators';
import type { WeakMapEdgeNames } from './graph';
import { buildRetainers, prepareGraph } from './graph';
import { computeDistances } from './retained';
import type { HeapSnapshot, TypeCodes } from './snapshot';

export interface HeapAnalysis {
  snap: HeapSnapshot;
  t: TypeCodes;
  wm: WeakMapEdgeNames;
  idom: Uint32Array;
  /** DFS preorder of the dominator computation (kept for the on-disk cache) */
  order: Uint32Array;
  retained: Float64Array;
  distance: Int32Array;
  parentEdge: Uint32Array;
  domFirst: Uint32Array;
  domKids: Uint32Array;
  classes: Classes;
  totals: ClassTotals;
  /** node ids ascending, and the ordinal of each */
  sortedIds: Uint32Array;
  sortedOrd: Uint32Array;
}

// Each step leaves node-sized scratch arrays behind; V8 frees ArrayBuffers only when it
// collects, and its external-memory heuristics can be late by a gigabyte on big heaps.
// A full GC between steps is cheap here (the JS heap is small) and keeps peak RSS down.
let gcFn: (() => void) | null | undefined;
export function reclaim(): void {
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

export function analyzeSnapshot(snap: HeapSnapshot, onStep: StepProgress = () => {}): HeapAnalysis {
  onStep('indexing edges', 0);
  const { t, wm, essential } = prepareGraph(snap);
  reclaim();
  onStep('building retainers', 0.15);
  const preds = buildRetainers(snap, essential, false);
  onStep('computing dominators', 0.3);
  const { idom, order } = computeDominators({
    nodeCount: snap.nodeCount,
    root: snap.rootOrdinal,
    firstEdge: snap.firstEdge,
    edgeTo: snap.edgeTo,
    essential,
    predFirst: preds.first,
    preds: preds.nodes,
  });
  reclaim();
  onStep('computing retained sizes', 0.6);
  const retained = retainedSizes(idom, order, snap.nodeSelfSize);
  const { first: domFirst, kids: domKids } = dominatedChildren(idom, snap.rootOrdinal);
  onStep('computing distances', 0.7);
  const { distance, parentEdge } = computeDistances(snap, t, wm);
  reclaim();
  onStep('grouping classes', 0.8);
  const classes = computeClasses(snap, t);
  const totals = classTotals(
    classes,
    snap.nodeSelfSize,
    retained,
    distance,
    domFirst,
    domKids,
    snap.rootOrdinal,
  );
  onStep('indexing ids', 0.9);
  const { sortedIds, sortedOrd } = sortIds(snap.nodeId);
  onStep('done', 1);
  return {
    snap,
    t,
    wm,
    idom,
    order,
    retained,
    distance,
    parentEdge,
    domFirst,
    domKids,
    classes,
    totals,
    sortedIds,
    sortedOrd,
  };
}

/** Ids sorted ascending with their ordinals: a two-pass LSD radix sort (16 bits a pass), O(n). */
export function sortIds(ids: Uint32Array): { sortedIds: Uint32Array; sortedOrd: Uint32Array } {
  const n = ids.length;
  const tmpOrd = new Uint32Array(n);
  const sortedOrd = new Uint32Array(n);
  const count = new Uint32Array(65537);
  for (let i = 0; i < n; i++) count[(ids[i] & 0xffff) + 1]++;
  for (let k = 0; k < 65536; k++) count[k + 1] += count[k];
  for (let i = 0; i < n; i++) tmpOrd[count[ids[i] & 0xffff]++] = i;
  count.fill(0);
  for (let i = 0; i < n; i++) count[(ids[i] >>> 16) + 1]++;
  for (let k = 0; k < 65536; k++) count[k + 1] += count[k];
  for (let j = 0; j < n; j++) {
    const o = tmpOrd[j];
    sortedOrd[count[ids[o] >>> 16]++] = o;
  }
  const sortedIds = tmpOrd;
  for (let j = 0; j < n; j++) sortedIds[j] = ids[sortedOrd[j]];
  return { sortedIds, sortedOrd };
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

/** Ordinal of the node with this id, or -1. */
export function ordinalOfId(a: Pick<HeapAnalysis, 'sortedIds' | 'sortedOrd'>, id: number): number {
  const i = lowerBound(a.sortedIds, id);
  return i < a.sortedIds.length && a.sortedIds[i] === id ? a.sortedOrd[i] : -1;
}

export function hasId(a: Pick<HeapAnalysis, 'sortedIds'>, id: number): boolean {
  const i = lowerBound(a.sortedIds, id);
  return i < a.sortedIds.length && a.sortedIds[i] === id;
}

/**
 * What later steps need of an earlier snapshot once its graph is dropped: ids (sorted),
 * the class and self size of each (same order), and the class totals. ~12 B per node.
 */
export interface HeapDigest {
  sortedIds: Uint32Array;
  sortedClass: Uint32Array;
  sortedSelf: Uint32Array;
  classNames: string[];
  totals: ClassTotals;
}

export function digestOf(a: HeapAnalysis): HeapDigest {
  const n = a.sortedIds.length;
  const sortedClass = new Uint32Array(n);
  const sortedSelf = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const o = a.sortedOrd[i];
    sortedClass[i] = a.classes.classOf[o];
    sortedSelf[i] = a.snap.nodeSelfSize[o];
  }
  return { sortedIds: a.sortedIds, sortedClass, sortedSelf, classNames: a.classes.names, totals: a.totals };
}

export function classSummary(a: HeapAnalysis): ClassSummaryRow[] {
  return summaryRows(a.classes, a.totals);
}
