// Immediate dominators: Lengauer–Tarjan semi-dominators (simple eval/link) then SEMI-NCA,
// iterative throughout so deep heaps cannot overflow the stack, over typed arrays only. Unreachable nodes are hung under the root exactly as DevTools does,
// so the tree and the retained sizes match Chrome's on the same snapshot.
import { isSet } from './graph';
import type { ScratchPool } from './scratch';
import { noPool } from './scratch';

export interface DominatorInput {
  nodeCount: number;
  root: number;
  firstEdge: Uint32Array;
  edgeTo: Uint32Array;
  /** bit per edge: counts for dominators */
  essential: Uint8Array;
  /** predecessors over essential edges only: preds[predFirst[n] .. predFirst[n+1]-1] */
  predFirst: Uint32Array;
  preds: Uint32Array;
}

export interface DominatorResult {
  /** immediate dominator ordinal per node (root's is itself) */
  idom: Uint32Array;
  /** nodes in DFS preorder (ordinals); reverse order is a valid bottom-up order for sums */
  order: Uint32Array;
}

export function computeDominators(g: DominatorInput, pool: ScratchPool = noPool): DominatorResult {
  const { nodeCount, firstEdge, edgeTo, essential, predFirst, preds } = g;
  // 1-based vertex numbers, 0 = none (as in the paper)
  const N = nodeCount + 1;
  const parent = pool.u32(N);
  const ancestor = pool.u32(N);
  const vertex = pool.u32(N, false);
  // label holds each node's next edge during the DFS (one node-sized array less at the
  // peak of the analysis), and becomes the eval labels after it
  const label = pool.u32(N, false);
  const nextEdge = label;
  const semi = pool.u32(N);
  let n = 0;

  const dfs = (root: number) => {
    nextEdge[root] = firstEdge[root - 1];
    let v = root;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = v;
      }
      let vNext = parent[v];
      const vo = v - 1;
      const end = firstEdge[vo + 1];
      for (let e = nextEdge[v]; e < end; e++) {
        if (!isSet(essential, e)) continue;
        const w = edgeTo[e] + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          nextEdge[w] = firstEdge[w - 1];
          nextEdge[v] = e + 1;
          vNext = w;
          break;
        }
      }
      if (vNext === parent[v]) nextEdge[v] = end;
      v = vNext;
    }
  };

  const r = g.root + 1;
  dfs(r);
  if (n < nodeCount) {
    // nodes with only non-essential (weak) retainers: DFS from each, hung under the root
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && predFirst[v] === predFirst[v - 1]) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  if (n < nodeCount) {
    // cliques retained only by each other: each node directly under the root
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0) {
        parent[v] = r;
        semi[v] = ++n;
        vertex[n] = v;
      }
    }
  }
  for (let v = 0; v <= nodeCount; v++) label[v] = v;

  // compression paths are short on real heaps: a small stack that grows when one is not
  let stack = new Uint32Array(1 << 16);
  const compress = (v: number) => {
    let sp = 0;
    while (ancestor[ancestor[v]] !== 0) {
      if (sp + 1 >= stack.length) {
        const bigger = new Uint32Array(Math.min(stack.length * 2, N + 1));
        bigger.set(stack);
        stack = bigger;
      }
      stack[++sp] = v;
      v = ancestor[v];
    }
    while (sp > 0) {
      const w = stack[sp--];
      const a = ancestor[w];
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
  };
  const evaluate = (v: number) => {
    if (ancestor[v] === 0) return v;
    compress(v);
    return label[v];
  };

  // Semi-dominators (Lengauer–Tarjan's first phase), then immediate dominators by the
  // SEMI-NCA rule (idom(w) = nearest ancestor of parent(w) in the dominator tree whose DFS
  // number is ≤ semi(w)). It needs no buckets, and idom is built in place of parent:
  // six node-sized arrays instead of nine.
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const wo = w - 1;
    const pBegin = predFirst[wo];
    const pEnd = predFirst[wo + 1];
    if (pBegin === pEnd) {
      semi[w] = semi[r];
    } else {
      for (let k = pBegin; k < pEnd; k++) {
        const u = evaluate(preds[k] + 1);
        if (semi[u] < semi[w]) semi[w] = semi[u];
      }
    }
    ancestor[w] = parent[w];
  }
  const dfn = ancestor;
  for (let i = 1; i <= n; i++) dfn[vertex[i]] = i;
  const idom = parent;
  idom[r] = r;
  idom[0] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    const sw = semi[w];
    let x = idom[w];
    while (dfn[x] > sw) x = idom[x];
    idom[w] = x;
  }
  // convert 1-based vertex numbers to ordinals in place
  for (let i = 0; i < nodeCount; i++) {
    idom[i] = idom[i + 1] - 1;
    vertex[i] = vertex[i + 1] - 1;
  }
  pool.give(ancestor, label, semi);
  return { idom: idom.subarray(0, nodeCount), order: vertex.subarray(0, nodeCount) };
}

/** Retained size per node: self sizes summed bottom-up over the dominator tree. */
export function retainedSizes(
  idom: Uint32Array,
  order: Uint32Array,
  selfSize: Uint32Array,
  pool: ScratchPool = noPool,
): Float64Array {
  const n = idom.length;
  const ret = pool.f64(n, false);
  for (let i = 0; i < n; i++) ret[i] = selfSize[i];
  for (let i = n - 1; i > 0; i--) {
    const v = order[i];
    ret[idom[v]] += ret[v];
  }
  return ret;
}

/** Dominated-children CSR: children of d are kids[first[d] .. first[d+1]-1]. */
export function dominatedChildren(
  idom: Uint32Array,
  root: number,
  pool: ScratchPool = noPool,
): { first: Uint32Array; kids: Uint32Array } {
  const n = idom.length;
  const first = pool.u32(n + 1);
  for (let v = 0; v < n; v++) if (v !== root) first[idom[v] + 1]++;
  for (let i = 0; i < n; i++) first[i + 1] += first[i];
  const fill = pool.u32(n, false);
  fill.set(first.subarray(0, n));
  const kids = pool.u32(Math.max(0, n - 1), false);
  for (let v = 0; v < n; v++) if (v !== root) kids[fill[idom[v]]++] = v;
  pool.give(fill);
  return { first, kids };
}

/** Preorder of the dominator tree (parents before children), for bottom-up sums. */
export function treePreorder(first: Uint32Array, kids: Uint32Array, root: number): Uint32Array {
  const n = first.length - 1;
  const order = new Uint32Array(n);
  // the output doubles as the work list: children are appended as their parent is taken
  let head = 0;
  let tail = 0;
  order[tail++] = root;
  while (head < tail) {
    const v = order[head++];
    for (let j = first[v]; j < first[v + 1]; j++) order[tail++] = kids[j];
  }
  return order;
}
