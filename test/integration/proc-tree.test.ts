// The process-tree layer against real servers: gunicorn (master + 2 forked workers) and a
// plain Node server. Sampling, restarts, ports, runtime, ps grouping and killTree.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killTree } from '../../electron/engine/proc/kill';
import {
  isPortFree,
  listeningPorts,
  pickFreePort,
  pidsListeningOn,
  treePorts,
} from '../../electron/engine/proc/ports';
import { childrenOf, descendants, readStatus } from '../../electron/engine/proc/procfs';
import { listProcesses, psCli } from '../../electron/engine/proc/ps';
import { detectRuntime } from '../../electron/engine/proc/runtime';
import { type TreeSample, TreeSampler } from '../../electron/engine/proc/sampler';
import { processEntrySchema } from '../../shared/api';
import { processInfoSchema, processSampleSchema } from '../../shared/result';
import { alive, get, type Started, sleep, startGunicorn, startNodeServer, stop, until } from './proc-helpers';

let guni: Started;
const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'lh-proc-tree-'));
let nodeSrv: Started;

beforeAll(async () => {
  [guni, nodeSrv] = await Promise.all([startGunicorn(2), startNodeServer()]);
  // gunicorn forks its workers after binding: wait for both.
  await until(() => childrenOf(guni.pid).length === 2, 10_000, 'two gunicorn workers');
});

afterAll(async () => {
  if (guni && alive(guni.pid)) await killTree(guni.pid, { graceMs: 2000 });
  await stop(nodeSrv);
  rmSync(tmpDir, { recursive: true, force: true });
});

function collect(s: TreeSampler): TreeSample[] {
  const out: TreeSample[] = [];
  s.on('sample', (x) => out.push(x));
  return out;
}

describe('TreeSampler', () => {
  it('sees the gunicorn master and both workers, with PSS sum below RSS sum', async () => {
    const sampler = new TreeSampler({ rootPid: guni.pid, rssHz: 10, pssHz: 2 });
    const samples = collect(sampler);
    sampler.start();
    await sleep(1200);
    sampler.stop();
    expect(samples.length).toBeGreaterThanOrEqual(8);
    const last = samples[samples.length - 1];
    const pids = last.processes.map((p) => p.pid).sort((a, b) => a - b);
    expect(pids).toEqual([guni.pid, ...childrenOf(guni.pid)].sort((a, b) => a - b));
    for (const p of last.processes) expect(processSampleSchema.parse(p)).toBeTruthy();
    expect(last.processes.find((p) => p.pid === guni.pid)!.ppid).toBeNull();
    expect(last.pssBytes).not.toBeNull();
    // forked workers share most pages with the master: PSS counts them once
    expect(last.pssBytes!).toBeLessThan(last.rssBytes * 0.8);
    expect(last.rssBytes).toBe(last.processes.reduce((a, p) => a + p.rssBytes, 0));
    // t is ms since start and increasing; private bytes appear on the ticks smaps was read
    expect(samples[0].t).toBeLessThan(50);
    for (let i = 1; i < samples.length; i++) expect(samples[i].t).toBeGreaterThan(samples[i - 1].t);
    const fresh = samples.filter((s) => s.processes.some((p) => p.privateBytes != null)).length;
    expect(fresh).toBeGreaterThanOrEqual(2);
    expect(fresh).toBeLessThan(samples.length);
    for (const info of sampler.processes()) expect(processInfoSchema.parse(info).exited).toBe(false);
    expect(sampler.restarts()).toBe(0);
  });

  it('follows a worker that gunicorn restarts after it was killed', async () => {
    const sampler = new TreeSampler({ rootPid: guni.pid, rssHz: 10, pssHz: 1 });
    const samples = collect(sampler);
    sampler.start();
    await sleep(300);
    const [victim, survivor] = childrenOf(guni.pid);
    process.kill(victim, 'SIGKILL');
    const replacement = await until(
      () => childrenOf(guni.pid).find((p) => p !== victim && p !== survivor),
      10_000,
      'gunicorn to respawn the worker',
    );
    // let the sampler see the new worker for a few ticks and read its PSS
    await sleep(700);
    sampler.stop();
    const last = samples[samples.length - 1];
    const pids = last.processes.map((p) => p.pid);
    expect(pids).toContain(replacement);
    expect(pids).toContain(survivor);
    expect(pids).not.toContain(victim);
    expect(last.processes.find((p) => p.pid === replacement)!.pssBytes).toBeGreaterThan(0);
    const infos = sampler.processes();
    expect(infos.find((p) => p.pid === victim)).toMatchObject({ exited: true, ppid: guni.pid });
    expect(infos.find((p) => p.pid === replacement)).toMatchObject({ exited: false, ppid: guni.pid });
    expect(infos.find((p) => p.pid === replacement)!.firstSeenMs).toBeGreaterThan(200);
    expect(sampler.restarts()).toBe(1);
    // the new worker serves
    expect((await get(guni.port)).body).toBe('hello\n');
  });

  it('samples a single Node process and reports its exit', async () => {
    const own = await startNodeServer();
    const sampler = new TreeSampler({ rootPid: own.pid, rssHz: 20 });
    const samples = collect(sampler);
    const exited = new Promise<{ pid: number; t: number }>((r) => sampler.on('exit', r));
    sampler.start();
    await sleep(300);
    const st = readStatus(own.pid)!;
    const last = samples[samples.length - 1];
    expect(last.processes).toHaveLength(1);
    expect(Math.abs(last.rssBytes - st.rssBytes) / st.rssBytes).toBeLessThan(0.2);
    expect(last.pssBytes).toBeGreaterThan(0);
    await stop(own);
    expect((await exited).pid).toBe(own.pid);
    expect(sampler.isRunning).toBe(false);
    expect(sampler.processes()[0]).toMatchObject({ pid: own.pid, exited: true });
  });

  it('does not grow its own heap tick after tick', async () => {
    // Measured in a clean child process: the first few hundred ticks warm up, and even then
    // the heap after a GC drifts by up to ±180 KB (seen across CI runs). Over 2000 ticks that
    // is ±90 B/tick, while a retained sample per tick would be ≥ 400 B/tick.
    const script = path.join(tmpDir, 'sampler-heap.ts');
    writeFileSync(
      script,
      `import v8 from 'node:v8';
import vm from 'node:vm';
import { TreeSampler } from ${JSON.stringify(path.resolve(__dirname, '../../electron/engine/proc/sampler'))};
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const s = new TreeSampler({ rootPid: ${guni.pid}, rssHz: 100, pssHz: 5 });
let ticks = 0;
s.on('sample', () => { ticks++; });
s.start();
const wait = (n) => new Promise((r) => { const i = setInterval(() => { if (ticks >= n) { clearInterval(i); r(); } }, 20); });
(async () => {
  await wait(800);
  gc();
  const h0 = process.memoryUsage().heapUsed;
  await wait(2800);
  gc();
  console.log(JSON.stringify({ grown: process.memoryUsage().heapUsed - h0, ticks: ticks - 800 }));
  s.stop();
})();
`,
    );
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(tsx, [script], { timeout: 90_000 }, (err, stdout, stderr) =>
        err
          ? reject(new Error(`sampler child failed: ${stderr.split('\n').slice(0, 5).join(' / ')}`))
          : resolve(stdout),
      ),
    );
    const { grown, ticks } = JSON.parse(out.trim().split('\n').pop()!) as { grown: number; ticks: number };
    console.log(`sampler heap growth: ${grown} B over ${ticks} ticks (${(grown / ticks).toFixed(1)} B/tick)`);
    expect(ticks).toBeGreaterThanOrEqual(2000);
    expect(grown / ticks).toBeLessThan(250);
  });

  it('works through the ps fallback too (as on macOS), without PSS', async () => {
    const sampler = new TreeSampler({ rootPid: guni.pid, rssHz: 5, backend: 'ps' });
    const samples = collect(sampler);
    sampler.start();
    await until(() => samples.length >= 3, 5000, 'three ps samples');
    sampler.stop();
    const last = samples[samples.length - 1];
    expect(last.processes.map((p) => p.pid).sort()).toEqual([guni.pid, ...childrenOf(guni.pid)].sort());
    expect(last.pssBytes).toBeNull();
    expect(last.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });
});

describe('ports', () => {
  it('finds the listening port of master, workers and the Node server', async () => {
    expect(await treePorts(guni.pid)).toEqual([guni.port]);
    for (const w of childrenOf(guni.pid)) expect(await listeningPorts(w)).toEqual([guni.port]);
    expect(await listeningPorts(nodeSrv.pid)).toEqual([nodeSrv.port]);
    expect(pidsListeningOn(guni.port).sort()).toEqual([guni.pid, ...childrenOf(guni.pid)].sort());
    expect(await listeningPorts(999_999_999)).toEqual([]);
  });

  it('tells free ports from taken ones', async () => {
    expect(await isPortFree(nodeSrv.port)).toBe(false);
    const p = await pickFreePort();
    expect(p).toBeGreaterThan(1024);
    expect(await isPortFree(p)).toBe(true);
  });
});

describe('runtime', () => {
  it('detects node, python (gunicorn script) and other', async () => {
    expect(detectRuntime(nodeSrv.pid)).toBe('node');
    expect(detectRuntime(guni.pid)).toBe('python');
    for (const w of childrenOf(guni.pid)) expect(detectRuntime(w)).toBe('python');
    const sl = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => sl.once('spawn', r));
    expect(detectRuntime(sl.pid!)).toBe('other');
    sl.kill('SIGKILL');
    expect(detectRuntime(999_999_999)).toBeNull();
  });

  it('treats electron as node only with ELECTRON_RUN_AS_NODE', async () => {
    // a copy of node named "electron" behaves like Electron's binary for this purpose
    const { mkdtempSync, copyFileSync, rmSync } = await import('node:fs');
    const dir = mkdtempSync('/tmp/lh-electron-');
    copyFileSync(process.execPath, `${dir}/electron`);
    const { chmodSync } = await import('node:fs');
    chmodSync(`${dir}/electron`, 0o755);
    const asNode = spawn(`${dir}/electron`, ['-e', 'setTimeout(()=>{}, 20000)'], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: 'ignore',
    });
    const plain = spawn(`${dir}/electron`, ['-e', 'setTimeout(()=>{}, 20000)'], { stdio: 'ignore' });
    try {
      await Promise.all([asNode, plain].map((c) => new Promise((r) => c.once('spawn', r))));
      await sleep(100);
      expect(detectRuntime(asNode.pid!)).toBe('node');
      expect(detectRuntime(plain.pid!)).toBe('other');
    } finally {
      asNode.kill('SIGKILL');
      plain.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ps', () => {
  it('lists both servers, gunicorn workers grouped under the master', async () => {
    const list = await listProcesses();
    for (const e of list) processEntrySchema.parse(e);
    const master = list.find((e) => e.pid === guni.pid)!;
    expect(master).toMatchObject({ runtime: 'python', ports: [guni.port] });
    expect(master.children.sort()).toEqual(childrenOf(guni.pid).sort());
    expect(master.pssBytes).toBeGreaterThan(0);
    expect(master.pssBytes!).toBeLessThan(master.rssBytes);
    expect(master.uptimeMs).toBeGreaterThan(0);
    expect(master.uptimeMs).toBeLessThan(120_000);
    for (const w of master.children) expect(list.find((e) => e.pid === w)).toMatchObject({ ppid: guni.pid });
    const n = list.find((e) => e.pid === nodeSrv.pid)!;
    expect(n).toMatchObject({ runtime: 'node', ports: [nodeSrv.port], children: [] });
    expect(list.find((e) => e.pid === process.pid)).toBeUndefined();
  });

  it('prints a table and JSON', async () => {
    let text = '';
    const sink = new Writable({
      write(chunk, _enc, cb) {
        text += chunk;
        cb();
      },
    });
    expect(await psCli({ json: false }, sink)).toBe(0);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^PID\s+RUNTIME\s+PORTS/);
    const mi = lines.findIndex((l) => l.startsWith(`${guni.pid} `));
    expect(lines[mi]).toMatch(new RegExp(`^${guni.pid}\\s+python\\s+${guni.port}\\s`));
    for (const w of childrenOf(guni.pid)) {
      expect(lines.slice(mi + 1, mi + 3).some((l) => l.trimStart().startsWith(`└ ${w} `))).toBe(true);
    }
    text = '';
    await psCli({ json: true }, sink);
    const parsed = JSON.parse(text) as unknown[];
    expect(parsed.map((e) => processEntrySchema.parse(e).pid)).toContain(nodeSrv.pid);
  });
});

describe('killTree', () => {
  it('ends a gunicorn tree: nothing left', async () => {
    const g = await startGunicorn(2);
    await until(() => childrenOf(g.pid).length === 2, 10_000, 'workers');
    const members = [g.pid, ...descendants(g.pid)];
    const r = await killTree(g.pid, { graceMs: 8000 });
    expect(r.pids.sort()).toEqual(members.sort());
    expect(r.survivors).toEqual([]);
    expect(r.forced).toEqual([]);
    for (const p of members) expect(readStatus(p) === null || readStatus(p)!.rssBytes === 0).toBe(true);
    expect(await isPortFree(g.port)).toBe(true);
  });

  it('SIGKILLs what ignores SIGTERM, grandchildren and a detached group included', async () => {
    // each node process says when its SIGTERM handler is in place
    const ready = mkdtempSync(path.join(os.tmpdir(), 'lh-kill-'));
    const src = `
      const { spawn } = require('node:child_process');
      const fs = require('node:fs');
      process.on('SIGTERM', () => {});
      fs.writeFileSync(process.env.READY + '/root', '');
      spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.env.READY + '/child', ''); setInterval(() => {}, 1000)"], { stdio: 'ignore' });
      spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
      setInterval(() => {}, 1000);`;
    const root = spawn(process.execPath, ['-e', src], {
      stdio: 'ignore',
      detached: true,
      env: { ...process.env, READY: ready },
    });
    await until(() => descendants(root.pid!).length === 2, 5000, 'two children');
    await until(
      () => existsSync(`${ready}/root`) && existsSync(`${ready}/child`),
      10_000,
      'SIGTERM handlers',
    );
    rmSync(ready, { recursive: true, force: true });
    const members = [root.pid!, ...descendants(root.pid!)];
    const sleepPid = members.find((p) => readStatus(p)?.name === 'sleep');
    expect(sleepPid).toBeDefined();
    const t0 = Date.now();
    const r = await killTree(root.pid!, { graceMs: 400 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(r.survivors).toEqual([]);
    // the two node processes ignore SIGTERM; sleep does not
    expect(r.forced.sort()).toEqual(members.filter((p) => p !== sleepPid).sort());
    for (const p of members) expect(alive(p) && readStatus(p)?.rssBytes !== 0).toBe(false);
  });
});
