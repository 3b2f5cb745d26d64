// Shared by the proc-* and attach-* tests: start real servers on 127.0.0.1 and wait for them.
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { pickFreePort } from '../../electron/engine/proc/ports';

export const FIXTURES = path.resolve(__dirname, '../fixtures');

export function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${port} did not open within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export function get(port: number, p = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

export interface Started {
  child: ChildProcess;
  pid: number;
  port: number;
}

/** gunicorn -w N serving test/fixtures/python/wsgi_hello.py */
export async function startGunicorn(workers = 2): Promise<Started> {
  const port = await pickFreePort();
  const child = spawn(
    '/usr/bin/gunicorn',
    ['-w', String(workers), '-b', `127.0.0.1:${port}`, '--log-level', 'warning', 'wsgi_hello:app'],
    { cwd: path.join(FIXTURES, 'python'), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.resume();
  await waitForPort(port);
  return { child, pid: child.pid!, port };
}

/**
 * A plain Node http server (no --inspect). GET /lag answers the longest event-loop stall
 * seen so far (a 5 ms ticker), which is how attach tests measure the pause they cause.
 */
export const NODE_SERVER_SRC = `
const http = require('node:http');
let maxLag = 0, last = performance.now();
setInterval(() => { const now = performance.now(); maxLag = Math.max(maxLag, now - last - 5); last = now; }, 5);
const keep = [];
http.createServer((req, res) => {
  if (req.url === '/lag') { res.end(JSON.stringify({ maxLag, pid: process.pid })); maxLag = 0; return; }
  if (req.url === '/leak') keep.push({ at: Date.now(), pad: 'x'.repeat(100) });
  res.end('ok ' + process.pid);
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

export async function startNodeServer(extraArgs: string[] = []): Promise<Started> {
  const port = await pickFreePort();
  const child = spawn(process.execPath, [...extraArgs, '-e', NODE_SERVER_SRC], {
    env: { ...process.env, PORT: String(port), NODE_OPTIONS: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.resume();
  await waitForPort(port);
  return { child, pid: child.pid!, port };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Kill a process we started, by pid, and wait for its exit. */
export async function stop(s: Started | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null || s.child.signalCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGKILL');
  await exited;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(fn: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}
