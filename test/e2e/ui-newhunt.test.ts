// New-hunt form details in Chromium: the attach picker lists a running server (runtime,
// port) and fills the form from it; presets survive a reload; Stop ends a long hunt early.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockInspectPort } from '../helpers/inspect-lock';
import { fixture, openApp, shot, startUi, type UiEnv } from './ui-helpers';

// this file signals Node servers here: one such file at a time holds 127.0.0.1:9229
let releaseInspect: () => void = () => {};
beforeAll(async () => {
  releaseInspect = await lockInspectPort();
}, 16 * 60_000);
afterAll(() => releaseInspect());

let env: UiEnv;
let server: ChildProcess | undefined;
beforeAll(async () => {
  env = await startUi();
}, 120_000);
afterAll(async () => {
  if (server?.pid) server.kill('SIGKILL');
  await env?.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('UI: New hunt', () => {
  it('lists a running Node server in the attach picker and fills pid and URL from it', async () => {
    const port = await freePort();
    server = spawn(process.execPath, [fixture('leaky-map.js')], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    const { page, problems } = await openApp(env);
    await page.getByRole('button', { name: 'Attach to a running process' }).click();
    const picker = page.getByTestId('process-picker');
    await picker.waitFor();
    await page.getByLabel('Filter processes').fill(String(port));
    const row = picker.getByRole('row').filter({ hasText: String(server.pid) });
    await expect
      .poll(
        async () => {
          if ((await row.count()) === 0) await page.getByRole('button', { name: 'Refresh' }).click();
          return row.count();
        },
        { timeout: 15_000, interval: 1000 },
      )
      .toBe(1);
    expect(await row.textContent()).toMatch(/node/);
    await row.dispatchEvent('mousedown');
    expect(await page.getByLabel('Process id').inputValue()).toBe(String(server.pid));
    expect(await page.getByLabel('URL to load').inputValue()).toBe(`http://127.0.0.1:${port}/`);
    await shot(page, '11-attach-picker');
    expect(problems).toEqual([]);
  }, 60_000);

  it('offers the running servers first (pid, port, runtime, memory); one click fills the attach form and the hunt attaches', async () => {
    const port = await freePort();
    const own = spawn(process.execPath, [fixture('leaky-array.js')], {
      env: { ...process.env, PORT: String(port) },
      stdio: 'ignore',
    });
    try {
      const { page, problems } = await openApp(env);
      await page.getByRole('heading', { name: 'New hunt' }).waitFor();
      // before any click the form is on "Start a server": the list is above it anyway
      expect(await page.getByRole('button', { name: 'Start a server' }).getAttribute('aria-pressed')).toBe(
        'true',
      );
      const list = page.getByRole('region', { name: 'Running servers' });
      const box = await list.boundingBox();
      const target = await page.getByRole('heading', { name: 'Target' }).boundingBox();
      expect(box!.y).toBeLessThan(target!.y);
      const entry = list.getByTestId('running-server').filter({ hasText: `pid ${own.pid}` });
      await expect
        .poll(
          async () => {
            if ((await entry.count()) === 0) await list.getByRole('button', { name: 'Rescan' }).click();
            return entry.count();
          },
          { timeout: 15_000, interval: 1000 },
        )
        .toBe(1);
      expect(await entry.getByTestId('server-ports').textContent()).toBe(`:${port}`);
      const text = (await entry.textContent()) ?? '';
      expect(text).toContain('node');
      expect(text).toMatch(/\d+(\.\d+)? (KiB|MiB|GiB)/); // its memory
      expect(text).toContain('leaky-array.js');
      await shot(page, '14-running-servers');

      await entry.getByRole('button', { name: `Attach to pid ${own.pid}` }).click();
      expect(
        await page.getByRole('button', { name: 'Attach to a running process' }).getAttribute('aria-pressed'),
      ).toBe('true');
      expect(await page.getByLabel('Process id').inputValue()).toBe(String(own.pid));
      expect(await page.getByLabel('URL to load').inputValue()).toBe(`http://127.0.0.1:${port}/`);
      expect(await entry.getAttribute('class')).toBe('on');
      await shot(page, '15-attach-filled');

      // and the hunt started from it is an attach to that very process
      await page.getByLabel('Requests', { exact: true }).fill('1200');
      await page.getByRole('radio', { name: /None: memory curves only/ }).check();
      await page.getByRole('button', { name: 'Start hunt' }).click();
      await page.waitForURL(/#\/runs\/[^/]+\/live$/, { timeout: 15_000 });
      const id = decodeURIComponent(page.url().split('#/runs/')[1]!.split('/')[0]!);
      await expect
        .poll(() => page.getByTestId('run-status').textContent(), { timeout: 60_000 })
        .toBe('finished');
      const result = JSON.parse(readFileSync(path.join(env.dataDir, 'runs', id, 'result.json'), 'utf8'));
      expect(result.target.mode).toBe('attach');
      expect(result.target.pid).toBe(own.pid);
      expect(result.load.requests).toBeGreaterThanOrEqual(1200);
      expect(own.exitCode).toBeNull(); // attached, used, and left running
      expect(problems).toEqual([]);
    } finally {
      own.kill('SIGKILL');
    }
  }, 90_000);

  it('saves a preset, keeps it over a reload and loads it back', async () => {
    const { page, problems } = await openApp(env);
    await page.getByRole('button', { name: 'Start a server' }).click();
    await page.getByLabel('Command').fill('gunicorn -w 4 -b 127.0.0.1:{port} app:app');
    await page.getByLabel('Connections').fill('25');
    await page.getByLabel('Preset name').fill('gunicorn 4w');
    await page.getByRole('button', { name: 'Save preset' }).click();
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    expect(await page.getByLabel('Command').inputValue()).toBe('');
    await page.reload();
    await page.getByLabel('Load a preset').selectOption('gunicorn 4w');
    expect(await page.getByLabel('Command').inputValue()).toBe('gunicorn -w 4 -b 127.0.0.1:{port} app:app');
    expect(await page.getByLabel('Connections').inputValue()).toBe('25');
    // bad input is caught in the form with one line that says what to do
    await page.getByLabel('Connections').fill('lots');
    await page.getByRole('button', { name: 'Start hunt' }).click();
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toBe('concurrency must be a number, got "lots"');
    expect(problems).toEqual([]);
  }, 30_000);

  it('a server that cannot start shows the failure and why, not an endless spinner', async () => {
    const { page } = await openApp(env);
    await page.getByRole('button', { name: 'Start a server' }).click();
    await page.getByLabel('Command').fill(`node ${fixture('does-not-exist.js')}`);
    await page.getByLabel('URL to load').fill('http://127.0.0.1:{port}/');
    await page.getByRole('button', { name: 'Start hunt' }).click();
    await page.waitForURL(/#\/runs\/[^/]+\/live$/);
    await expect
      .poll(() => page.getByTestId('run-status').textContent(), { timeout: 40_000 })
      .toMatch(/failed|target-died/);
    await expect
      .poll(() => page.locator('.log').textContent(), { timeout: 10_000 })
      .toMatch(/does-not-exist|Cannot find module|exited/);
    await shot(page, '13-failed-run');
  }, 60_000);

  it('Stop ends a long hunt early and the run still gets its verdict', async () => {
    const { page, problems } = await openApp(env);
    await page.getByRole('button', { name: 'Start a server' }).click();
    await page.getByLabel('Command').fill(`node ${fixture('leaky-array.js')}`);
    await page.getByLabel('URL to load').fill('http://127.0.0.1:{port}/');
    await page.getByRole('button', { name: 'Seconds' }).click();
    await page.getByLabel('Duration in seconds').fill('300');
    await page.getByLabel('Rate cap (req/s)').fill('300');
    await page.getByLabel('Connections').fill('4');
    await page.getByRole('button', { name: 'Start hunt' }).click();
    await page.waitForURL(/#\/runs\/[^/]+\/live$/);
    await expect
      .poll(async () => Number((await page.getByTestId('stat-requests').textContent())?.replace(/,/g, '')), {
        timeout: 30_000,
      })
      .toBeGreaterThan(1500);
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('verdict-chip').waitFor({ timeout: 60_000 });
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(await page.getByTestId('run-status').textContent()).toBe('finished');
    await shot(page, '12-stopped-run');
    expect(problems).toEqual([]);
  }, 120_000);
});
