// Shared set-up for the UI end-to-end tests: a real `leakhound serve` (in-process) over a
// fresh data folder, Debian's Chromium through playwright-core, screenshots to test-results/ui.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type ServeHandle, startServe } from '../../electron/engine/serve/server';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SHOTS = path.join(ROOT, 'test-results', 'ui');
export const CHROMIUM = '/usr/bin/chromium';

/** Build the renderer once per test file when the bundle is missing or older than its sources. */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export function ensureRendererBuilt(): void {
  const index = path.join(ROOT, 'dist', 'renderer', 'index.html');
  const sources = Math.max(newestMtime(path.join(ROOT, 'renderer')), newestMtime(path.join(ROOT, 'shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources && !process.env.LEAKHOUND_REBUILD_UI) return;
  // Build beside and swap in, so a test file already serving the old bundle never sees
  // an emptied folder (vitest runs two files at once).
  const tmp = path.join(ROOT, 'dist', `.renderer-${process.pid}`);
  execFileSync(
    process.execPath,
    [
      path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--logLevel',
      'warn',
      '--outDir',
      tmp,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const out = path.join(ROOT, 'dist', 'renderer');
  rmSync(out, { recursive: true, force: true });
  renameSync(tmp, out);
}

export interface UiEnv {
  serve: ServeHandle;
  browser: Browser;
  dataDir: string;
  close(): Promise<void>;
}

export async function startUi(): Promise<UiEnv> {
  ensureRendererBuilt();
  mkdirSync(SHOTS, { recursive: true });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leakhound-ui-'));
  const serve = await startServe({ dataDir, port: 0 });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  return {
    serve,
    browser,
    dataDir,
    async close() {
      await browser.close().catch(() => {});
      await serve.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A page that fails the test on any console error or CSP violation. */
export async function openApp(
  env: UiEnv,
  opts: { colorScheme?: 'light' | 'dark' } = {},
): Promise<{ page: Page; problems: string[] }> {
  const ctx = await env.browser.newContext({
    viewport: { width: 1360, height: 860 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await ctx.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(env.serve.url);
  return { page, problems };
}

export async function shot(page: Page, name: string): Promise<string> {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

export const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'node', name);
