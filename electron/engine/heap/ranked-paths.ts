// Retainer paths a person can read: the cheapest path from the roots rather than the
// shortest. The BFS path is whatever a breadth-first walk met first, often through an
// in-flight request's keep-alive timer (timerListMap → _idleNext → … → request). As memlab
// and DevTools rank retainers, edges are weighed: named properties, context variables and
// elements cost 1; V8-internal links cost 2; entering a synthetic root group costs 3 more;
// timer lists, sockets and in-flight requests cost 40 more, so a path uses them only when
// nothing else holds the object (a setInterval closure is held by its timer and nothing else).
// Weak edges are never followed. Dial's algorithm (bucketed Dijkstra, small integer weights):
// O(nodes + edges), three node-sized arrays from the pool while it runs.
import type { WeakMapEdgeNames } from './graph';
import type { ScratchPool } from './scratch';
import { noPool } from './scratch';
import type { HeapSnapshot, TypeCodes } from './snapshot';

/** Edge names that belong to timers, sockets and requests in flight, not to the program's own data. */
export const INCIDENTAL_EDGES = new Set([
  'timerListMap',
  'timerListQueue',
  '_idleNext',
  '_idlePrev',
  '_onTimeout',
  '_httpMessage',
  'parser',
  'incoming',
  'outgoing',
  'socket',
  '_socket',
  'req',
  'res',
  'request',
  'response',
  '_pendingData',
  '_handle',
]);

const PENALTY = 40;
const SYNTHETIC = 3;
const BUCKETS = 64; // > the largest edge weight (2 + 3 + 40)
const NONE = 0xffffffff;

/**
 * Overwrite `parentEdge` (BFS parents from computeDistances) with the parents of the cheapest
 * paths. Distances (DevTools' hop counts) are not changed.
 */
export function rankParents(
  s: HeapSnapshot,
  t: TypeCodes,
  wm: WeakMapEdgeNames,
  parentEdge: Uint32Array,
  pool: ScratchPool = noPool,
): void {
  const { nodeCount, firstEdge, edgeTo, edgeType, edgeName, nodeType, strings, rootOrdinal } = s;
  const cost = pool.u32(nodeCount, false).fill(NONE);
  const next = pool.u32(nodeCount, false);
  const prev = pool.u32(nodeCount, false);
  const heads = new Uint32Array(BUCKETS).fill(NONE);
  // per string index: 0 not looked at, 1 ordinary, 2 incidental (timers, sockets, requests)
  const nameKind = new Uint8Array(strings.count);
  const incidental = (i: number) => {
    let k = nameKind[i];
    if (!k) {
      k = INCIDENTAL_EDGES.has(strings.get(i)) ? 2 : 1;
      nameKind[i] = k;
    }
    return k === 2;
  };
  const unlink = (v: number) => {
    const p = prev[v];
    const n = next[v];
    if (p !== NONE) next[p] = n;
    else heads[cost[v] % BUCKETS] = n;
    if (n !== NONE) prev[n] = p;
  };
  const link = (v: number) => {
    const b = cost[v] % BUCKETS;
    const h = heads[b];
    next[v] = h;
    prev[v] = NONE;
    if (h !== NONE) prev[h] = v;
    heads[b] = v;
  };
  const { eWeak, eProperty, eContext, eElement, eShortcut, eInternal, synthetic } = t;
  cost[rootOrdinal] = 0;
  link(rootOrdinal);
  let pending = 1;
  for (let cur = 0; pending > 0; cur++) {
    const b = cur % BUCKETS;
    while (heads[b] !== NONE) {
      const v = heads[b];
      unlink(v);
      pending--;
      for (let e = firstEdge[v], end = firstEdge[v + 1]; e < end; e++) {
        const ty = edgeType[e];
        if (ty === eWeak) continue;
        const c = edgeTo[e];
        let w = 2;
        if (ty === eProperty || ty === eContext) {
          w = 1;
          if (incidental(edgeName[e])) w += PENALTY;
        } else if (ty === eElement || ty === eShortcut) {
          w = 1;
        } else if (ty === eInternal) {
          const nm = edgeName[e];
          const b0 = strings.firstByte(nm);
          if (b0 >= 48 && b0 <= 57) {
            // numbered slots of a Map/Set table are its entries; ephemerons are a WeakMap's
            w = wm.get(nm) ? 1 + PENALTY : 1;
          } else if (incidental(nm)) w += PENALTY;
        }
        if (nodeType[c] === synthetic) w += SYNTHETIC;
        const nc = cur + w;
        if (nc >= cost[c]) continue;
        if (cost[c] === NONE) pending++;
        else unlink(c);
        cost[c] = nc;
        link(c);
        parentEdge[c] = e;
      }
    }
  }
  pool.give(cost, next, prev);
}
