// Scenarios (issue 9) against a real server: stages change the number of users on the fly,
// weights split the traffic, think time paces each user, variables differ per request.
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoadRecorder } from '../../electron/engine/load/recorder';
import { parseScenario, runScenario } from '../../electron/engine/load/scenario';

const state = {
  connections: 0,
  open: 0,
  maxOpen: 0,
  paths: new Map<string, number>(),
  ids: new Set<string>(),
};
let server: http.Server;
let port = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const p = req.url!.split('?')[0];
    state.paths.set(p, (state.paths.get(p) ?? 0) + 1);
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      if (body) state.ids.add(JSON.parse(body).id);
      res.end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: net.Socket) => {
    state.connections++;
    state.maxOpen = Math.max(state.maxOpen, ++state.open);
    s.on('close', () => state.open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});
beforeEach(() => {
  Object.assign(state, { connections: 0, maxOpen: 0, paths: new Map(), ids: new Set() });
});

const resolveUrl = (u: string) => u.replace('{port}', String(port));

describe('runScenario', () => {
  it('runs stages of users and splits traffic between weighted endpoints', async () => {
    const s = parseScenario(`
baseUrl: http://127.0.0.1:{port}
endpoints:
  - { path: /list, weight: 3 }
  - { path: /create, method: POST, json: { id: "{{uuid}}" } }
stages:
  - { duration: 500ms, users: 2 }
  - { duration: 500ms, users: 6 }
  - { duration: 400ms, users: 1 }
`);
    const rec = new LoadRecorder();
    const stages: number[] = [];
    await runScenario(s, rec, { resolveUrl, onStage: (_i, st) => stages.push(st.users) });
    expect(stages).toEqual([2, 6, 1]);
    const list = state.paths.get('/list') ?? 0;
    const create = state.paths.get('/create') ?? 0;
    expect(list + create).toBe(rec.requests);
    expect(rec.errors).toBe(0);
    expect(rec.requests).toBeGreaterThan(100);
    // smooth weighted round-robin: within one pick of 3:1 at any point
    expect(Math.abs(list - 3 * create)).toBeLessThanOrEqual(4);
    expect(state.ids.size).toBe(create);
    // users 2 → 6 opens four more connections; dropping to 1 closes five
    expect(state.connections).toBe(6);
    expect(state.maxOpen).toBe(6);
  });

  it('paces each user by its think time', async () => {
    const s = parseScenario(`
endpoints: [{ url: "http://127.0.0.1:{port}/think" }]
users: 2
duration: 1s
thinkTime: 100ms
`);
    const rec = new LoadRecorder();
    await runScenario(s, rec, { resolveUrl });
    // 2 users × (1 s / ~100 ms) ≈ 20; uncapped this server does thousands
    expect(rec.requests).toBeGreaterThanOrEqual(10);
    expect(rec.requests).toBeLessThanOrEqual(22);
  });

  it('stops at the request budget and caps the rate per stage', async () => {
    const s = parseScenario(`
endpoints: [{ url: "http://127.0.0.1:{port}/budget" }]
stages:
  - { duration: 1s, users: 4, rate: 100 }
  - { duration: 10s, users: 4 }
requests: 400
`);
    const rec = new LoadRecorder();
    const seenAt1s: number[] = [];
    const t = setTimeout(() => seenAt1s.push(rec.requests), 900);
    await runScenario(s, rec, { resolveUrl });
    clearTimeout(t);
    expect(rec.requests).toBe(400);
    expect(state.paths.get('/budget')).toBe(400);
    // first stage capped at 100/s: about 90 by 0.9 s
    expect(seenAt1s[0]).toBeGreaterThanOrEqual(60);
    expect(seenAt1s[0]).toBeLessThanOrEqual(100);
  });
});
