import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { analysisProcessEnv, analyzeSnapshots } from '../../electron/engine/heap/analyze';
import { runPipeline } from '../../electron/engine/heap/pipeline';
import { apiMethods } from '../../shared/api';
import { suspectSchema } from '../../shared/result';
import { tmpDir, writeSnapshots } from '../fixtures/heap/helpers';

type Run = { dir: string; files: string[]; secret: string };
let leak: Run;
let clean: Run;
let buffer: Run;
let profile: string;

beforeAll(() => {
  profile = path.join(tmpDir(), 'profile.json');
  leak = writeSnapshots('leak', 1000, { profile });
  clean = writeSnapshots('clean', 1000);
  buffer = writeSnapshots('buffer', 100);
}, 180_000);

afterAll(() => {
  for (const r of [leak, clean, buffer]) if (r) fs.rmSync(r.dir, { recursive: true, force: true });
  fs.rmSync(path.dirname(profile), { recursive: true, force: true });
});

describe('three-snapshot suspects', () => {
  it('names the leaking class with count per request and a retainer path', async () => {
    const r = await analyzeSnapshots(leak.files, { requestsBetween: 2000, mode: 'inline' });
    expect(r.suspects.length).toBeGreaterThanOrEqual(1);
    const top = r.suspects[0];
    suspectSchema.parse(top);
    expect(top.name).toBe('OrderAuditEntry');
    expect(top.countDelta).toBe(2000);
    expect(top.countPerRequest).toBeCloseTo(1, 5);
    expect(top.selfSizeDelta).toBeGreaterThan(2000 * 24);
    expect(top.retainedSizeDelta).toBeGreaterThan(top.selfSizeDelta);
    expect(top.retainerPath[0]).toBe('(GC roots)');
    expect(top.retainerPath.slice(-3, -1)[0]).toBe('audit');
    expect(top.retainerPath.at(-2)).toMatch(/^\[\d+\]$/);
    expect(top.retainerPath.at(-1)).toBe('OrderAuditEntry');
    // the strings inside the leaked objects belong to them: not a separate suspect
    expect(r.suspects.map((s) => s.name)).not.toContain('(string)');
    expect(r.summaries).toHaveLength(3);
    const diffRow = r.diff!.find((d) => d.name === 'OrderAuditEntry')!;
    apiMethods['analysis.diff'].result.parse({ rows: r.diff, requestsBetween: 2000 });
    expect(diffRow).toMatchObject({ added: 2000, deleted: 0, countDelta: 2000, perRequest: 1 });
  }, 60_000);

  it('reports nothing for a process that only makes garbage', async () => {
    const r = await analyzeSnapshots(clean.files, { requestsBetween: 2000, mode: 'inline' });
    expect(r.suspects).toEqual([]);
  }, 60_000);

  it('does not call a cache that filled once and then stayed flat a leak', async () => {
    const plateau = writeSnapshots('plateau', 2000);
    try {
      const r = await analyzeSnapshots(plateau.files, { requestsBetween: 2000, mode: 'inline' });
      expect(r.suspects).toEqual([]);
      // the same entries are new-and-alive for the two-snapshot view, which is what it reports
      const two = await analyzeSnapshots([plateau.files[0], plateau.files[2]], {
        requestsBetween: 2000,
        mode: 'inline',
      });
      expect(two.suspects[0]?.name).toBe('OrderAuditEntry');
    } finally {
      fs.rmSync(plateau.dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('finds a Buffer leak by its external (backing store) size', async () => {
    const r = await analyzeSnapshots(buffer.files, { requestsBetween: 200, mode: 'inline' });
    expect(r.suspects[0].name).toBe('Buffer');
    expect(r.suspects[0].countDelta).toBe(200);
    expect(r.suspects[0].retainedSizeDelta).toBeGreaterThanOrEqual(200 * 64 * 1024);
    // the ArrayBuffers behind the Buffers are part of the same story, not a second suspect
    expect(r.suspects.map((s) => s.name)).not.toContain('ArrayBuffer');
  }, 60_000);

  it('with two snapshots ranks what is new in the second; with one gives a summary only', async () => {
    const two = await analyzeSnapshots([leak.files[0], leak.files[2]], {
      requestsBetween: 2000,
      mode: 'inline',
    });
    expect(two.suspects[0].name).toBe('OrderAuditEntry');
    expect(two.suspects[0].countDelta).toBe(2000);
    const one = await analyzeSnapshots([leak.files[2]], { mode: 'inline' });
    expect(one.suspects).toEqual([]);
    expect(one.diff).toBeUndefined();
    expect(one.summaries[0].find((row) => row.name === 'OrderAuditEntry')?.count).toBe(2000);
  }, 60_000);

  it('attaches allocation sites from the sampling heap profile', async () => {
    const r = await analyzeSnapshots(leak.files, {
      requestsBetween: 2000,
      mode: 'inline',
      allocationProfile: profile,
    });
    const site = r.suspects[0].allocatedAt?.[0];
    expect(site).toBeDefined();
    expect(site!.url).toMatch(/write-snapshots\.js$/);
    expect(site!.functionName).toBe('step');
    // V8 call frames carry the function's own position (`step`); the `new OrderAuditEntry`
    // inside it is found in its source, and the site points there
    const src = fs.readFileSync(site!.url, 'utf8').split('\n');
    expect(src[site!.line - 1]).toContain('new OrderAuditEntry');
    expect(src[site!.line - 1].slice(site!.column - 1)).toMatch(/^new OrderAuditEntry\(/);
    expect(r.suspects[0].kind).toBe('class');
    expect(r.suspects[0].growth?.intervals[0].count).toBeGreaterThan(0);
  }, 60_000);
});

describe.each(['worker', 'process'] as const)('the analysis %s', (mode) => {
  it('gives the same result as inline, with progress', async () => {
    const phases: number[] = [];
    const w = await analyzeSnapshots(leak.files, {
      requestsBetween: 2000,
      mode,
      onProgress: (p) => phases.push(p.percent),
    });
    const i = await analyzeSnapshots(leak.files, { requestsBetween: 2000, mode: 'inline' });
    expect(w.suspects).toEqual(i.suspects);
    expect(phases.length).toBeGreaterThan(1);
    expect(phases.at(-1)).toBe(100);
  }, 60_000);

  it('can be cancelled', async () => {
    const ac = new AbortController();
    const p = analyzeSnapshots(leak.files, { mode, signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await expect(p).rejects.toThrow('stop');
  }, 30_000);

  it('passes bad-file errors through as UserError', async () => {
    const bad = path.join(leak.dir, 'bad.heapsnapshot');
    fs.writeFileSync(bad, fs.readFileSync(leak.files[0]).subarray(0, 5000));
    const e = await analyzeSnapshots([leak.files[0], bad], { mode }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/^bad\.heapsnapshot is truncated/);
  }, 30_000);
});

describe('memory', () => {
  it('hands one snapshot’s arrays on to the next without changing any answer', async () => {
    const recycled = await runPipeline(leak.files, { cache: false, requestsBetween: 2000 });
    // a keep callback holds every analysis, so nothing is recycled
    const kept: unknown[] = [];
    const plain = await runPipeline(
      leak.files,
      { cache: false, requestsBetween: 2000 },
      undefined,
      undefined,
      (_i, a) => kept.push(a),
    );
    expect(kept).toHaveLength(3);
    expect(recycled).toEqual(plain);
  }, 60_000);

  it('starts the analysis process with huge pages for its big arrays, keeping other tunables', () => {
    expect(analysisProcessEnv({}).GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=1');
    expect(analysisProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
    );
    expect(analysisProcessEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).GLIBC_TUNABLES).toBe(
      'glibc.malloc.hugetlb=0',
    );
  });

  it('refuses up front, saying how much is needed, when the largest snapshot will not fit', async () => {
    const e = await analyzeSnapshots(leak.files, { availableBytes: 1024 * 1024 }).catch((x) => x);
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/needs about \d+ MB of memory to analyse but only 1 MB is available/);
  });
});

describe('redaction', () => {
  it('never writes heap string contents unless asked', async () => {
    const r = await analyzeSnapshots(leak.files, { requestsBetween: 2000, mode: 'inline' });
    const text = JSON.stringify(r);
    expect(text).not.toContain(leak.secret);
    expect(text).not.toContain('tok_SECRET');
  }, 60_000);
});
