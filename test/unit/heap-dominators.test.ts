import fs, { createReadStream } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDominators } from '../../electron/engine/heap/dominators';
import { analyzeSnapshot, classSummary } from '../../electron/engine/heap/model';
import { parseSnapshot } from '../../electron/engine/heap/parse';
import type { HandEdge, HandNode } from '../fixtures/heap/helpers';
import { handSnapshot, tmpDir, writeHand, writeSnapshots } from '../fixtures/heap/helpers';

// The oracle: DevTools' own heap snapshot code, packaged (ESM only).
async function toolkitParse(file: string): Promise<{
  retainedSizes: Float64Array;
  dominatorsTree: Uint32Array;
  aggregatesWithFilter: (
    f: object,
  ) => Record<string, { name: string; count: number; self: number; maxRet: number }>;
}> {
  const tk = await import('heap-snapshot-toolkit');
  return (await tk.parse(createReadStream(file, 'utf-8'))) as never;
}

let dir: string;
const made: string[] = [];
beforeAll(() => {
  dir = tmpDir();
});
afterAll(() => {
  for (const d of [dir, ...made]) fs.rmSync(d, { recursive: true, force: true });
});

async function analyzeHand(nodes: HandNode[], edges: HandEdge[]) {
  const f = writeHand(
    dir,
    `g${Math.random().toString(36).slice(2)}.heapsnapshot`,
    handSnapshot(nodes, edges),
  );
  return analyzeSnapshot(await parseSnapshot(f));
}

/** Reference dominators by set intersection over non-weak edges (slow, obviously right). */
function naiveDominators(n: number, edges: HandEdge[]): { idom: number[]; reach: boolean[] } {
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succ: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    if (e.type === 'weak' || e.from === e.to) continue;
    preds[e.to].push(e.from);
    succ[e.from].push(e.to);
  }
  const reach = new Array(n).fill(false);
  const stack = [0];
  reach[0] = true;
  while (stack.length) {
    const v = stack.pop()!;
    for (const w of succ[v])
      if (!reach[w]) {
        reach[w] = true;
        stack.push(w);
      }
  }
  const all = new Set(Array.from({ length: n }, (_, i) => i));
  const dom: Set<number>[] = Array.from({ length: n }, (_, i) => (i === 0 ? new Set([0]) : new Set(all)));
  let changed = true;
  while (changed) {
    changed = false;
    for (let v = 1; v < n; v++) {
      if (!reach[v]) continue;
      let inter = null as Set<number> | null;
      for (const p of preds[v]) {
        if (!reach[p]) continue;
        inter = inter ? new Set([...inter].filter((x) => dom[p].has(x))) : new Set(dom[p]);
      }
      const next = new Set(inter ?? []);
      next.add(v);
      if (next.size !== dom[v].size) {
        dom[v] = next;
        changed = true;
      }
    }
  }
  const idom = new Array(n).fill(0);
  for (let v = 1; v < n; v++) {
    if (!reach[v]) continue;
    let best = 0;
    for (const d of dom[v]) if (d !== v && dom[d].size > dom[best].size) best = d;
    idom[v] = best;
  }
  return { idom, reach };
}

describe('dominators on hand-built graphs', () => {
  it('matches the Lengauer–Tarjan paper example', async () => {
    const names = ['R', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L'];
    const ix = (s: string) => names.indexOf(s);
    const pairs = 'RA RB RC AD BA BD BE CF CG DL EH FI GI GJ HE HK IK JI KI KR LH'.split(' ');
    const edges = pairs.map((p) => ({ from: ix(p[0]), to: ix(p[1]) }));
    const a = await analyzeHand(
      names.map((n, i) => ({ name: n, type: i === 0 ? 'synthetic' : 'object' })),
      edges,
    );
    const want: Record<string, string> = { A: 'R', B: 'R', C: 'R', D: 'R', E: 'R', F: 'C', G: 'C', H: 'R' };
    Object.assign(want, { I: 'R', J: 'G', K: 'R', L: 'D' });
    for (const [v, d] of Object.entries(want)) expect(names[a.idom[ix(v)]], v).toBe(d);
    // retained: G holds itself and J (I is reachable around it)
    expect(a.retained[ix('G')]).toBe(20);
    expect(a.retained[ix('C')]).toBe(40);
    expect(a.retained[0]).toBe(130);
  });

  it('handles an irreducible loop (two entries into a cycle)', async () => {
    // R→A, R→B, A⇄B, both → C: nothing but the root dominates A, B or C
    const a = await analyzeHand(
      [{ name: 'R', type: 'synthetic' }, { name: 'A' }, { name: 'B' }, { name: 'C' }, { name: 'D' }],
      [
        { from: 0, to: 1 },
        { from: 0, to: 2 },
        { from: 1, to: 2 },
        { from: 2, to: 1 },
        { from: 1, to: 3 },
        { from: 2, to: 3 },
        { from: 3, to: 4 },
      ],
    );
    expect(Array.from(a.idom)).toEqual([0, 0, 0, 0, 3]);
    expect(a.retained[3]).toBe(20);
  });

  it('ignores weak edges and hangs weakly-held nodes under the root', async () => {
    const a = await analyzeHand(
      [
        { name: 'R', type: 'synthetic' },
        { name: 'Holder' },
        { name: 'Cache' },
        { name: 'Held' },
        { name: 'Orphan' },
      ],
      [
        { from: 0, to: 1 },
        { from: 1, to: 3 },
        { from: 2, to: 3, type: 'weak' },
        { from: 0, to: 2 },
        { from: 2, to: 4, type: 'weak' },
      ],
    );
    expect(a.idom[3]).toBe(1);
    expect(a.retained[2]).toBe(10);
    expect(a.idom[4]).toBe(0);
    expect(a.retained[0]).toBe(50);
  });

  it('agrees with set-intersection dominators on random graphs', async () => {
    let seed = 12345;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % k;
    };
    for (let round = 0; round < 25; round++) {
      const n = 5 + rnd(40);
      const edges: HandEdge[] = [];
      // a spanning tree first, so every node is reachable without weak edges
      for (let v = 1; v < n; v++) edges.push({ from: rnd(v), to: v });
      const extra = rnd(n * 2);
      for (let k = 0; k < extra; k++)
        edges.push({ from: rnd(n), to: 1 + rnd(n - 1), type: rnd(5) === 0 ? 'weak' : 'property' });
      const nodes: HandNode[] = Array.from({ length: n }, (_, i) => ({
        name: `N${i}`,
        type: i === 0 ? 'synthetic' : 'object',
        selfSize: 1 + rnd(100),
      }));
      const a = await analyzeHand(nodes, edges);
      const ref = naiveDominators(n, edges);
      for (let v = 1; v < n; v++) {
        if (!ref.reach[v]) continue;
        expect(a.idom[v], `round ${round} node ${v}`).toBe(ref.idom[v]);
      }
      // retained = sum of self sizes of everything a reachable node dominates
      for (let v = 1; v < n; v++) {
        if (!ref.reach[v]) continue;
        let sum = 0;
        for (let m = 1; m < n; m++) {
          let d = m;
          while (ref.reach[m] && d !== 0 && d !== v) d = ref.idom[d];
          if (ref.reach[m] && d === v) sum += nodes[m].selfSize!;
        }
        expect(a.retained[v], `round ${round} retained ${v}`).toBe(sum);
      }
    }
  });
});

describe('dominators on a deep graph', () => {
  it('follows a 200k-node chain with a back edge (path compression deeper than its first stack)', () => {
    // root 0 → 1 → 2 → … → n-1, and n-1 → 1
    const n = 200_002;
    const firstEdge = new Uint32Array(n + 1);
    for (let i = 0; i <= n; i++) firstEdge[i] = i;
    const edgeTo = new Uint32Array(n);
    for (let i = 0; i < n - 1; i++) edgeTo[i] = i + 1;
    edgeTo[n - 1] = 1;
    const essential = new Uint8Array((n >>> 3) + 1).fill(0xff);
    const predFirst = new Uint32Array(n + 1);
    for (let e = 0; e < n; e++) predFirst[edgeTo[e] + 1]++;
    for (let i = 0; i < n; i++) predFirst[i + 1] += predFirst[i];
    const fill = predFirst.slice(0, n);
    const preds = new Uint32Array(n);
    for (let v = 0; v < n; v++) preds[fill[edgeTo[v]]++] = v;
    const { idom } = computeDominators({
      nodeCount: n,
      root: 0,
      firstEdge,
      edgeTo,
      essential,
      predFirst,
      preds,
    });
    expect(idom[0]).toBe(0);
    expect(idom[1]).toBe(0);
    let wrong = 0;
    for (let i = 2; i < n; i++) if (idom[i] !== i - 1) wrong++;
    expect(wrong).toBe(0);
  });
});

describe('retained sizes match DevTools (heap-snapshot-toolkit) on real snapshots', () => {
  for (const scenario of ['leak', 'weakmap', 'buffer'] as const) {
    it(`${scenario}: every node's dominator and retained size, and class totals`, async () => {
      const { dir: d, files } = writeSnapshots(scenario, 300);
      made.push(d);
      const file = files[2];
      const a = analyzeSnapshot(await parseSnapshot(file));
      const ts = await toolkitParse(file);
      let retainedMismatch = 0;
      let idomMismatch = 0;
      for (let i = 0; i < a.snap.nodeCount; i++) {
        if (ts.retainedSizes[i] !== a.retained[i]) retainedMismatch++;
        if (ts.dominatorsTree[i] !== a.idom[i]) idomMismatch++;
      }
      expect(retainedMismatch).toBe(0);
      expect(idomMismatch).toBe(0);
      // class totals, plain-object interfaces ({a, b}) included; DevTools splits same-named
      // classes by source location, so compare the names it does not split
      const byName = new Map<string, { count: number; self: number; maxRet: number; keys: number }>();
      for (const v of Object.values(ts.aggregatesWithFilter({}))) {
        const x = byName.get(v.name);
        if (x) x.keys++;
        else byName.set(v.name, { count: v.count, self: v.self, maxRet: v.maxRet, keys: 1 });
      }
      const rows = classSummary(a);
      let compared = 0;
      for (const r of rows.slice(0, 60)) {
        const o = byName.get(r.name);
        if (!o || o.keys > 1) continue;
        expect([r.name, r.count, r.selfSize, r.retainedSize]).toEqual([r.name, o.count, o.self, o.maxRet]);
        compared++;
      }
      expect(compared).toBeGreaterThan(30);
    }, 120_000);
  }
});

describe('weak references and off-heap memory', () => {
  it('does not count WeakMap values in the WeakMap’s retained size', async () => {
    const { dir: d, files } = writeSnapshots('weakmap', 1000);
    made.push(d);
    const a = analyzeSnapshot(await parseSnapshot(files[2]));
    const rows = classSummary(a);
    const wm = rows.find((r) => r.name === 'WeakMap')!;
    const values = rows.find((r) => r.name === 'WeakValue')!;
    expect(values.count).toBe(2000);
    // the table itself grows with entries, but the 2000 values (each with a 16-slot array) are not in it
    expect(values.retainedSize).toBeGreaterThan(2000 * 100);
    expect(wm.retainedSize).toBeLessThan(values.retainedSize / 2);
  }, 60_000);

  it('counts Buffer backing stores (external memory) in retained sizes', async () => {
    const { dir: d, files } = writeSnapshots('buffer', 100);
    made.push(d);
    const a = analyzeSnapshot(await parseSnapshot(files[2]));
    const rows = classSummary(a);
    const buf = rows.find((r) => r.name === 'Buffer')!;
    expect(buf.count).toBeGreaterThanOrEqual(200);
    expect(buf.retainedSize).toBeGreaterThanOrEqual(200 * 64 * 1024);
    expect(buf.retainedSize).toBeLessThan(200 * 66 * 1024 + 1024 * 1024);
  }, 60_000);
});
