// Sweeps through the UI API over the real engine: a 2 × 1 grid of gunicorn configurations
// of the Flask fixture, its events, its listing, each configuration readable as a run, a
// stopped sweep, and bad set-ups refused before anything starts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHandler, createApiHandler } from '../../electron/engine/api/handler';
import { parseSweepRunId, sweepRunId } from '../../electron/engine/api/sweeps';
import { UserError } from '../../electron/engine/errors';
import { type ApiEvent, type ApiMethod, type ApiResult, apiEventSchema, apiMethods } from '../../shared/api';

const PY = path.resolve(__dirname, '..', 'fixtures', 'python');
const SPAWN = `/usr/bin/gunicorn -w {workers} --threads 2 -k gthread -b 127.0.0.1:{port} --chdir ${PY} leaky_flask:app`;
let dataDir: string;
let api: ApiHandler;
const events: ApiEvent[] = [];

async function call<M extends ApiMethod>(method: M, params: unknown): Promise<ApiResult<M>> {
  return apiMethods[method].result.parse(await api.call(method, params)) as ApiResult<M>;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sweepDone = (id: string) => () => events.some((e) => e.type === 'sweep' && e.id === id && e.status);

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'leakhound-sweeps-'));
  api = createApiHandler({ dataDir });
  api.onEvent((e) => events.push(e));
});
afterAll(async () => {
  await api?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('sweep run ids', () => {
  it('round-trips and refuses what is not a configuration of a sweep', () => {
    const id = sweepRunId('2026-11-25_17-00-00-abcd', 'workers-2_threads-0.5');
    expect(id).toBe('sweep.2026-11-25_17-00-00-abcd.workers-2_threads-0.5');
    expect(parseSweepRunId(id as string)).toEqual({
      sweepId: '2026-11-25_17-00-00-abcd',
      combo: 'workers-2_threads-0.5',
    });
    expect(parseSweepRunId('2026-11-25_17-00-00-abcd')).toBeNull();
    expect(parseSweepRunId('sweep.x...')).toBeNull();
    expect(parseSweepRunId('sweep.x..')).toBeNull();
    expect(sweepRunId('s', 'x'.repeat(130))).toBeNull();
  });
});

describe('sweeps.start: bad set-ups', () => {
  it('refuses them with one clear line and starts nothing', async () => {
    const noPlace = await rejection(
      api.call('sweeps.start', {
        spawn: '/usr/bin/gunicorn -b 127.0.0.1:{port} app:app',
        grid: [{ name: 'workers', values: ['2'] }],
        url: 'http://127.0.0.1:{port}/',
      }),
    );
    expect(noPlace).toBeInstanceOf(UserError);
    expect(noPlace.message).toContain('has no {workers}');
    const noPort = await rejection(
      api.call('sweeps.start', {
        spawn: '/usr/bin/gunicorn -w {workers} app:app',
        grid: [{ name: 'workers', values: ['2'] }],
        url: 'http://127.0.0.1:{port}/',
      }),
    );
    expect(noPort.message).toContain('has no {port}');
    const twice = await rejection(
      api.call('sweeps.start', {
        spawn: 'x {w} {port}',
        grid: [
          { name: 'w', values: ['1'] },
          { name: 'w', values: ['2'] },
        ],
        url: 'http://127.0.0.1:{port}/',
      }),
    );
    expect(twice.message).toContain('"w" is given twice');
    const empty = await rejection(api.call('sweeps.start', { spawn: 'x {port}', grid: [], url: 'u' }));
    expect(empty.message).toMatch(/^bad sweeps.start request: grid: give at least one grid row/);
    const badName = await rejection(
      api.call('sweeps.start', { spawn: 'x', grid: [{ name: '1x', values: ['1'] }], url: 'u' }),
    );
    expect(badName.message).toMatch(/^bad sweeps.start request: grid.0.name: /);
    for (const e of [noPlace, noPort, twice, empty, badName]) expect(e.message).not.toContain('\n');
    expect(await call('sweeps.list', {})).toEqual([]);
    const missing = await rejection(api.call('sweeps.get', { id: 'nope' }));
    expect(missing.message).toContain('no sweep with id nope');
  });
});

describe('a 2 × 1 gunicorn sweep through the API', () => {
  let id = '';
  it('runs both configurations, emits progress and rows, and lists the result', async () => {
    ({ id } = await call('sweeps.start', {
      spawn: SPAWN,
      grid: [{ name: 'workers', values: ['1', '3'] }],
      url: 'http://127.0.0.1:{port}/bounded',
      requests: 500,
      concurrency: 4,
    }));
    const running = await call('sweeps.get', { id });
    expect(running.status).toBe('running');
    expect(running.total).toBe(2);
    await until('the sweep to finish', sweepDone(id), 120_000);

    const mine = events.filter((e) => e.id === id);
    for (const e of mine) expect(apiEventSchema.safeParse(e).success).toBe(true);
    const starts = mine.filter((e) => e.type === 'sweep' && !e.row && !e.status);
    const rows = mine.filter((e) => e.type === 'sweep' && e.row);
    expect(starts.map((e) => e.type === 'sweep' && e.index)).toEqual([0, 1]);
    expect(rows.map((e) => e.type === 'sweep' && e.row?.params.workers)).toEqual(['1', '3']);
    // each configuration's own hunt events go out under its runs-API id
    const runIds = rows.map((e) => (e.type === 'sweep' ? e.row?.runId : undefined));
    for (const r of runIds) {
      expect(events.some((e) => e.id === r && e.type === 'sample')).toBe(true);
      expect(events.some((e) => e.id === r && e.type === 'done')).toBe(true);
    }

    const got = await call('sweeps.get', { id });
    expect(got.status).toBe('finished');
    expect(got.done).toBe(2);
    expect(got.current).toBeNull();
    expect(got.wallMs).toBeGreaterThan(0);
    const [one, three] = got.rows;
    expect(one.status).toBe('finished');
    expect(three.status).toBe('finished');
    expect(three.processes).toBeGreaterThan(one.processes);
    expect(three.pssTotalBytes as number).toBeGreaterThan(one.pssTotalBytes as number);
    expect(got.bestRow?.id).toBe(
      got.rows
        .filter((r) => r.errorRate !== null && r.errorRate < 0.001)
        .sort((a, b) => (a.p90 ?? 0) - (b.p90 ?? 0))[0].id,
    );
    expect(got.best).toEqual(got.bestRow?.params);

    const list = await call('sweeps.list', {});
    expect(list.map((s) => [s.id, s.status, s.done, s.total])).toEqual([[id, 'finished', 2, 2]]);
    const onDisk = JSON.parse(readFileSync(path.join(got.dir, 'sweep.json'), 'utf8'));
    expect(onDisk.rows).toHaveLength(2);
  }, 150_000);

  it('opens each configuration through the runs API, which will not delete it', async () => {
    const got = await call('sweeps.get', { id });
    const run = await call('runs.get', { id: got.rows[1].runId, maxSamples: 200 });
    expect(run.result?.status).toBe('finished');
    expect(run.result?.target.command).toContain('-w 3');
    expect(run.samples.length).toBeGreaterThan(3);
    const del = await rejection(api.call('runs.delete', { id: got.rows[1].runId }));
    expect(del.message).toContain('belongs to a sweep');
    // runs of a sweep are not mixed into the run history
    expect(await call('runs.list', {})).toEqual([]);
    const html = await call('sweeps.export', { id, format: 'html' });
    expect(html.path).toBe(path.join(got.dir, 'report.html'));
    const page = readFileSync(html.path, 'utf8');
    expect(page).toContain(
      `Best configuration: ${Object.entries(got.best ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`,
    );
    expect(page).toContain('<table class="sweep">');
    const none = await rejection(api.call('sweeps.export', { id: 'nope', format: 'pdf' }));
    expect(none.message).toContain('no sweep with id nope');
  });

  it('stops a running sweep: status "stopped", the rest not run', async () => {
    const { id: sid } = await call('sweeps.start', {
      spawn: SPAWN,
      grid: [{ name: 'workers', values: ['1', '2'] }],
      url: 'http://127.0.0.1:{port}/bounded',
      requests: 2000,
      concurrency: 2,
    });
    await until(
      'the first configuration to load',
      () => events.some((e) => e.type === 'sample' && e.id.startsWith(`sweep.${sid}.`)),
      30_000,
    );
    expect(await call('sweeps.stop', { id: sid })).toEqual({ ok: true });
    await until('the sweep to end', sweepDone(sid), 40_000);
    const got = await call('sweeps.get', { id: sid });
    expect(got.status).toBe('stopped');
    // the configuration running when the stop came is marked stopped (it got less load than
    // the others, so it cannot be best), and nothing after it ran
    const statuses = got.rows.map((r) => r.status);
    expect(statuses.at(-1), JSON.stringify(statuses)).toBe('stopped');
    expect(statuses.slice(0, -1).every((x) => x === 'finished')).toBe(true);
    expect(got.bestRow?.status ?? 'finished').toBe('finished');
    expect(await call('sweeps.stop', { id: sid })).toEqual({ ok: false });

    // resumed, it runs the stopped configuration again in full, then the rest
    const before = events.length;
    expect(await call('sweeps.resume', { id: sid })).toEqual({ id: sid });
    const again = await rejection(api.call('sweeps.resume', { id: sid }));
    expect(again.message).toContain('is running already');
    await until(
      'the resumed sweep to end',
      () => events.slice(before).some((e) => e.type === 'sweep' && e.id === sid && e.status),
      120_000,
    );
    const done = await call('sweeps.get', { id: sid });
    expect(done.status).toBe('finished');
    expect(done.rows.map((r) => [r.params.workers, r.status])).toEqual([
      ['1', 'finished'],
      ['2', 'finished'],
    ]);
    const one = await call('runs.get', { id: done.rows[0].runId, maxSamples: 100 });
    // the full budget, not the stopped run's few requests
    expect(one.result?.load?.requests).toBeGreaterThanOrEqual(2000);
    const nothing = await rejection(api.call('sweeps.resume', { id: sid }));
    expect(nothing.message).toContain('nothing to resume');
  }, 150_000);
});
