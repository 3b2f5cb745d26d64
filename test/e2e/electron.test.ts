/// <reference lib="dom" />
// The packaged desktop app end to end, with Playwright's _electron driver: security as seen
// from inside the running app, then New hunt → verdict → export (PDF via printToPDF, and HTML
// via the menu), opening a .heapsnapshot, and a quit that waits for a running hunt's data.
// Runs only where an Electron binary exists (ELECTRON_OVERRIDE_DIST_PATH, or a normal
// `npm install` that downloaded it) and, on Linux, a display (xvfb-run); otherwise it is
// reported as skipped, with the reason.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../..');

function findElectron(): { bin: string | null; reason: string } {
  try {
    const bin = require('electron') as unknown as string;
    if (fs.existsSync(bin)) return { bin, reason: '' };
    return { bin: null, reason: `require('electron') points at ${bin}, which does not exist` };
  } catch (e) {
    const first = String((e as Error).message).split('\n')[0];
    return {
      bin: null,
      reason: `no Electron binary (${first}); installs here set ELECTRON_SKIP_BINARY_DOWNLOAD=1 — set ELECTRON_OVERRIDE_DIST_PATH to an unpacked Electron to run it`,
    };
  }
}

function findDisplay(): string {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return '';
  return 'no X or Wayland display for Electron on Linux: run the tests under xvfb-run';
}

const found = findElectron();
const noDisplay = found.bin ? findDisplay() : '';
const bin = noDisplay ? null : found.bin;
const reason = found.reason || noDisplay;
if (!bin) console.log(`[electron e2e] SKIPPED: ${reason}`);
const title = (name: string) =>
  bin ? name : `${name} (skipped: ${found.bin ? 'no display' : 'no Electron binary here'})`;

describe('desktop app (Electron)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-electron-'));
  let app: ElectronApplication;
  let page: Page;

  beforeAll(async () => {
    if (!bin) return;
    // Electron loads dist/, never the sources: build so the app under test is this tree.
    execFileSync('bash', ['test/build.sh'], { cwd: ROOT, stdio: 'inherit' });
    app = await _electron.launch({
      executablePath: bin,
      args: [ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, LEAKHOUND_DATA_DIR: dataDir, LEAKHOUND_DEV_URL: '' } as Record<string, string>,
      timeout: 60_000,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  }, 240_000);

  afterAll(async () => {
    if (app) await app.close().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(!bin)(title('runs sandboxed, isolated, with only the leakhound bridge exposed'), async () => {
    expect(page.url()).toMatch(/^app:\/\/leakhound\/index\.html/);
    const probe = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((window as unknown as { leakhound: object }).leakhound).sort(),
      popup: window.open('https://example.com/') === null,
    }));
    expect(probe).toEqual({
      require: 'undefined',
      process: 'undefined',
      bridge: ['call', 'onEvent'],
      popup: true,
    });
    // Electron reports OS-level sandboxing per process on macOS and Windows only.
    const renderers = await app.evaluate(({ app }) =>
      app
        .getAppMetrics()
        .filter((m) => m.type === 'Tab')
        .map((m) => m.sandboxed),
    );
    expect(renderers.length).toBeGreaterThan(0);
    if (process.platform !== 'linux') expect(renderers.every((s) => s === true)).toBe(true);
    const bad = await page.evaluate(() =>
      (window as unknown as { leakhound: { call(m: string, p: unknown): Promise<unknown> } }).leakhound
        .call('runs.nuke', {})
        .then(
          () => 'accepted',
          (e: Error) => e.message,
        ),
    );
    expect(bad).toMatch(/unknown API method/);
    // The CSP header reached the page: inline script must not run.
    const inline = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(inline).toBe(false);
  });

  it.skipIf(!bin)(title('new hunt → verdict → export PDF and HTML'), async () => {
    await app.evaluate(({ Menu }) => Menu.getApplicationMenu()?.getMenuItemById('new-hunt')?.click());
    await page.getByRole('heading', { name: 'New hunt' }).waitFor();
    await page.getByLabel('Command').fill(`node ${path.join(ROOT, 'test/fixtures/node/leaky-array.js')}`);
    await page.getByLabel('URL to load').fill('http://127.0.0.1:{port}/');
    await page.getByLabel('Requests', { exact: true }).fill('3000');
    await page.getByLabel('Connections').fill('4');
    await page.getByRole('button', { name: 'Start hunt' }).click();
    await page.getByTestId('verdict-chip').waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Verdict' }).click();
    await expect.poll(() => page.getByTestId('verdict-kind').textContent(), { timeout: 30_000 }).toBe('leak');

    // In-app export button → reports.export, answered by main with printToPDF.
    await page.getByRole('button', { name: 'Export PDF' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Report written to' });
    await status.waitFor({ timeout: 60_000 });
    const pdf = (await status.textContent())!.replace(/^.*Report written to\s*/, '').trim();
    expect(fs.readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    expect(text).toMatch(/leak/i);
    expect(text).toMatch(/Page 1 of \d+/);

    // File → Export report… with the native save dialog answered.
    const html = path.join(dataDir, 'exported.html');
    await app.evaluate(({ dialog, Menu }, file) => {
      dialog.showSaveDialog = (async () => ({
        canceled: false,
        filePath: file,
      })) as typeof dialog.showSaveDialog;
      Menu.getApplicationMenu()?.getMenuItemById('export-report')?.click();
    }, html);
    await expect.poll(() => fs.existsSync(html), { timeout: 30_000 }).toBe(true);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/<svg/);
  });

  it.skipIf(!bin)(title('opens .heapsnapshot files like leakhound analyze'), async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-snap-'));
    const script = `const v8=require('v8');const keep=[];class OpenedLeak{constructor(i){this.i=i;this.pad='x'.repeat(64)+i}}
      for(let s=1;s<=3;s++){for(let i=0;i<3000;i++)keep.push(new OpenedLeak(i));v8.writeHeapSnapshot(require('path').join(${JSON.stringify(dir)},'s'+s+'.heapsnapshot'))}`;
    execFileSync(process.execPath, ['-e', script]);
    const files = [1, 2, 3].map((s) => path.join(dir, `s${s}.heapsnapshot`));
    await app.evaluate(({ dialog, Menu }, f) => {
      dialog.showOpenDialog = (async () => ({
        canceled: false,
        filePaths: f,
      })) as typeof dialog.showOpenDialog;
      Menu.getApplicationMenu()?.getMenuItemById('open-snapshots')?.click();
    }, files);
    await expect.poll(() => page.url(), { timeout: 20_000 }).toMatch(/#\/runs\/analyze-[^/]+\/verdict/);
    await expect
      .poll(() => page.getByTestId('verdict-kind').textContent(), { timeout: 120_000 })
      .toBe('leak');
    await expect(page.getByTestId('suspect').first().textContent()).resolves.toContain('OpenedLeak');
  });

  it.skipIf(!bin)(title('quitting during a hunt waits until its result is on disk'), async () => {
    const { id } = (await page.evaluate(
      (fixture) =>
        (
          window as unknown as { leakhound: { call(m: string, p: unknown): Promise<unknown> } }
        ).leakhound.call('runs.start', {
          spawn: `node ${fixture}`,
          url: 'http://127.0.0.1:{port}/',
          durationMs: 120_000,
          concurrency: 4,
        }),
      path.join(ROOT, 'test/fixtures/node/leaky-array.js'),
    )) as { id: string };
    const runDir = path.join(dataDir, 'runs', id);
    await expect
      .poll(() => fs.existsSync(path.join(runDir, 'samples.jsonl')), { timeout: 30_000 })
      .toBe(true);
    await app.close();
    const result = JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8'));
    expect(result.id).toBe(id);
    expect(['finished', 'interrupted']).toContain(result.status);
  });
});
