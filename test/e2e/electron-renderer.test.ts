// The desktop renderer path without the Electron binary: the built renderer bundle, served
// with the desktop app's response headers (strict CSP) in the system Chromium, talking
// through the REAL preload code (electron/preload.ts, with Electron's contextBridge and
// ipcRenderer replaced by a thin page↔test relay) into main's dispatch (guard + real
// ApiHandler). A full hunt from the New-hunt form to the verdict and an HTML export, with
// no CSP violation along the way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { transformSync } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../electron/engine/api/handler';
import { appResponseHeaders, resolveAppFile } from '../../electron/main/app-files';
import { dispatchCall } from '../../electron/main/dispatch';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../electron/main/ipc-guard';
import { APP_ORIGIN, CSP } from '../../electron/main/window-options';
import type { ApiEvent } from '../../shared/api';

const ROOT = path.join(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-erenderer-'));
const bundle = path.join(tmp, 'renderer');
const dataDir = path.join(tmp, 'data');
const api = createApiHandler({ dataDir });
let server: http.Server;
let origin = '';
let browser: Browser;

/** The preload as Electron's sandbox runs it, with contextBridge/ipcRenderer relayed to the test. */
function preloadInitScript(): string {
  const src = fs.readFileSync(path.join(ROOT, 'electron/preload.ts'), 'utf8');
  const { code } = transformSync(src, { loader: 'ts', format: 'cjs', target: 'es2022' });
  return `(() => {
    const listeners = new Map();
    window.__lhEmit = (channel, payload) => { for (const cb of listeners.get(channel) ?? []) cb({}, payload); };
    const electron = {
      contextBridge: { exposeInMainWorld: (key, api) => Object.defineProperty(window, key, { value: Object.freeze(api) }) },
      ipcRenderer: {
        invoke: (channel, ...args) => window.__lhInvoke(channel, ...args),
        send: () => {},
        on: (channel, cb) => { if (!listeners.has(channel)) listeners.set(channel, new Set()); listeners.get(channel).add(cb); },
        removeListener: (channel, cb) => listeners.get(channel)?.delete(cb),
      },
      webUtils: { getPathForFile: () => '' },
    };
    const module = { exports: {} };
    (function (require, process, exports, module) {${code}\n})(
      (name) => { if (name !== 'electron') throw new Error('sandboxed preload cannot require ' + name); return electron; },
      { env: {} }, module.exports, module);
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' at ' + (e.sourceFile || '?') + ':' + e.lineNumber + ' ' + (e.sample || '')));
  })();`;
}

beforeAll(async () => {
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules/vite/bin/vite.js'),
      'build',
      '--outDir',
      bundle,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  // Same mapping and headers as the app:// protocol handler in main.
  server = http.createServer((req, res) => {
    const file = resolveAppFile(`${APP_ORIGIN}${req.url ?? '/'}`, bundle);
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { 'Content-Security-Policy': CSP }).end('not found');
      return;
    }
    res.writeHead(200, appResponseHeaders(file, CSP));
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await api.dispose();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * CSP violations that break something. A blocked `eval` is the policy working: zod v4 probes
 * `Function('')` once to decide whether it may compile schemas, catches the refusal and falls
 * back (the renderer can skip the probe with `z.config({ jitless: true })`).
 */
const breaking = (violations: string[]) => violations.filter((v) => !v.startsWith('script-src eval '));
const violationsOf = (page: Page) =>
  page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

async function openDesktopPage(): Promise<{ page: Page; problems: string[]; calls: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  const calls: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (
      m.type() === 'error' &&
      /Content Security Policy|Refused to/i.test(m.text()) &&
      !/unsafe-eval/.test(m.text())
    )
      problems.push(m.text());
  });
  // What main's ipcMain.handle does, with the frame main would see for our own page.
  await page.exposeFunction('__lhInvoke', (channel: string, method: unknown, params: unknown) => {
    calls.push(String(method));
    if (channel !== CALL_CHANNEL)
      return { ok: false, error: { message: `no channel ${channel}`, user: false } };
    return dispatchCall(
      { api, trustedOrigins: [APP_ORIGIN] },
      { url: `${APP_ORIGIN}/index.html`, isMainFrame: true },
      method,
      params,
    );
  });
  const off = api.onEvent((e: ApiEvent) => {
    void page
      .evaluate(
        ([ch, ev]) => (window as unknown as { __lhEmit(c: string, e: unknown): void }).__lhEmit(ch, ev),
        [EVENT_CHANNEL, e] as const,
      )
      .catch(() => {});
  });
  page.on('close', off);
  await page.addInitScript(preloadInitScript());
  return { page, problems, calls };
}

describe('desktop renderer under the desktop CSP, through the real preload', () => {
  it('boots with the bridge and no CSP violation; a hostile call is refused by the guard', async () => {
    const { page, problems } = await openDesktopPage();
    await page.goto(`${origin}/index.html#/new`);
    await page.getByRole('heading', { name: 'New hunt' }).waitFor({ timeout: 20_000 });
    const keys = await page.evaluate(() =>
      Object.keys((window as unknown as { leakhound: object }).leakhound).sort(),
    );
    expect(keys).toEqual(['call', 'onEvent']);
    const refused = await page.evaluate(() =>
      (window as unknown as { leakhound: { call(m: string, p: unknown): Promise<unknown> } }).leakhound
        .call('runs.get', { id: '../../etc/passwd' })
        .then(
          () => 'accepted',
          (e: Error) => e.message,
        ),
    );
    expect(refused).toMatch(/^bad params for runs\.get: id:/);
    expect(breaking(await violationsOf(page))).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('runs a hunt from the New-hunt form to the verdict and exports HTML, CSP-clean', async () => {
    const { page, problems, calls } = await openDesktopPage();
    await page.goto(`${origin}/index.html#/new`);
    await page.getByRole('heading', { name: 'New hunt' }).waitFor({ timeout: 20_000 });
    await page.getByLabel('Command').fill(`node ${path.join(ROOT, 'test/fixtures/node/leaky-array.js')}`);
    await page.getByLabel('URL to load').fill('http://127.0.0.1:{port}/');
    await page.getByLabel('Requests', { exact: true }).fill('3000');
    await page.getByLabel('Connections').fill('4');
    await page.getByRole('button', { name: 'Start hunt' }).click();
    await page.getByTestId('verdict-chip').waitFor({ timeout: 90_000 });
    await page.getByRole('tab', { name: 'Verdict' }).click();
    await expect.poll(() => page.getByTestId('verdict-kind').textContent(), { timeout: 30_000 }).toBe('leak');
    await page.getByRole('button', { name: 'Export HTML' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Report written to' });
    await status.waitFor({ timeout: 30_000 });
    const file = (await status.textContent())!.replace(/^.*Report written to\s*/, '').trim();
    expect(fs.readFileSync(file, 'utf8')).toMatch(/<svg/);
    expect(calls).toContain('runs.start');
    expect(calls).toContain('reports.export');
    expect(breaking(await violationsOf(page))).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  }, 150_000);
});
