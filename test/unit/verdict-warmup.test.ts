// A within-lives LEAK of a recycled Node worker is checked against the snapshots of one life:
// V8 compiling (no leak), an app object growing (leak stands), or nothing (inconclusive).
import { describe, expect, it } from 'vitest';
import { checkLifeLeak, warmupShare } from '../../electron/engine/verdict/warmup';
import type { DiffRow } from '../../shared/api';
import type { Verdict } from '../../shared/result';

const row = (name: string, selfSizeDelta: number): DiffRow => ({
  name,
  added: 10,
  deleted: 0,
  countDelta: 10,
  perRequest: null,
  selfSizeDelta,
  retainedSizeDelta: selfSizeDelta,
});

// the figures of a clean cluster worker's life (300 requests), from its three snapshots
const WARMUP = [
  row('(compiled code)', 88_104),
  row('Function', 3712),
  row('(object shape)', 3240),
  row('Object', 900),
];
const APP = [row('(compiled code)', 20_000), row('Object', 60_000), row('(string)', 30_000)];

const leak: Verdict = {
  kind: 'leak',
  bytesPerRequest: 189.4,
  ci95: [144.2, 266.3],
  basis: 'heap',
  reason: 'LEAK masked by worker recycling: …',
};

describe('growth within a recycled Node worker’s life', () => {
  it('counts V8’s own code and metadata apart from the app’s objects', () => {
    expect(warmupShare(WARMUP)).toEqual({ v8Bytes: 91_344, grewBytes: 95_956 });
    expect(warmupShare([row('(compiled code)', -5000), row('Foo', 100)])).toEqual({
      v8Bytes: 0,
      grewBytes: 100,
    });
  });

  it('no suspect and mostly compiled code: inconclusive, most likely no leak, with the figures', () => {
    const v = checkLifeLeak(leak, null, { diff: WARMUP, pid: 4242 }, 305);
    expect(v.kind).toBe('inconclusive');
    expect(v.ci95).toEqual(leak.ci95);
    expect(v.reason).toMatch(
      /^Inconclusive, most likely no leak: each worker's heap grows 189\.4 B\/request \(95% CI 144\.2 … 266\.3\)/,
    );
    expect(v.reason).toContain("worker 4242's life");
    expect(v.reason).toContain("V8's compiled code, object shapes and type feedback");
    expect(v.reason).toContain('(89 KB of the 94 KB that grew)');
    expect(v.reason).toContain('recycled every ~305 requests');
    expect(v.reason).not.toMatch(/noise/);
  });

  it('no suspect and the growth is not V8’s: inconclusive, saying what to change', () => {
    const v = checkLifeLeak(leak, null, { diff: APP, pid: 7 }, 305);
    expect(v.kind).toBe('inconclusive');
    expect(v.reason).toMatch(/no object type kept growing across three heap snapshots of worker 7's life/);
    expect(v.reason).toMatch(/Raise --requests/);
  });

  it('no snapshots within a life: inconclusive, never a leak from lifetimes alone', () => {
    const v = checkLifeLeak(leak, null, null, 305);
    expect(v.kind).toBe('inconclusive');
    expect(v.reason).toMatch(/no heap snapshots within one worker's life could be taken/);
  });

  it('a suspect that grows within the life, or a verdict that is not a leak: left as it is', () => {
    expect(checkLifeLeak(leak, 'AuditRecord', { diff: WARMUP, pid: 1 }, 305)).toBe(leak);
    const noLeak: Verdict = { ...leak, kind: 'no-leak' };
    expect(checkLifeLeak(noLeak, null, null, 305)).toBe(noLeak);
  });
});

describe('growth within lives left unclear by the later halves', () => {
  it("an inconclusive above zero gets the snapshots' figures; below or across zero: untouched", () => {
    const unclear: Verdict = { ...leak, kind: 'inconclusive', reason: 'Inconclusive: …' };
    expect(checkLifeLeak(unclear, null, { diff: WARMUP, pid: 3 }, 300).reason).toMatch(/most likely no leak/);
    const across: Verdict = { ...unclear, ci95: [-20, 300] };
    expect(checkLifeLeak(across, null, { diff: WARMUP, pid: 3 }, 300)).toBe(across);
  });
});

describe('a plateau that still grows late in each life', () => {
  const plateau: Verdict = {
    kind: 'no-leak',
    plateau: true,
    bytesPerRequest: 76.1,
    ci95: [47.3, 101.8],
    basis: 'heap',
    reason:
      "No leak within worker lives: each worker's heap grew early in its life (…) and then slowed to (76.1 B/request, …): a fresh worker filling its caches, not memory that grows without bound.",
  };
  it('stays no leak when nothing of the app grew within one life', () => {
    expect(checkLifeLeak(plateau, null, { diff: WARMUP, pid: 9 }, 299)).toBe(plateau);
  });
  it('is inconclusive when a class kept growing within one life: a slow leak may hide under the warm-up', () => {
    const v = checkLifeLeak(plateau, 'AuditRecord', { diff: APP, pid: 9 }, 299);
    expect(v.kind).toBe('inconclusive');
    expect(v.plateau).toBe(false);
    expect(v.reason).toMatch(/^Inconclusive: each worker's heap grew early/);
    expect(v.reason).toContain("But AuditRecord kept growing within one worker's life");
  });
});
