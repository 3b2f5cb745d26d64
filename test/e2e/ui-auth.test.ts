// Token, Host and Origin enforcement of `leakhound serve`, over real sockets and in a
// real browser: without the token nothing (page, API or event socket) is served.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openApp, shot, startUi, type UiEnv } from './ui-helpers';

let env: UiEnv;
beforeAll(async () => {
  env = await startUi();
}, 120_000);
afterAll(async () => {
  await env?.close();
});

function get(
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: env.serve.port, path, method, headers }, (res) => {
      let data = '';
      res.on('data', (c) => {
        data += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function wsStatus(url: string, headers: Record<string, string> = {}): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (e) => {
      if (!String(e.message).includes('Unexpected server response')) reject(e);
    });
  });
}

describe('leakhound serve access control', () => {
  it('answers 401 to the page, the statics and the API without the token', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/index.html')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    const api = await get('/api/runs');
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body).error).toMatch(/token/);
    expect((await get('/api/runs', { authorization: 'Bearer nope' })).status).toBe(401);
    const post = await get(
      '/api/runs',
      { 'content-type': 'application/json' },
      'POST',
      JSON.stringify({ spawn: 'node -e 1', url: 'http://127.0.0.1:{port}/' }),
    );
    expect(post.status).toBe(401);
  });

  it('accepts the Bearer token and refuses foreign Host and Origin even with it', async () => {
    const bearer = { authorization: `Bearer ${env.serve.token}` };
    const ok = await get('/api/runs', bearer);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual([]);
    expect((await get('/api/runs', { ...bearer, host: 'evil.example:80' })).status).toBe(403);
    expect((await get('/api/runs', { ...bearer, host: `rebind.example:${env.serve.port}` })).status).toBe(
      403,
    );
    expect((await get('/api/runs', { ...bearer, origin: 'http://evil.example' })).status).toBe(403);
    expect((await get('/api/runs', { ...bearer, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // a form post (no JSON content type) cannot start anything
    const form = await get('/api/runs', { ...bearer, 'content-type': 'text/plain' }, 'POST', '{}');
    expect(form.status).toBe(415);
  });

  it('trades the query token for an HttpOnly SameSite=Strict cookie and strips it from the URL', async () => {
    const first = await get(`/?token=${env.serve.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get('/', { cookie: cookie.split(';')[0] });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.body).toMatch(/<div id="root">/);
  });

  it('refuses the event WebSocket without the token and opens it with the token', async () => {
    const base = `ws://127.0.0.1:${env.serve.port}/api/events`;
    expect(await wsStatus(base)).toBe(401);
    expect(await wsStatus(`${base}?token=wrong`)).toBe(401);
    expect(await wsStatus(`${base}?token=${env.serve.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await wsStatus(`${base}?token=${env.serve.token}`)).toBe('open');
    expect(await wsStatus(base, { authorization: `Bearer ${env.serve.token}` })).toBe('open');
  });

  it('shows the UI in Chromium from the printed URL, with no CSP violations', async () => {
    const { page, problems } = await openApp(env);
    await page.getByRole('heading', { name: 'New hunt' }).waitFor();
    expect(new URL(page.url()).searchParams.get('token')).toBeNull();
    // the API works from the page through the cookie alone
    await page.goto(`http://127.0.0.1:${env.serve.port}/#/runs`);
    await page.getByText('No runs yet.').waitFor();
    await shot(page, '00-runs-empty');
    expect(problems).toEqual([]);
    // a fresh browser context without the cookie gets the 401 page
    const ctx = await env.browser.newContext();
    const other = await ctx.newPage();
    const res = await other.goto(`http://127.0.0.1:${env.serve.port}/`);
    expect(res?.status()).toBe(401);
    await other.getByText('needs its access token').waitFor();
    await ctx.close();
  });
});
