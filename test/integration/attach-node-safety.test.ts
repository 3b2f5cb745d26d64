// Attaching to Node servers leakhound did not start, without harm: no SIGUSR1 to a process
// whose SIGUSR1 would kill it (memory curves only, one line), a canary from the target's own
// executable first (its verdict cached), the target checked after, the inspector closed each
// time (20 cycles, fds and memory back), and a server in its own network and pid namespaces
// (a container) hunted by its host pid through a bridge into its namespace.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { attachNode } from '../../electron/engine/attach/attach-node';
import { sigusr1Handling } from '../../electron/engine/attach/node';
import { isPortFree, listeningPortsSync } from '../../electron/engine/proc/ports';
import { childrenOf, readStatus } from '../../electron/engine/proc/procfs';
import { type Result, resultSchema } from '../../shared/result';
import { runCli, tmpDir } from '../helpers/cli';
import { lockInspectPort } from '../helpers/inspect-lock';
import { FIXTURES, get, type Started, sleep, startNodeServer, stop, until } from './proc-helpers';

// this file signals Node servers here: one such file at a time holds 127.0.0.1:9229
let releaseInspect: () => void = () => {};
beforeAll(async () => {
  releaseInspect = await lockInspectPort();
}, 16 * 60_000);
afterAll(() => releaseInspect());

const INSPECT = 9229;
let started: Started[] = [];
afterEach(async () => {
  for (const s of started) await stop(s);
  started = [];
});

async function server(extra: string[] = []): Promise<Started> {
  const s = await startNodeServer(extra);
  started.push(s);
  return s;
}

const readResult = (out: string): Result =>
  resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));

async function attachHunt(pid: number, url: string, env: Record<string, string> = {}, requests = 1200) {
  const out = path.join(tmpDir(), 'run');
  const r = await runCli(
    ['run', '--attach', String(pid), '--url', url, '--requests', String(requests), '--out', out],
    {
      env,
    },
  );
  if (!existsSync(path.join(out, 'result.json')))
    throw new Error(`no result.json; exit ${r.code}: ${r.stderr}${r.stdout}`);
  return { ...r, out, result: readResult(out) };
}

describe('Node attach: SIGUSR1 only where it is safe', () => {
  it('sends no SIGUSR1 to a process whose SIGUSR1 would kill it: memory curves only, one line, target serving', async () => {
    // a listener added and removed again leaves SIGUSR1 at its default action: termination
    const s = await server(['--require', path.join(FIXTURES, 'node', 'sigusr1-dropped.js')]);
    expect(sigusr1Handling(s.pid)).toBe('default');
    const h = await attachHunt(s.pid, `http://127.0.0.1:${s.port}/`);
    expect(h.stderr).toBe('');
    const a = h.result.target.attach;
    expect(a?.method).toBe('none');
    expect(a?.canary).toEqual([]);
    expect(a?.fallback).toMatch(/does not catch SIGUSR1 \(its default action would end it/);
    expect(a?.fallback).toMatch(/--inspect=127\.0\.0\.1:0/);
    expect(h.stdout).toMatch(/does not catch SIGUSR1.*memory curves only/);
    expect(h.result.snapshots).toEqual([]);
    // untouched: alive, serving, no inspector
    expect(s.child.exitCode).toBeNull();
    expect((await get(s.port)).body).toBe(`ok ${s.pid}`);
    expect(listeningPortsSync(s.pid)).toEqual([s.port]);
  });

  it('runs the canary first and keeps its verdict; checks the target after; closes the inspector', async () => {
    expect(await isPortFree(INSPECT)).toBe(true);
    const s = await server();
    const cache = tmpDir('lh-cache-');
    const first = await attachHunt(s.pid, `http://127.0.0.1:${s.port}/`, { LEAKHOUND_CACHE_DIR: cache });
    expect(first.code, first.stderr).toBe(0);
    const a = first.result.target.attach;
    expect(a?.method).toBe('sigusr1');
    expect(a?.canary).toHaveLength(1);
    expect(a?.canary[0]).toMatchObject({ method: 'sigusr1', ok: true, cached: false });
    expect(a?.processes[0]).toMatchObject({ pid: s.pid, verified: true });
    expect(a?.processes[0].pauseMs).toBeGreaterThan(0);
    expect(a?.serving).toBe(true);
    expect(a?.verified).toBe(true);
    expect(first.result.snapshots).toHaveLength(3);
    expect(first.stdout).toMatch(/SIGUSR1 canary \(.*node.*\): passed/);
    expect(listeningPortsSync(s.pid)).toEqual([s.port]);
    // the second attach reuses the canary's verdict
    const second = await attachHunt(s.pid, `http://127.0.0.1:${s.port}/`, { LEAKHOUND_CACHE_DIR: cache });
    expect(second.result.target.attach?.canary[0]).toMatchObject({ ok: true, cached: true });
    expect(listeningPortsSync(s.pid)).toEqual([s.port]);
    expect((await get(s.port)).body).toBe(`ok ${s.pid}`);
  });

  it('20 attach cycles leave the target as found: fds, memory and ports back', async () => {
    const s = await server();
    const fds = () => readdirSync(`/proc/${s.pid}/fd`).length;
    const rss = () => readStatus(s.pid)?.rssBytes ?? 0;
    const cache = tmpDir('lh-cache-');
    const env = process.env.LEAKHOUND_CACHE_DIR;
    process.env.LEAKHOUND_CACHE_DIR = cache;
    try {
      const log = () => {};
      const warm = await attachNode(s.pid, { url: `http://127.0.0.1:${s.port}/`, log });
      await warm.inspector?.close();
      await sleep(200);
      const fd0 = fds();
      const rss0 = rss();
      for (let i = 0; i < 20; i++) {
        const a = await attachNode(s.pid, { url: `http://127.0.0.1:${s.port}/`, log });
        expect(a.info.method).toBe('sigusr1');
        expect(a.info.verified).toBe(true);
        expect(a.info.canary[0].cached).toBe(true);
        await a.inspector?.close();
        expect(listeningPortsSync(s.pid)).toEqual([s.port]);
      }
      await sleep(300);
      expect(fds()).toBeLessThanOrEqual(fd0 + 1);
      expect(rss() - rss0).toBeLessThan(8 * 2 ** 20);
      expect((await get(s.port)).body).toBe(`ok ${s.pid}`);
    } finally {
      if (env === undefined) delete process.env.LEAKHOUND_CACHE_DIR;
      else process.env.LEAKHOUND_CACHE_DIR = env;
    }
  }, 120_000);
});

const canUnshare = (() => {
  try {
    execFileSync('unshare', ['--fork', '--pid', '--mount-proc', '--net', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!canUnshare)('a Node server in its own pid and network namespaces', () => {
  it('is hunted by its host pid: inspector and load through a bridge into its namespace, LEAK named', async () => {
    const port = 3000;
    const sh = spawn(
      'unshare',
      [
        '--fork',
        '--pid',
        '--mount-proc',
        '--net',
        'sh',
        '-c',
        `ip link set lo up && PORT=${port} exec ${process.execPath} ${path.join(FIXTURES, 'node', 'leaky-array.js')}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } },
    );
    sh.stderr?.resume();
    const node = await until(() => childrenOf(sh.pid as number)[0], 10_000, 'node inside');
    try {
      await until(() => listeningPortsSync(node).includes(port) || null, 10_000, 'listening inside');
      // `leakhound ps` lists it by its host pid, with its port in its namespace and its pid inside
      const ps = await runCli(['ps', '--json']);
      const entry = (JSON.parse(ps.stdout) as Array<{ pid: number; nsPid?: number; ports: number[] }>).find(
        (e) => e.pid === node,
      );
      expect(entry).toMatchObject({ pid: node, nsPid: 1, ports: [port] });
      expect((await runCli(['ps'])).stdout).toMatch(new RegExp(`^${node} \\(1 inside\\)`, 'm'));
      // nothing listens on this port out here: only the bridge reaches it
      const h = await attachHunt(node, `http://127.0.0.1:${port}/`, {}, 3000);
      expect(h.stderr).toBe('');
      const r = h.result;
      expect(r.verdict.kind, r.verdict.reason).toBe('leak');
      expect(r.suspects[0].name).toBe('OrderAuditEntry');
      expect(r.target.url).toBe(`http://127.0.0.1:${port}/`);
      expect(r.target.attach).toMatchObject({
        method: 'sigusr1',
        container: true,
        serving: true,
        verified: true,
      });
      expect(h.stdout).toMatch(
        /another network namespace: requests to http:\/\/127\.0\.0\.1:3000\/ go through a bridge/,
      );
      // the inspector was closed inside its namespace
      expect(listeningPortsSync(node)).toEqual([port]);
    } finally {
      // pid 1 of its namespace ignores SIGTERM: ours, by host pid
      process.kill(node, 'SIGKILL');
      sh.kill('SIGKILL');
    }
  }, 120_000);
});
