// The generator against Flask under gunicorn sync workers, which close the connection after
// every response: exact counts, no socket errors, honest latency (autocannon reports p50 ≈
// 2.6 s and thousands of errors here). Also `leakhound load`'s output.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoadCli } from '../../electron/engine/load/loadCommand';
import { LoadRecorder } from '../../electron/engine/load/recorder';
import { runLoad } from '../../electron/engine/load/run';
import { loadStatsSchema } from '../../shared/result';

let proc: ChildProcess;
let base = '';
let stderr = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  proc = spawn(
    '/usr/bin/gunicorn',
    [
      '-w',
      '2',
      '--bind',
      `127.0.0.1:${port}`,
      '--chdir',
      path.resolve(__dirname, '../fixtures/python'),
      'hello_app:app',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  proc.stderr!.on('data', (d) => {
    stderr += d;
  });
  base = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gunicorn exited: ${stderr.slice(-500)}`);
    if (Date.now() > until) throw new Error(`gunicorn never listened: ${stderr.slice(-500)}`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => r(true)).once('error', () => r(false));
      s.once('connect', () => s.destroy());
    });
    if (ok && /Booting worker[\s\S]*Booting worker/.test(stderr)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
});

const ep = (p: string) => ({ url: `${base}${p}`, method: 'GET', weight: 1 });

describe('load against gunicorn sync workers', () => {
  it('counts every request once, with no errors and sane latency', async () => {
    const rec = new LoadRecorder();
    await runLoad({ endpoints: [ep('/')], concurrency: 10, requests: 800, timeoutMs: 10_000 }, rec);
    const st = rec.stats();
    expect(st.requests).toBe(800);
    expect(st.errors).toBe(0);
    expect(st.statusCodes).toEqual({ '200': 800 });
    // 10 connections queue on 2 workers: a few ms each, never seconds
    expect(st.latencyMs.p50).toBeGreaterThan(0);
    expect(st.latencyMs.p50).toBeLessThan(500);
    expect(st.latencyMs.p99).toBeLessThan(5000);
  });

  it('reads chunked responses and counts 500s as status errors', async () => {
    const rec = new LoadRecorder();
    await runLoad(
      { endpoints: [ep('/chunked'), ep('/status/500')], concurrency: 4, requests: 200, timeoutMs: 10_000 },
      rec,
    );
    const st = rec.stats();
    expect(st.requests).toBe(200);
    expect(st.errorsByKind).toEqual({ connect: 0, timeout: 0, status: 100, other: 0 });
    expect(st.statusCodes).toEqual({ '200': 100, '500': 100 });
  });

  it('`leakhound load` prints LoadStats JSON or a short summary', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += d;
    });
    await runLoadCli({ url: `${base}/`, durationMs: 700, concurrency: 4, json: true }, out);
    const stats = loadStatsSchema.parse(JSON.parse(text));
    expect(stats.requests).toBeGreaterThan(10);
    expect(stats.errors).toBe(0);
    text = '';
    await runLoadCli({ url: `${base}/`, durationMs: 300, concurrency: 2, json: false }, out);
    expect(text).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/: 2 connections, 0\.\d s\n {2}requests {2}[\d,]+ \([\d,]+ rps\)/,
    );
    expect(text).toMatch(/latency {3}p50 [\d.]+ ms/);
    expect(text.trim().split('\n')).toHaveLength(4);
  });

  it('`leakhound load` runs a scenario file against gunicorn', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lh-load-'));
    const file = path.join(dir, 'scenario.yaml');
    writeFileSync(
      file,
      `baseUrl: ${base}\nrequests: 90\nendpoints:\n  - { path: /, weight: 2 }\n  - { path: /chunked }\nusers: 3\nduration: 20s\n`,
    );
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => {
      text += d;
    });
    const stats = await runLoadCli(
      { url: '', durationMs: 0, concurrency: 1, json: false, scenario: file },
      out,
    );
    rmSync(dir, { recursive: true });
    expect(stats.requests).toBe(90);
    expect(stats.errors).toBe(0);
    expect(text).toMatch(/scenario\.yaml \(scenario\): 3 connections/);
  });

  it('`leakhound load` fails with one clear line when nothing listens', async () => {
    const port = await freePort();
    await expect(
      runLoadCli(
        { url: `http://127.0.0.1:${port}/`, durationMs: 200, concurrency: 1, json: true },
        new PassThrough(),
      ),
    ).rejects.toThrow(/^nothing answered at http:\/\/127\.0\.0\.1:\d+\/: cannot connect .*ECONNREFUSED/);
  });
});
