// The UI API over the real engine: params validation, a real hunt started through the
// handler with its events, and heap queries answered by the analysis worker. Every
// answer is checked against the shared result schemas, as both transports would.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHandler, createApiHandler, NotFoundError } from '../../electron/engine/api/handler';
import { UserError } from '../../electron/engine/errors';
import { type ApiEvent, type ApiMethod, type ApiResult, apiEventSchema, apiMethods } from '../../shared/api';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'node', 'leaky-array.js');
let dataDir: string;
let api: ApiHandler;
const events: ApiEvent[] = [];

/** Call and validate the answer with the method's result schema. */
async function call<M extends ApiMethod>(method: M, params: unknown): Promise<ApiResult<M>> {
  const out = await api.call(method, params);
  return apiMethods[method].result.parse(out) as ApiResult<M>;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'leakhound-api-'));
  api = createApiHandler({ dataDir });
  api.onEvent((e) => events.push(e));
});
afterAll(async () => {
  await api?.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('createApiHandler: bad input', () => {
  it('refuses unknown methods and invalid params with one clear line', async () => {
    const unknown = await rejection(api.call('runs.explode', {}));
    expect(unknown).toBeInstanceOf(UserError);
    expect(unknown.message).toMatch(/^unknown API method "runs.explode"; known methods: runs.start/);
    const badId = await rejection(api.call('runs.get', { id: '../../etc' }));
    expect(badId).toBeInstanceOf(UserError);
    expect(badId.message).toBe(
      'bad runs.get request: id: a run id is letters, digits, dot, dash or underscore',
    );
    const extra = await rejection(api.call('runs.list', { all: true }));
    expect(extra.message).toMatch(/^bad runs.list request: /);
    const badSnap = await rejection(api.call('analysis.diff', { id: 'x', from: -1, to: 2 }));
    expect(badSnap.message).toMatch(/^bad analysis.diff request: from: /);
    for (const e of [unknown, badId, extra, badSnap]) expect(e.message).not.toContain('\n');
  });

  it('refuses a hunt without a target, or with an out folder, before starting anything', async () => {
    const noTarget = await rejection(api.call('runs.start', { url: 'http://127.0.0.1:1/' }));
    expect(noTarget).toBeInstanceOf(UserError);
    expect(noTarget.message).toMatch(/--spawn|--attach/);
    const out = await rejection(
      api.call('runs.start', { spawn: 'node x.js', url: 'http://127.0.0.1:{port}/', out: '/tmp/x' }),
    );
    expect(out.message).toMatch(/"out" is not accepted here/);
    expect(await call('runs.list', {})).toEqual([]);
  });

  it('answers NotFoundError for runs that do not exist', async () => {
    const e = await rejection(api.call('runs.get', { id: 'nope' }));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.message).toMatch(/^no run with id nope in /);
    expect(await call('runs.stop', { id: 'nope' })).toEqual({ ok: false });
  });
});

describe('createApiHandler: processes.list', () => {
  let server: ChildProcess;
  afterAll(() => {
    server?.kill('SIGKILL');
  });
  it('lists a listening Node server with its port and runtime', async () => {
    server = spawn(process.execPath, [FIXTURE], { env: { ...process.env, PORT: '0' }, stdio: 'ignore' });
    const pid = server.pid!;
    let entry: { runtime: string; ports: number[] } | undefined;
    for (let i = 0; i < 50 && !entry?.ports.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      entry = (await call('processes.list', {})).find((p) => p.pid === pid);
    }
    expect(entry?.runtime).toBe('node');
    expect(entry?.ports.length).toBeGreaterThan(0);
  });
});

describe('createApiHandler: a hunt end to end', () => {
  let id = '';

  it('starts a hunt, streams valid events and ends with a leak verdict', async () => {
    const started = await call('runs.start', {
      spawn: `node ${FIXTURE}`,
      url: 'http://127.0.0.1:{port}/',
      requests: 2000,
      concurrency: 4,
    });
    id = started.id;
    // run.json exists as soon as start answers: the UI can open the run at once
    const early = await call('runs.get', { id });
    expect(early.summary.status).toBe('running');
    expect((await call('runs.list', {})).map((r) => r.id)).toContain(id);

    const deadline = Date.now() + 90_000;
    while (!events.some((e) => e.type === 'done' && e.id === id) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const mine = events.filter((e) => e.id === id);
    for (const e of mine) expect(apiEventSchema.safeParse(e).success).toBe(true);
    const kinds = new Set(mine.map((e) => e.type));
    // load events come once a second of load: a fast run may have none
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['done', 'phase', 'sample']));
    expect(mine.find((e) => e.type === 'done')).toMatchObject({ status: 'finished' });

    const run = await call('runs.get', { id });
    expect(run.result?.verdict.kind).toBe('leak');
    expect(run.result?.snapshots.length).toBe(3);
    expect(run.samples.length).toBeGreaterThan(3);
    // thinned for the screen: fewer samples, same first and last
    const thin = await call('runs.get', { id, maxSamples: 100 });
    expect(thin.samples.length).toBeLessThanOrEqual(Math.min(run.samples.length, 102));
    expect(thin.samples[0]).toEqual(run.samples[0]);
    expect(thin.samples.at(-1)).toEqual(run.samples.at(-1));
    expect(await call('runs.stop', { id })).toEqual({ ok: false });
  }, 120_000);

  it('answers diff, instances and retainers from the worker, with strings redacted', async () => {
    const diff = await call('analysis.diff', { id, from: 0, to: 2 });
    const row = diff.rows.find((r) => r.name === 'OrderAuditEntry');
    expect(diff.requestsBetween).toBeGreaterThan(1000);
    expect(row?.countDelta).toBe(row?.added);
    expect(row?.perRequest).toBeGreaterThan(0.9);
    expect(row?.perRequest).toBeLessThan(1.1);

    const inst = await call('analysis.instances', {
      id,
      snapshot: 2,
      name: 'OrderAuditEntry',
      onlyNew: true,
      since: 0,
    });
    expect(inst.total).toBe(row?.added);
    const all = await call('analysis.instances', { id, snapshot: 2, name: 'OrderAuditEntry', limit: 5 });
    expect(all.items.length).toBe(5);
    expect(all.total).toBeGreaterThanOrEqual(inst.total);

    const ret = await call('analysis.retainers', { id, snapshot: 2, nodeId: inst.items[0].nodeId });
    const strong = ret.find((r) => !r.weak);
    expect(strong?.name).toBe('Array');
    expect(strong?.edge).toMatch(/^\[\d+\]$/);
    const up = await call('analysis.retainers', { id, snapshot: 2, nodeId: strong!.nodeId });
    expect(up.some((r) => r.edge === 'audit')).toBe(true);

    // heap strings never leave as text (length + hash only)…
    const strings = await call('analysis.instances', { id, snapshot: 2, name: '(string)', limit: 1000 });
    expect(strings.items.length).toBeGreaterThan(100);
    for (const s of strings.items) expect(s.name).toMatch(/^string\(len=\d+, sha256:[0-9a-f]{8}\)$/);
    const allNames = strings.items.map((s) => s.name).join('\n');
    // the fixture's own source text is a heap string: a good canary
    expect(allNames).not.toMatch(/appends an audit entry/);
    // …unless the user reveals them
    const revealed = await call('analysis.instances', {
      id,
      snapshot: 2,
      name: '(string)',
      limit: 1000,
      revealStrings: true,
    });
    expect(revealed.items.map((s) => s.name).join('\n')).toMatch(/appends an audit entry/);

    const bad = await rejection(api.call('analysis.diff', { id, from: 0, to: 7 }));
    expect(bad.message).toBe(`run ${id} has 3 snapshots; index 7 does not exist (0–2)`);
    const noNode = await rejection(api.call('analysis.retainers', { id, snapshot: 2, nodeId: 2 ** 31 - 1 }));
    expect(noNode).toBeInstanceOf(UserError);
    expect(noNode.message).toMatch(/^no object with id @2147483647/);
  }, 60_000);

  it('exports an HTML report and deletes the run', async () => {
    const { path: file } = await call('reports.export', { id, format: 'html' });
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/OrderAuditEntry/);
    expect(await call('runs.delete', { id })).toEqual({ ok: true });
    expect(await call('runs.list', {})).toEqual([]);
    expect(await rejection(api.call('runs.get', { id }))).toBeInstanceOf(NotFoundError);
  }, 60_000);
});
