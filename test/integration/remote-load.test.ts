// The load generator that runs on a host (--load-from host), started through a transport that
// runs its command lines with this machine's sh: the real bootstrap, the real bundle, the real
// node, against a real server. The host without node is one line saying what to do instead.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { LoadRecorder } from '../../electron/engine/load/recorder';
import { hostEndpoints, RemoteLoad } from '../../electron/engine/remote/remote-load';
import type { RemoteTransport } from '../../electron/engine/remote/transport';

/** What `ssh HOST cmd` does, minus ssh: the command line run by sh, with this PATH. */
function shTransport(PATH: string): RemoteTransport & { children: ChildProcess[] } {
  const children: ChildProcess[] = [];
  return {
    dest: 'testhost',
    kind: 'ssh',
    children,
    run: async () => ({ code: 0, stdout: '', stderr: '' }),
    spawn(command: string) {
      const c = spawn('/bin/sh', ['-c', command], { env: { PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
      children.push(c);
      return c;
    },
    forward: async (p: number) => p,
    cancelForward: async () => {},
    alive: async () => true,
    close: async () => {},
  };
}

let server: http.Server;
let port = 0;
const seen: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.close();
});

describe('the load generator on the host', () => {
  it('runs each phase there and records every response here, template variables included', async () => {
    const link = shTransport(`${path.dirname(process.execPath)}:/usr/bin:/bin`);
    const load = await RemoteLoad.start(link);
    expect(load.node).toBe(process.version);
    const recorder = new LoadRecorder();
    seen.length = 0;
    const opts = {
      endpoints: [{ url: `http://127.0.0.1:${port}/orders/{{counter}}`, method: 'GET', weight: 1 }],
      concurrency: 4,
      timeoutMs: 5000,
    };
    await load.run({ ...opts, requests: 300 }, recorder);
    await load.run({ ...opts, requests: 200 }, recorder);
    expect(recorder.requests).toBe(500);
    expect(recorder.errors).toBe(0);
    expect(recorder.stats().latencyMs.p50).toBeGreaterThan(0);
    expect(recorder.bytesRead).toBeGreaterThan(500 * 40);
    // the counter runs on across phases, as it does here
    expect(seen).toHaveLength(500);
    expect(new Set(seen).size).toBe(500);
    expect(seen).toContain('/orders/500');
    // an abort ends a phase early; a duration phase then ends by itself
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    const t0 = performance.now();
    await load.run({ ...opts, durationMs: 60_000, signal: stop.signal }, recorder);
    expect(performance.now() - t0).toBeLessThan(5000);
    load.close();
    await new Promise<void>((r) => link.children[0].once('exit', () => r()));
    expect(link.children[0].exitCode).toBe(0);
  });

  it('a host without node: one line with what to use instead', async () => {
    const err = await RemoteLoad.start(shTransport('/nonexistent')).catch((e) => e);
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toBe(
      'no node on testhost: the built-in load cannot run there; use --load-from here (through the SSH forward) or --load none',
    );
  });

  it('maps our forwarded port back to the server’s own, leaving templates untouched', () => {
    expect(
      hostEndpoints(
        [
          { url: 'http://127.0.0.1:40001/a/{{counter}}?q={{uuid}}', method: 'GET', weight: 1 },
          { url: 'http://127.0.0.1:400010/b', method: 'GET', weight: 1 },
          { url: 'http://localhost:40001', method: 'POST', weight: 2 },
        ],
        40001,
        8000,
      ).map((e) => e.url),
    ).toEqual([
      'http://127.0.0.1:8000/a/{{counter}}?q={{uuid}}',
      'http://127.0.0.1:400010/b',
      'http://localhost:8000',
    ]);
  });
});
