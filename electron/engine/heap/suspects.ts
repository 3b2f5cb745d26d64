// Leak suspects by the three-snapshot technique (memlab's): objects allocated after
// snapshot 1 (id absent there), present in snapshot 2 and still alive in snapshot 3,
// grouped by class. With two snapshots: objects new in the second. A class is reported
// only when it also grew net from first to last snapshot, so a full cache that replaces
// entries (survivors, but no growth) and V8's own small internal churn stay quiet.
//
// With three snapshots the class must also still grow from the middle to the last one.
//
// Figures per suspect, all first → last snapshot:
//   countDelta        net growth of the class's object count
//   countPerRequest   countDelta / requestsBetween (requests served between the FIRST and
//                     the LAST snapshot); 0 when unknown
//   selfSizeDelta     net growth of the class's self size
//   retainedSizeDelta net growth of the class's retained size
import type { Suspect } from '../../../shared/result';
import { classRetained } from './aggregate';
import type { HeapAnalysis, HeapDigest } from './model';
import { hasId } from './model';
import type { NameOptions } from './names';
import { edgeLabel, nodeLabel } from './names';
import { pathEdges } from './retained';

export interface SuspectOptions extends NameOptions {
  requestsBetween?: number;
  /** smallest net object growth reported */
  minCount?: number;
  /** smallest retained-size growth reported, bytes */
  minBytes?: number;
  max?: number;
}

const STRING_CLASSES = new Set(['(string)', '(concatenated string)', '(sliced string)']);

/** Classes that are V8's machinery ((system), (compiled code), system / …), not the program's objects. */
export function isInternalClass(name: string): boolean {
  if (STRING_CLASSES.has(name)) return false;
  return name.startsWith('(') || name.startsWith('system / ') || name === 'InternalNode';
}

interface ClassFigures {
  count: number;
  self: number;
  retained: number;
}

function figuresByName(a: HeapDigest): Map<string, ClassFigures> {
  const m = new Map<string, ClassFigures>();
  a.classNames.forEach((name, c) => {
    m.set(name, { count: a.totals.count[c], self: a.totals.self[c], retained: a.totals.retained[c] });
  });
  return m;
}

/** Bit per node of the last snapshot: a "survivor" (the technique's candidate set). */
export function survivorMask(first: HeapDigest, mid: HeapDigest | null, last: HeapAnalysis): Uint8Array {
  const { nodeId, nodeSelfSize, nodeCount } = last.snap;
  const mask = new Uint8Array(nodeCount);
  for (let n = 0; n < nodeCount; n++) {
    if (!nodeSelfSize[n]) continue;
    const id = nodeId[n];
    if (hasId(first, id)) continue;
    if (mid && !hasId(mid, id)) continue;
    mask[n] = 1;
  }
  return mask;
}

/** Suspects in `last` against the first (and, for three snapshots, the middle) snapshot. */
export function findSuspects(
  first: HeapDigest,
  mid: HeapDigest | null,
  last: HeapAnalysis,
  o: SuspectOptions = {},
): Suspect[] {
  const { snap, classes } = last;
  const k = classes.names.length;
  const mask = survivorMask(first, mid, last);
  const survivors = new Float64Array(k);
  for (let n = 0; n < snap.nodeCount; n++) if (mask[n]) survivors[classes.classOf[n]]++;
  const survRetained = classRetained(
    classes.classOf,
    k,
    snap.nodeSelfSize,
    last.retained,
    last.domFirst,
    last.domKids,
    snap.rootOrdinal,
    mask,
  );
  const before = figuresByName(first);
  const middle = mid ? figuresByName(mid) : null;
  const minCount = o.minCount ?? 20;
  const minBytes = o.minBytes ?? 8192;
  const cand: Array<{ c: number; countDelta: number; selfDelta: number; retDelta: number }> = [];
  for (let c = 0; c < k; c++) {
    const name = classes.names[c];
    if (survivors[c] < minCount / 2 || isInternalClass(name)) continue;
    const b = before.get(name) ?? { count: 0, self: 0, retained: 0 };
    const countDelta = last.totals.count[c] - b.count;
    const retDelta = last.totals.retained[c] - b.retained;
    if (countDelta < minCount || Math.max(retDelta, survRetained[c]) < minBytes || retDelta <= 0) continue;
    if (middle) {
      // still growing between the middle and the last snapshot: a cache that filled up
      // early and then plateaued is not a leak, even though its entries survive
      const m = middle.get(name) ?? { count: 0, self: 0, retained: 0 };
      const lateGrowth = last.totals.count[c] - m.count;
      if (lateGrowth < Math.max(minCount / 2, 0.1 * countDelta)) continue;
    }
    cand.push({ c, countDelta, selfDelta: last.totals.self[c] - b.self, retDelta });
  }
  // drop classes whose survivors are nearly all held by survivors of another candidate
  // (the strings inside leaked objects, the ArrayBuffer behind a leaked Buffer)
  const isCand = new Uint8Array(k);
  for (const x of cand) isCand[x.c] = 1;
  const owned = new Float64Array(k);
  for (let n = 0; n < snap.nodeCount; n++) {
    if (!mask[n]) continue;
    const c = classes.classOf[n];
    if (!isCand[c]) continue;
    let d = n;
    for (let step = 0; step < 6; step++) {
      d = last.idom[d];
      if (d === snap.rootOrdinal) break;
      const dc = classes.classOf[d];
      if (mask[d] && dc !== c && isCand[dc]) {
        owned[c]++;
        break;
      }
    }
  }
  const kept = cand.filter((x) => owned[x.c] < 0.9 * survivors[x.c]);
  kept.sort((x, y) => y.retDelta - x.retDelta || survRetained[y.c] - survRetained[x.c]);
  const req = o.requestsBetween && o.requestsBetween > 0 ? o.requestsBetween : 0;
  return kept.slice(0, o.max ?? 20).map((x) => {
    const path = retainerPath(last, representative(last, mask, x.c), o);
    return {
      name: displayName(classes.names[x.c], path),
      countDelta: x.countDelta,
      countPerRequest: req ? x.countDelta / req : 0,
      selfSizeDelta: x.selfDelta,
      retainedSizeDelta: x.retDelta,
      retainerPath: path,
    };
  });
}

/**
 * Closures all share the class "Function"; a suspect named after the function that leaks
 * ("onConfigChanged() (closure)") is what a developer can search the code for.
 */
function displayName(className: string, path: string[]): string {
  const last = path[path.length - 1] ?? '';
  if (className === 'Function' && /^[\w$.]+\(\)$/.test(last) && last !== '(anonymous)()')
    return `${last} (closure)`;
  return className;
}

/** The survivor of class c with the shortest path to a root (largest retained on ties). */
function representative(a: HeapAnalysis, mask: Uint8Array, c: number): number {
  let best = -1;
  for (let n = 0; n < a.snap.nodeCount; n++) {
    if (!mask[n] || a.classes.classOf[n] !== c || a.distance[n] < 0) continue;
    if (
      best < 0 ||
      a.distance[n] < a.distance[best] ||
      (a.distance[n] === a.distance[best] && a.retained[n] > a.retained[best])
    ) {
      best = n;
    }
  }
  return best;
}

/**
 * Path from the GC roots to node n as readable steps: property/variable names and [index]
 * for elements; V8-internal hops collapse into '…'; the last step is the object's class.
 */
export function retainerPath(a: HeapAnalysis, n: number, o: NameOptions = {}): string[] {
  if (n < 0) return [];
  const { snap, t } = a;
  const steps = ['(GC roots)'];
  const edges = pathEdges(snap, a.parentEdge, n);
  const push = (s: string) => {
    if (s === '…' && steps[steps.length - 1] === '…') return;
    steps.push(s);
  };
  edges.forEach((e, i) => {
    const to = snap.edgeTo[e];
    const ty = snap.edgeType[e];
    if (i === 0) {
      // the first hop leaves the synthetic root: name the object reached (global, …)
      if (snap.nodeType[to] === t.synthetic) return;
      push(nodeLabel(snap, t, a.classes.names[a.classes.classOf[to]], to, o));
      return;
    }
    const numbered = ty === t.eInternal && /^\d+$/.test(snap.strings.get(snap.edgeName[e]));
    if (i === edges.length - 1 || numbered || ty === t.eProperty || ty === t.eElement || ty === t.eContext) {
      push(edgeLabel(snap, t, e));
    } else {
      push('…');
    }
  });
  steps.push(nodeLabel(snap, t, a.classes.names[a.classes.classOf[n]], n, o));
  return steps;
}
