// Real gunicorn masters with 2 workers, the leakhound agent loaded through PYTHONPATH, real
// requests over loopback, three captures, and the suspects they give.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { comparePythonCaptures } from '../../electron/engine/python/suspects';
import type { PyCapture } from '../../electron/engine/python/types';
import { fire, type Gunicorn, startGunicorn } from '../fixtures/python/harness';

let running: Gunicorn | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

async function hunt(
  g: Gunicorn,
  path: string,
  opts: { warm?: number; each?: number; tracemalloc?: boolean; coldWorker?: boolean } = {},
): Promise<{ captures: PyCapture[]; requests: number; cmp: ReturnType<typeof comparePythonCaptures> }> {
  const each = opts.each ?? 400;
  // coldWorker: the worker with the fewest blocks (it served nothing yet) is stopped during
  // the warm-up, so its first requests, and the set-up they do, fall after the baseline
  const cold = opts.coldWorker ? await coldestWorker(g) : null;
  if (cold) process.kill(cold, 'SIGSTOP');
  const w = await fire(g.port, path, opts.warm ?? 150).finally(() => cold && process.kill(cold, 'SIGCONT'));
  expect(w.failed).toBe(0);
  const c1 = await g.session.capture('baseline', { atRequests: 0 });
  const r1 = await fire(g.port, path, each);
  const c2 = await g.session.capture('middle', { atRequests: r1.ok });
  if (opts.tracemalloc) await g.session.startTracemalloc(1);
  const r2 = await fire(g.port, path, each);
  const c3 = await g.session.capture('final', { atRequests: r1.ok + r2.ok, tracemalloc: opts.tracemalloc });
  if (opts.tracemalloc) await g.session.stopTracemalloc();
  expect(r1.failed + r2.failed).toBe(0);
  const captures = [c1, c2, c3];
  const requests = r1.ok + r2.ok;
  return { captures, requests, cmp: comparePythonCaptures(captures, requests) };
}

async function coldestWorker(g: Gunicorn): Promise<number> {
  const master = g.child.pid as number;
  const workers = (await g.session.checkpoint()).filter((c) => c.pid !== master);
  expect(workers).toHaveLength(2);
  return workers.sort((a, b) => a.allocatedBlocks - b.allocatedBlocks)[0].pid;
}

const workersOf = (c: PyCapture) => c.processes.filter((p) => p.ppid === c.processes[0]?.pid);

describe('Flask under gunicorn -w 2 (sync)', () => {
  it('names AuditRecord from a module-level list, ~1 per request, with its referrer chain and allocation site', async () => {
    running = await startGunicorn('leaky_flask:app');
    const { cmp, captures } = await hunt(running, '/audit', { tracemalloc: true });
    const top = cmp.suspects[0];
    expect(top.name).toBe('AuditRecord');
    expect(top.countPerRequest).toBeGreaterThan(0.9);
    expect(top.countPerRequest).toBeLessThan(1.1);
    // holder first: module › global › list[i] › class, the container's type in heldBy
    expect(top.retainerPath.slice(0, 2)).toEqual(['leaky_flask', 'records']);
    expect(top.retainerPath[2]).toMatch(/^list\[\d+\]$/);
    expect(top.retainerPath[3]).toBe('AuditRecord');
    expect(top.heldBy).toMatch(/^leaky_flask › records \(list, \+\d+ entries\)$/);
    expect(top.allocatedAt?.[0].url).toMatch(/leaky_flask\.py$/);
    expect(top.allocatedAt?.[0].line).toBe(55);
    // summed over both workers, each of which took part
    const workers = workersOf(captures[2]);
    expect(workers).toHaveLength(2);
    const perWorker = top.perProcess?.filter((p) => workers.some((w) => w.pid === p.pid)) ?? [];
    expect(perWorker).toHaveLength(2);
    for (const p of perWorker) expect(p.countDelta).toBeGreaterThan(100);
    expect(perWorker.reduce((s, p) => s + p.countDelta, 0)).toBe(top.countDelta);
    // the tracemalloc window's top lines include the leaking line
    const tm = captures[2].processes.flatMap((p) => p.tracemalloc?.top ?? []);
    expect(tm.some((t) => t.file.endsWith('leaky_flask.py'))).toBe(true);
  });

  it('finds the untracked dicts of an unbounded per-request cache', async () => {
    running = await startGunicorn('leaky_flask:app');
    const { cmp, captures } = await hunt(running, '/session');
    const dict = cmp.suspects.find(
      (s) => s.kind === 'collection' && s.heldBy?.startsWith('leaky_flask › _sessions'),
    );
    const seen = JSON.stringify({
      suspects: cmp.suspects.map((s) => [s.name, s.countDelta, s.countPerRequest]),
      compared: cmp.comparedPids,
      dicts: captures.map((c) => [
        c.atRequests,
        c.errors,
        c.processes.map((p) => [p.pid, p.types['builtins:dict']]),
      ]),
    });
    expect(dict, seen).toBeDefined();
    expect(dict?.countPerRequest, seen).toBeGreaterThan(0.9);
    expect(dict?.countPerRequest, seen).toBeLessThan(1.1);
    expect(dict?.name, seen).toMatch(/^_sessions: dict \+\d+ entries$/);
    expect(dict?.retainerPath.slice(0, 2), JSON.stringify(dict?.retainerPath)).toEqual([
      'leaky_flask',
      '_sessions',
    ]);
    // the str, float and int inside each cached dict are under it, not suspects of their own
    expect(
      cmp.suspects.map((s) => s.name),
      seen,
    ).toEqual([dict?.name]);
    expect(
      dict?.holds?.map((h) => h.name),
      seen,
    ).toEqual(expect.arrayContaining(['dict', 'str', 'float']));
    // string contents stay hidden unless asked for
    expect(dict?.retainerPath.join(' ')).not.toContain('sess-');
  });

  it("keeps the leak and its chain when one worker's first requests fall after the baseline", async () => {
    // the CI case: a worker that got none of the warm-up builds Flask's per-worker state in
    // S1→S2 (hundreds of dicts), which must neither hide the leak nor give it a chain
    running = await startGunicorn('leaky_flask:app');
    const { cmp, captures } = await hunt(running, '/session', { coldWorker: true });
    const dict = cmp.suspects.find(
      (s) => s.kind === 'collection' && s.heldBy?.startsWith('leaky_flask › _sessions'),
    );
    const seen = JSON.stringify({
      suspects: cmp.suspects.map((s) => [s.name, s.countDelta, s.countPerRequest, s.retainerPath]),
      dicts: captures.map((c) => c.processes.map((p) => [p.pid, p.types['builtins:dict']?.[0]])),
    });
    expect(dict?.countPerRequest, seen).toBeGreaterThan(0.9);
    expect(dict?.countPerRequest, seen).toBeLessThan(1.1);
    expect(dict?.retainerPath.slice(0, 2), seen).toEqual(['leaky_flask', '_sessions']);
  });

  it('gives no suspect for a bounded lru_cache or a cache that fills then plateaus', async () => {
    running = await startGunicorn('leaky_flask:app');
    const bounded = await hunt(running, '/bounded');
    expect(bounded.cmp.suspects).toEqual([]);
    // /plateau keeps 100 entries per worker: empty at baseline, full by the middle
    const plateau = await hunt(running, '/plateau', { warm: 0 });
    expect(plateau.cmp.suspects).toEqual([]);
    const grewFirst = plateau.captures[1].processes.reduce(
      (s, p) => s + (p.types['leaky_flask:AuditRecord']?.[0] ?? 0),
      0,
    );
    const atBaseline = plateau.captures[0].processes.reduce(
      (s, p) => s + (p.types['leaky_flask:AuditRecord']?.[0] ?? 0),
      0,
    );
    expect(grewFirst - atBaseline).toBeGreaterThan(150); // it did grow in S1→S2: the rule, not luck
  });

  it('a worker restart (--max-requests) mid-run gives no false suspect', async () => {
    running = await startGunicorn('leaky_flask:app', { args: ['--max-requests', '350'] });
    const { cmp, captures } = await hunt(running, '/');
    expect(cmp.suspects).toEqual([]);
    const pids = captures.map((c) => workersOf(c).map((p) => p.pid));
    expect(new Set(pids.flat()).size).toBeGreaterThan(2); // workers really were replaced
    expect(cmp.unmatchedPids.length).toBeGreaterThan(0);
    // sockets of the exited workers are gone (removed at exit or reaped by the session)
    const live = await running.session.livePids();
    const files = readdirSync(running.socketDir);
    expect(files.sort()).toEqual(live.map((p) => `py-${p}.sock`).sort());
  });
});

describe('Flask under gunicorn -w 2 (gthread)', () => {
  it('names Quote from an lru_cache(maxsize=None) keyed per request', async () => {
    running = await startGunicorn('leaky_flask:app', { args: ['-k', 'gthread', '--threads', '4'] });
    const { cmp } = await hunt(running, '/quote');
    expect(cmp.suspects[0].name).toBe('Quote');
    expect(cmp.suspects[0].countPerRequest).toBeGreaterThan(0.9);
    expect(cmp.suspects[0].countPerRequest).toBeLessThan(1.1);
    expect(cmp.suspects[0].retainerPath.slice(0, 2)).toEqual(['leaky_flask', 'quote']);
    expect(cmp.suspects[0].heldBy).toMatch(/^leaky_flask › quote \(_lru_cache_wrapper, \+\d+ entries\)$/);
  });

  it('gives no suspect for the clean route', async () => {
    running = await startGunicorn('leaky_flask:app', { args: ['-k', 'gthread', '--threads', '4'] });
    const { cmp } = await hunt(running, '/');
    expect(cmp.suspects).toEqual([]);
  });
});

describe('ASGI app under gunicorn -k uvicorn.workers.UvicornWorker', () => {
  it('names Event from a module-level list, and the clean route gives none', async () => {
    running = await startGunicorn('asgi_app:app', { args: ['-k', 'uvicorn.workers.UvicornWorker'] });
    const clean = await hunt(running, '/');
    expect(clean.cmp.suspects).toEqual([]);
    const leak = await hunt(running, '/leak');
    // qualified: asyncio and threading have an Event class too
    expect(leak.cmp.suspects[0].name).toBe('asgi_app.Event');
    expect(leak.cmp.suspects[0].countPerRequest).toBeGreaterThan(0.9);
    expect(leak.cmp.suspects[0].countPerRequest).toBeLessThan(1.1);
    expect(leak.cmp.suspects[0].retainerPath.slice(0, 2)).toEqual(['asgi_app', 'events']);
    expect(leak.cmp.suspects[0].heldBy).toMatch(/^asgi_app › events \(list, /);
  });
});

describe('Django view under gunicorn -w 2', () => {
  it('names Order from a module-level dict, and the clean view gives none', async () => {
    running = await startGunicorn('django_app:application');
    const clean = await hunt(running, '/');
    expect(clean.cmp.suspects).toEqual([]);
    const leak = await hunt(running, '/leak');
    expect(leak.cmp.suspects[0].name).toBe('Order');
    expect(leak.cmp.suspects[0].countPerRequest).toBeGreaterThan(0.9);
    expect(leak.cmp.suspects[0].countPerRequest).toBeLessThan(1.1);
    expect(leak.cmp.suspects[0].retainerPath.slice(0, 2)).toEqual(['django_app', 'orders']);
    expect(leak.cmp.suspects[0].retainerPath[2]).toMatch(/^dict\[\d+\]$/); // int keys are shown, string keys are not
    expect(leak.cmp.suspects[0].heldBy).toMatch(/^django_app › orders \(dict, /);
  });
});

describe('agent sockets', () => {
  it('are 0600, named by pid, in a 0700 directory, one per process of the tree', async () => {
    running = await startGunicorn('leaky_flask:app');
    expect(statSync(running.socketDir).mode & 0o777).toBe(0o700);
    const procs = await running.session.processes();
    expect(procs).toHaveLength(3);
    const master = procs.find((p) => p.pid === running?.child.pid);
    expect(master).toBeDefined();
    expect(procs.filter((p) => p.ppid === master?.pid)).toHaveLength(2);
    for (const p of procs) {
      const st = statSync(join(running.socketDir, `py-${p.pid}.sock`));
      expect(st.isSocket()).toBe(true);
      expect(st.mode & 0o777).toBe(0o600);
    }
  });
});
