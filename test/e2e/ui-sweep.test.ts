// The Sweep screen in a real browser: set up a 2 × 1 grid over the Flask fixture under
// gunicorn, watch it run, read the comparison (both rows, the ★, sorting, the curves),
// open one configuration's run, and find the sweep in the history.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, ROOT, SHOTS, shot, startUi, type UiEnv } from './ui-helpers';

const PY = path.join(ROOT, 'test', 'fixtures', 'python');
const COMMAND = `/usr/bin/gunicorn -w {workers} --threads 2 -k gthread -b 127.0.0.1:{port} --chdir ${PY} leaky_flask:app`;

let env: UiEnv;
beforeAll(async () => {
  env = await startUi();
}, 120_000);
afterAll(async () => {
  await env?.close();
});

describe('UI: configuration sweeps', () => {
  it('shows the empty history and refuses a grid row the command does not use', async () => {
    const { page, problems } = await openApp(env);
    await page.getByRole('link', { name: 'Sweeps', exact: true }).click();
    await page.getByRole('heading', { name: 'Sweeps' }).waitFor();
    await page.getByText('No sweeps yet.').waitFor();
    await page
      .getByLabel('Command template')
      .fill('/usr/bin/gunicorn -w {workers} -b 127.0.0.1:{port} app:app');
    await page.getByLabel('Grid name 1').fill('threads');
    await page.getByLabel('Grid values 1').fill('1,4');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('the command has no {threads}');
    // the engine's own check: no {port} in the command
    await page.getByLabel('Command template').fill('/usr/bin/gunicorn -w {threads} app:app');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('has no {port}');
    expect(page.url()).toMatch(/#\/sweeps$/);
    // the refused call itself is logged by Chromium as a failed (400) resource: nothing else may be
    expect(problems.filter((p) => !/status of 400/.test(p))).toEqual([]);
  }, 30_000);

  it('runs a 2 × 1 gunicorn sweep from the form and shows both rows, the ★ and the curves', async () => {
    const { page, problems } = await openApp(env);
    await page.goto(`${env.serve.url.split('#')[0]}#/sweeps`);
    await page.getByLabel('Command template').fill(COMMAND);
    await page.getByLabel('Grid name 1').fill('workers');
    await page.getByLabel('Grid values 1').fill('1,3');
    await page.getByLabel('URL to load').fill('http://127.0.0.1:{port}/bounded');
    await page.getByLabel('Requests per configuration').fill('600');
    await page.getByLabel('Connections').fill('4');
    await page.getByLabel('Goal').selectOption('p90');
    expect(await page.getByTestId('sweep-count').textContent()).toBe('2 configurations');
    await page.getByRole('button', { name: 'Start sweep' }).click();
    await page.waitForURL(/#\/sweeps\/[^/]+$/, { timeout: 15_000 });
    const id = decodeURIComponent(page.url().split('#/sweeps/')[1]);

    // live progress: which configuration is running
    await expect
      .poll(() => page.getByTestId('sweep-progress').textContent(), { timeout: 20_000 })
      .toMatch(/running workers=1/);
    await shot(page, '21-sweep-running');
    const rows = page.getByTestId('sweep-row');
    await expect.poll(() => rows.count(), { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(1);
    await expect
      .poll(() => page.getByTestId('sweep-status').textContent(), { timeout: 90_000 })
      .toBe('finished');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('[data-testid="sweep-row"][data-best="true"]').count()).toBe(1);
    expect(await page.getByTestId('sweep-goal').textContent()).toContain(
      'lowest p90 with no leak and < 0.1% errors',
    );
    const curves = page.getByTestId('sweep-curves');
    await curves.waitFor({ timeout: 15_000 });
    expect(Number(await curves.getAttribute('data-points'))).toBeGreaterThan(4);
    expect(await page.getByTestId('sweep-progress').getAttribute('data-percent')).toBe('100');
    // transitions finished, so the progress bar is drawn at its final width
    await page.screenshot({ path: path.join(SHOTS, '20-sweep.png'), animations: 'disabled' });

    // the figures behind the table: three workers hold more memory than one
    const got = await page.evaluate(
      async (sid) =>
        (
          await fetch(`/api/call/sweeps.get`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id: sid }),
          })
        ).json(),
      id,
    );
    const pss = (w: string) =>
      got.rows.find((r: { params: { workers: string } }) => r.params.workers === w).pssTotalBytes;
    expect(pss('3')).toBeGreaterThan(pss('1'));
    expect(got.bestRow.params.workers).toMatch(/^[13]$/);

    // sort by PSS total: ascending puts one worker first, again flips it
    const firstWorkers = async () =>
      (await rows.first().locator('td').first().textContent())?.replace(/[^0-9]/g, '');
    await page.getByRole('button', { name: /^PSS total/ }).click();
    expect(await firstWorkers()).toBe('1');
    await page.getByRole('button', { name: /^PSS total/ }).click();
    expect(await firstWorkers()).toBe('3');

    // the sweep report, written into the sweep's folder
    await page.getByRole('button', { name: 'Export HTML' }).click();
    await expect
      .poll(() => page.getByTestId('sweep-exported').textContent(), { timeout: 15_000 })
      .toMatch(/^Report written to .*sweeps.*report\.html$/);

    // each configuration is a run: its value links to the run view
    await page.getByTestId('sweep-table').getByRole('link', { name: '3', exact: true }).click();
    await page.waitForURL(/#\/runs\/sweep\./);
    await expect
      .poll(() => page.getByTestId('verdict-kind').textContent(), { timeout: 15_000 })
      .toMatch(/leak|inconclusive/);

    // and the sweep is in the history
    await page.getByRole('link', { name: 'Sweeps', exact: true }).click();
    const history = page.getByTestId('sweep-history');
    await history.waitFor();
    expect(await history.textContent()).toContain('2/2');
    expect(await history.textContent()).toContain('★ workers=');
    expect(problems).toEqual([]);

    // dark mode reads too
    const dark = await openApp(env, { colorScheme: 'dark' });
    await dark.page.goto(`${env.serve.url.split('#')[0]}#/sweeps/${encodeURIComponent(id)}`);
    await dark.page.getByTestId('sweep-curves').waitFor({ timeout: 15_000 });
    await dark.page.screenshot({ path: path.join(SHOTS, '22-sweep-dark.png'), animations: 'disabled' });
    expect(dark.problems).toEqual([]);
  }, 150_000);
});
