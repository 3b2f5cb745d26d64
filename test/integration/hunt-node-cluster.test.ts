// Issue 16, Node side: a `cluster` server whose primary replaces its workers every 300 ± 50
// requests (pm2 / recluster style), hunted end to end by the CLI (from source, via tsx). Every
// Node process of the tree is measured over its own inspector with the requests it served;
// a replaced worker is a new lifetime; suspects come from three snapshots of one worker's life.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { NODE_FIXTURES, runCli, tmpDir } from '../helpers/cli';

const SERVER = path.join(NODE_FIXTURES, 'cluster-recycling.js');

/** processes still running with this environment entry (the server's tree is tagged with one) */
function pidsWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'latin1').split('\0').includes(entry)) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** `requests`: a number of requests, or a --duration (then capped at 400 requests/s) */
async function hunt(env: Record<string, string>, requests: number | string = 6000) {
  const out = path.join(tmpDir(), 'run');
  const tag = `LH_CLUSTER_TEST=${process.pid}-${Math.random().toString(36).slice(2)}`;
  const r = await runCli(
    [
      'run',
      '--spawn',
      `node ${SERVER}`,
      '--url',
      'http://127.0.0.1:{port}/orders',
      ...(typeof requests === 'number'
        ? ['--requests', String(requests)]
        : ['--duration', requests, '--rate', '400']),
      '--out',
      out,
      '--env',
      tag,
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ],
    { source: true, timeoutMs: 230_000 },
  );
  const file = path.join(out, 'result.json');
  if (!existsSync(file)) throw new Error(`no result.json; exit ${r.code}; stderr: ${r.stderr}`);
  const result = resultSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as Result;
  return { ...r, result, out, left: pidsWithEnv(tag) };
}

const MASKED =
  /^LEAK masked by worker recycling: each worker grows ~[\d.]+ B\/request \(95% CI [\d.]+ … [\d.]+\) and is recycled every ~\d+ requests, so RSS saw-tooths between [\d.]+ and [\d.]+ MB; without recycling it would grow \d+ MB per million requests/;

describe('Node cluster: workers replaced by their primary', () => {
  it('leaky workers recycled every 300 ± 50 requests: LEAK masked by recycling, AuditRecord named', async () => {
    const { result: r, stdout, out, left } = await hunt({ LEAK: '1' });
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.verdict.reason).toMatch(MASKED);
    expect(r.verdict.ci95[0]).toBeGreaterThan(100);
    expect(r.verdict.lifetimes?.endedLifetimes).toBeGreaterThanOrEqual(8);
    const every = r.verdict.lifetimes?.recycledEvery ?? 0;
    expect(every).toBeGreaterThan(250);
    expect(every).toBeLessThan(400);
    expect(r.suspects[0]?.name).toBe('AuditRecord');
    expect(r.suspects[0]?.countPerRequest).toBeGreaterThan(0.85);
    expect(r.suspects[0]?.countPerRequest).toBeLessThan(1.15);
    // the three snapshots of the suspects are of one worker, not the primary
    const life = r.snapshots.filter((s) => s.label.startsWith('life-'));
    expect(life).toHaveLength(3);
    expect(new Set(life.map((s) => s.pid)).size).toBe(1);
    expect(life[0].pid).not.toBe(r.target.pid);
    expect(stdout).toContain('verdict: LEAK');
    // each process's points are kept as the evidence; no process of the tree is left behind
    const points = JSON.parse(readFileSync(path.join(out, 'lifetimes.json'), 'utf8')) as Array<{
      pid: number;
    }>;
    expect(new Set(points.map((p) => p.pid)).size).toBeGreaterThanOrEqual(8);
    expect(left).toEqual([]);
  }, 240_000);

  it('the same server without the leak: never a leak; no leak within worker lives when the data shows it', async () => {
    const { result: r, left } = await hunt({ LEAK: '0' });
    // lives of ~300 requests are shorter than V8's warm-up: when the later half of each life
    // cannot show the plateau, the snapshots say "most likely no leak" (inconclusive), never leak
    expect(['no-leak', 'inconclusive'], r.verdict.reason).toContain(r.verdict.kind);
    if (r.verdict.kind === 'no-leak') {
      expect(r.verdict.reason).toMatch(/^No leak within worker lives/);
      const [lo, hi] = r.verdict.ci95;
      expect(hi - lo).toBeLessThan(500);
    } else {
      expect(r.verdict.reason).toMatch(/^Inconclusive, most likely no leak: .*V8's compiled code/);
    }
    expect(r.verdict.reason).not.toMatch(/within noise/);
    expect(r.verdict.lifetimes?.endedLifetimes).toBeGreaterThanOrEqual(8);
    expect(r.suspects).toEqual([]);
    expect(left).toEqual([]);
  }, 240_000);

  it('--duration (time-based load) gets checkpoints within each life too, and never reads no leak', async () => {
    const { result: r, left } = await hunt({ LEAK: '1' }, '25s');
    // before, a time-based segment got one checkpoint per 2 s: "lifetimes too short"
    expect(r.verdict.lifetimes?.lifetimesFitted, r.verdict.reason).toBeGreaterThanOrEqual(8);
    expect(r.verdict.ci95[0]).toBeGreaterThan(100);
    expect(r.verdict.kind, r.verdict.reason).not.toBe('no-leak');
    expect(left).toEqual([]);
  }, 240_000);

  it('a cluster that never recycles: the workers are measured, not the idle primary (LEAK, AuditRecord)', async () => {
    const { result: r } = await hunt({ LEAK: '1', MAX_REQUESTS: '100000000' }, 10_000);
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.verdict.lifetimes).toBeUndefined();
    expect(r.verdict.reason).toContain('of every Node process');
    expect(r.suspects[0]?.name).toBe('AuditRecord');
    expect(r.suspects[0]?.countPerRequest).toBeGreaterThan(0.85);
    expect(r.suspects[0]?.countPerRequest).toBeLessThan(1.15);
    const planned = r.snapshots.filter((s) => ['baseline', 'middle', 'final'].includes(s.label));
    expect(new Set(planned.map((s) => s.pid)).size).toBe(1);
    expect(planned[0].pid).not.toBe(r.target.pid);
  }, 240_000);
});
