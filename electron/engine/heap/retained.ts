// Distances from the roots (BFS, weak edges skipped) and, for each node, the edge it was
// first reached by: walking those back gives a shortest non-weak path to a GC root.
import type { WeakMapEdgeNames } from './graph';
import { edgeSource } from './graph';
import type { ScratchPool } from './scratch';
import { noPool } from './scratch';
import type { HeapSnapshot, TypeCodes } from './snapshot';

export const NO_DISTANCE = -5;
/** DevTools' distance base for objects only reachable through system roots */
export const SYSTEM_DISTANCE = 100_000_000;
export const NO_EDGE = 0xffffffff;

export interface Distances {
  distance: Int32Array;
  /** edge ordinal that first reached the node in the BFS, or NO_EDGE */
  parentEdge: Uint32Array;
}

export function computeDistances(
  s: HeapSnapshot,
  t: TypeCodes,
  wm: WeakMapEdgeNames,
  pool: ScratchPool = noPool,
): Distances {
  const { nodeCount, firstEdge, edgeTo, edgeType, edgeName, nodeType, rootOrdinal } = s;
  const distance = pool.i32(nodeCount, false).fill(NO_DISTANCE);
  const parentEdge = pool.u32(nodeCount, false).fill(NO_EDGE);
  const queue = pool.u32(nodeCount, false);
  // WeakMap values are reached by two edges (table and key); like DevTools, only the
  // second one seen counts, so the value's distance is the larger of the two
  const pendingEphemeron = new Set<string>();
  const bfs = (head: number, tail: number) => {
    while (head < tail) {
      const n = queue[head++];
      const d = distance[n] + 1;
      for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
        if (edgeType[e] === t.eWeak) continue;
        const c = edgeTo[e];
        if (distance[c] !== NO_DISTANCE) continue;
        if (edgeType[e] === t.eInternal) {
          const m = wm.get(edgeName[e]);
          if (m && !pendingEphemeron.delete(m.dup)) {
            pendingEphemeron.add(m.dup);
            continue;
          }
        }
        distance[c] = d;
        parentEdge[c] = e;
        queue[tail++] = c;
      }
    }
    return tail;
  };
  let tail = 0;
  for (let e = firstEdge[rootOrdinal]; e < firstEdge[rootOrdinal + 1]; e++) {
    const c = edgeTo[e];
    if (nodeType[c] !== t.synthetic && distance[c] === NO_DISTANCE) {
      distance[c] = 1;
      parentEdge[c] = e;
      queue[tail++] = c;
    }
  }
  const userRoots = tail;
  bfs(0, tail);
  distance[rootOrdinal] = userRoots > 0 ? SYSTEM_DISTANCE : 0;
  queue[0] = rootOrdinal;
  bfs(0, 1);
  pool.give(queue);
  return { distance, parentEdge };
}

/** Edge ordinals from the root to `node` along BFS parents (empty if unreachable). */
export function pathEdges(s: HeapSnapshot, parentEdge: Uint32Array, node: number): number[] {
  const edges: number[] = [];
  let n = node;
  for (let guard = 0; n !== s.rootOrdinal && guard < 10_000; guard++) {
    const e = parentEdge[n];
    if (e === NO_EDGE) return [];
    edges.push(e);
    n = edgeSource(s, e);
  }
  return edges.reverse();
}
