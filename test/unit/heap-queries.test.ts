import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { cachePath, loadAnalysis } from '../../electron/engine/heap/cache';
import { diffSnapshots } from '../../electron/engine/heap/diff';
import { analyzeSnapshot, classSummary, digestOf, sortedIdsOf } from '../../electron/engine/heap/model';
import { parseSnapshot } from '../../electron/engine/heap/parse';
import type { HeapQueries } from '../../electron/engine/heap/queries';
import { openSnapshot } from '../../electron/engine/heap/queries';
import { apiMethods, retainerNodeSchema } from '../../shared/api';
import { writeSnapshots } from '../fixtures/heap/helpers';

let run: { dir: string; files: string[]; secret: string };
let q1: HeapQueries;
let q3: HeapQueries;

beforeAll(async () => {
  run = writeSnapshots('leak', 1000);
  q1 = await openSnapshot(run.files[0]);
  q3 = await openSnapshot(run.files[2]);
}, 120_000);

afterAll(() => {
  fs.rmSync(run.dir, { recursive: true, force: true });
});

describe('the id index', () => {
  it('sorts ids in few ascending runs (merged) and in many (radix) alike', () => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const cases: Uint32Array[] = [];
    for (const runs of [1, 2, 3, 5, 64, 65, 500]) {
      const ids = new Uint32Array(20_000);
      const per = Math.ceil(ids.length / runs);
      for (let i = 0; i < ids.length; i++) ids[i] = ((i % per) * 7 + (rnd() % 5)) * 2 + 1;
      // each run ascending, with equal neighbours allowed
      for (let r = 0; r < runs; r++) ids.subarray(r * per, (r + 1) * per).sort();
      cases.push(ids);
    }
    cases.push(Uint32Array.from({ length: 5000 }, () => rnd()));
    for (const ids of cases) {
      const want = ids.slice().sort();
      expect(Buffer.from(sortedIdsOf(ids).buffer, 0, ids.length * 4).equals(Buffer.from(want.buffer))).toBe(
        true,
      );
    }
  });
});

describe('queries over an analysed snapshot', () => {
  it('pages and sorts the class summary', () => {
    const page = q3.classSummary({ limit: 5 });
    expect(page.items).toHaveLength(5);
    expect(page.total).toBeGreaterThan(50);
    for (let i = 1; i < 5; i++)
      expect(page.items[i - 1].retainedSize).toBeGreaterThanOrEqual(page.items[i].retainedSize);
    const byCount = q3.classSummary({ sortBy: 'count', limit: 3, offset: 1 });
    const all = q3.classSummary({ sortBy: 'count', limit: 4 });
    expect(byCount.items[0]).toEqual(all.items[1]);
    const one = q3.classSummary({ filter: 'orderaudit' });
    expect(one.items.map((r) => r.name)).toEqual(['OrderAuditEntry']);
  });

  it('lists instances, optionally only the ones new since another snapshot', () => {
    const all = q3.instances('OrderAuditEntry', { limit: 10 });
    expect(all.total).toBe(2000);
    for (const item of all.items) retainerNodeSchema.parse(item);
    const fresh = q3.instances('OrderAuditEntry', { newSince: q1.a, limit: 1000 });
    expect(fresh.total).toBe(2000);
    const none = q1.instances('OrderAuditEntry', { newSince: q3.a });
    expect(none.total).toBe(0);
    apiMethods['analysis.instances'].result.parse(all);
  });

  it('expands retainers one level at a time and walks to a root', () => {
    const inst = q3.instances('OrderAuditEntry', { limit: 1 }).items[0];
    const rets = q3.retainers(inst.nodeId);
    apiMethods['analysis.retainers'].result.parse(rets);
    const fromArray = rets.find((r) => r.edgeType === 'element');
    expect(fromArray?.name).toBe('Array');
    expect(fromArray?.edge).toMatch(/^\[\d+\]$/);
    const up = q3.retainers(fromArray!.nodeId);
    expect(up.some((r) => r.edge === 'audit' && r.edgeType === 'property')).toBe(true);
    const path = q3.pathToRoot(inst.nodeId);
    expect(path.at(-1)?.nodeId).toBe(inst.nodeId);
    expect(path.map((p) => p.edge)).toContain('audit');
    expect(path.every((p) => !p.weak)).toBe(true);
    expect(q3.pathNames(inst.nodeId).slice(-3, -2)).toEqual(['audit']);
    const kids = q3.dominated(inst.nodeId);
    expect(kids.length).toBeGreaterThan(0);
  });

  it('marks weak retainers', () => {
    // find any node with a weak retainer in this real heap and check it is marked
    const s = q3.a.snap;
    const weak = s.edgeTypeNames.indexOf('weak');
    let target = -1;
    for (let e = 0; e < s.edgeCount && target < 0; e++) if (s.edgeType[e] === weak) target = s.edgeTo[e];
    expect(target).toBeGreaterThanOrEqual(0);
    const rets = q3.retainers(s.nodeId[target]);
    expect(rets.some((r) => r.weak && r.edgeType === 'weak')).toBe(true);
    // weak retainers sort after strong ones
    const firstWeak = rets.findIndex((r) => r.weak);
    expect(rets.slice(firstWeak).every((r) => r.weak)).toBe(true);
  });

  it('rejects an unknown id with a clear message', () => {
    expect(() => q3.retainers(2)).toThrow(UserError);
    expect(() => q3.retainers(2)).toThrow(/no object with id @2/);
  });

  it('redacts string contents in instance rows unless asked', async () => {
    const strings = q3.instances('(string)', { limit: 1000 });
    const text = JSON.stringify(strings.items);
    expect(text).not.toContain(run.secret);
    expect(strings.items.some((i) => /^string\(len=\d+, sha256:[0-9a-f]{8}\)$/.test(i.name))).toBe(true);
    const revealed = await openSnapshot(run.files[2], { revealStrings: true });
    const shown = JSON.stringify(revealed.instances('(string)', { limit: 100_000 }).items);
    expect(shown).toContain(run.secret);
  });

  it('diffs two snapshots by node id like DevTools Comparison', () => {
    const rows = diffSnapshots(digestOf(q1.a), digestOf(q3.a), 2000);
    const row = rows.find((r) => r.name === 'OrderAuditEntry')!;
    expect(row).toMatchObject({ added: 2000, deleted: 0, countDelta: 2000, perRequest: 1 });
    expect(row.selfSizeDelta).toBe(q3.classSummary({ filter: 'OrderAuditEntry' }).items[0].selfSize);
    // garbage made between snapshots is neither new nor deleted
    expect(rows.find((r) => r.name === 'ChurnItem')).toBeUndefined();
  });

  it('reopens from the on-disk cache with the same answers, and ignores a stale cache', async () => {
    const file = run.files[2];
    expect(fs.existsSync(cachePath(file))).toBe(true);
    const cached = loadAnalysis(file)!;
    expect(cached).not.toBeNull();
    const fresh = analyzeSnapshot(await parseSnapshot(file));
    expect(classSummary(cached)).toEqual(classSummary(fresh));
    // byte for byte over the arrays' own extent (the analysis hands out views of reused buffers)
    const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(cached.retained.length).toBe(fresh.retained.length);
    expect(bytes(cached.retained).equals(bytes(fresh.retained))).toBe(true);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    expect(loadAnalysis(file)).toBeNull();
  });
});
