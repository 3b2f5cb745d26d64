// The whole loop in a real browser: New hunt form → live curves → verdict → diff →
// retainer path to the leaking class → reopen from history; and a clean server says
// "no leak". Hunts are ~3000 requests so each test stays well under a minute.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReportHtml } from '../../electron/engine/report/html';
import { huntTimeMs, huntTimeText } from '../../shared/hunt-time';
import { resultSchema } from '../../shared/result';
import { fixture, openApp, shot, startUi, type UiEnv } from './ui-helpers';

let env: UiEnv;
beforeAll(async () => {
  env = await startUi();
}, 120_000);
afterAll(async () => {
  await env?.close();
});

async function startHunt(page: Page, command: string, requests: number): Promise<string> {
  await page.goto(`http://127.0.0.1:${env.serve.port}/#/new`);
  await page.getByLabel('Command').fill(command);
  await page.getByLabel('URL to load').fill('http://127.0.0.1:{port}/');
  await page.getByLabel('Requests', { exact: true }).fill(String(requests));
  await page.getByLabel('Connections').fill('4');
  await page.getByRole('button', { name: 'Start hunt' }).click();
  await page.waitForURL(/#\/runs\/[^/]+\/live$/, { timeout: 15_000 });
  return decodeURIComponent(page.url().split('#/runs/')[1].split('/')[0]);
}

/** Waits for the verdict; a wrong one fails with the verdict's own reason, to tell noise from a bug. */
async function expectVerdict(page: Page, kind: string): Promise<void> {
  try {
    await expect.poll(() => page.getByTestId('verdict-kind').textContent()).toBe(kind);
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${await page.getByTestId('verdict').textContent()}`);
  }
}

const pointsOf = async (page: Page) =>
  Number(await page.getByTestId('chart-pss').getAttribute('data-points'));

describe('UI: a hunt from the form to the retainer path', () => {
  let leakyRun = '';

  it('runs a leaky server from the New-hunt form and shows a growing curve, then "leak"', async () => {
    const { page, problems } = await openApp(env);
    await page.getByRole('heading', { name: 'New hunt' }).waitFor();
    await page.getByLabel('Command').fill(`node ${fixture('leaky-array.js')}`);
    await shot(page, '01-new-hunt');
    // a rate cap keeps the run long enough to watch the curve grow at 5–10 Hz sampling
    await page.getByLabel('Rate cap (req/s)').fill('400');
    leakyRun = await startHunt(page, `node ${fixture('leaky-array.js')}`, 3000);

    await page.getByTestId('chart-pss').waitFor({ timeout: 20_000 });
    const early = await pointsOf(page);
    await expect.poll(() => pointsOf(page), { timeout: 20_000, interval: 300 }).toBeGreaterThan(early + 5);
    await expect
      .poll(async () => Number((await page.getByTestId('stat-requests').textContent())?.replace(/,/g, '')), {
        timeout: 20_000,
      })
      .toBeGreaterThan(0);
    await shot(page, '02-live-run');

    await page.getByTestId('verdict-chip').waitFor({ timeout: 45_000 });
    await shot(page, '03-live-finished');
    await page.getByRole('tab', { name: 'Verdict' }).click();
    await expectVerdict(page, 'leak');
    const suspects = page.getByTestId('suspect');
    await expect.poll(() => suspects.first().textContent()).toContain('OrderAuditEntry');
    await expect.poll(() => suspects.first().textContent()).toContain('audit');
    // read as an owner: the module variable holding the entries, and its growth per interval
    const owner = page.getByTestId('suspect-owner').first();
    await expect
      .poll(() => owner.textContent())
      .toMatch(/held by leaky-array\.js › audit \(Array, \+\d+ entries\)/);
    await expect.poll(() => owner.textContent()).toMatch(/grows 1\.00\/request in each of 2 intervals/);
    // where it was allocated: the `new OrderAuditEntry` line (1-based, as editors number them)
    const handlerLine =
      readFileSync(fixture('leaky-array.js'), 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('new OrderAuditEntry(')) + 1;
    await expect.poll(() => suspects.first().textContent()).toContain(`leaky-array.js:${handlerLine}:`);
    await shot(page, '04-verdict-leak');
    expect(problems).toEqual([]);
  }, 90_000);

  it("shows the report's duration: one hunt time, first request to last measurement", async () => {
    const { page, problems } = await openApp(env);
    await page.goto(`http://127.0.0.1:${env.serve.port}/#/runs/${leakyRun}/verdict`);
    await page.getByTestId('hunt-time').waitFor();
    const result = resultSchema.parse(
      JSON.parse(readFileSync(path.join(env.dataDir, 'runs', leakyRun, 'result.json'), 'utf8')),
    );
    const shown = await page.getByTestId('hunt-time').textContent();
    expect(shown).toBe(huntTimeText(huntTimeMs(result)));
    expect(result.span?.firstRequestT).toBeGreaterThan(0);
    const side = await page.locator('aside.side').textContent();
    expect(side).toContain(`Hunt time${shown} (from the first request to the last measurement)`);
    expect(side).not.toContain('Duration');
    // the report of the same run prints the same figure under the same name
    const html = buildReportHtml(result);
    expect(html).toContain(`<div class="k">Hunt time</div><div class="v">${shown}</div>`);
    expect(html).toContain(`hunt time ${shown} (from the first request to the last measurement)`);
    expect(problems).toEqual([]);
  }, 30_000);

  it('opens the diff, selects the leaking class and expands a retainer path to it', async () => {
    const { page, problems } = await openApp(env);
    await page.goto(`http://127.0.0.1:${env.serve.port}/#/runs/${leakyRun}/diff`);
    const table = page.getByTestId('diff-table');
    await table.waitFor({ timeout: 30_000 });
    await page.getByLabel('Filter classes').fill('OrderAudit');
    const row = table.getByRole('row').filter({ hasText: 'OrderAuditEntry' }).first();
    await row.waitFor();
    expect(await row.textContent()).toMatch(/\+3,000/);
    await row.dispatchEvent('mousedown');
    const instances = page.getByTestId('instances-table');
    await instances.waitFor({ timeout: 30_000 });
    await instances.getByRole('row').nth(1).dispatchEvent('mousedown');
    const tree = page.getByTestId('retainer-tree');
    await tree.waitFor();
    await tree.getByRole('button', { name: 'Expand path to GC root' }).click();
    // the chain from the instance up: [i] in Array ← audit in a closure context ← …
    await expect.poll(() => tree.textContent(), { timeout: 20_000 }).toMatch(/audit/);
    expect(await tree.textContent()).toMatch(/\[\d+\]\s*in\s*Array/);
    await shot(page, '05-diff-retainers');
    // keyboard: the class table answers arrow keys
    await page.getByLabel('Filter classes').fill('');
    await table.focus();
    await page.keyboard.press('Home');
    expect(await table.getByRole('row', { selected: true }).count()).toBe(1);
    expect(problems).toEqual([]);
  }, 60_000);

  it('a clean server (bounded LRU) shows "no leak", and history reopens both runs', async () => {
    const { page, problems } = await openApp(env);
    const cleanRun = await startHunt(page, `node ${fixture('bounded-lru.js')}`, 3000);
    await page.getByTestId('verdict-chip').waitFor({ timeout: 50_000 });
    await page.getByRole('tab', { name: 'Verdict' }).click();
    await expectVerdict(page, 'no leak');
    await shot(page, '06-verdict-no-leak');

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    const runs = page.getByTestId('runs-table');
    await runs.waitFor();
    await expect.poll(() => runs.getByRole('row').count()).toBe(3);
    await shot(page, '07-runs');
    await runs.getByRole('link', { name: /leaky-array/ }).click();
    await expect.poll(() => page.getByTestId('verdict-kind').textContent(), { timeout: 10_000 }).toBe('leak');

    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await runs.getByLabel(`Compare ${leakyRun}`).check();
    await runs.getByLabel(`Compare ${cleanRun}`).check();
    await page.getByRole('button', { name: /Compare 2\/2/ }).click();
    await page.getByTestId('compare-pss').waitFor();
    await shot(page, '08-compare');
    expect(problems).toEqual([]);
  }, 90_000);

  it('reads well in dark mode', async () => {
    const { page, problems } = await openApp(env, { colorScheme: 'dark' });
    await page.goto(`http://127.0.0.1:${env.serve.port}/#/runs/${leakyRun}/verdict`);
    await page.getByTestId('verdict-kind').waitFor();
    await shot(page, '09-verdict-dark');
    await page.getByRole('tab', { name: 'Curves' }).click();
    await page.getByTestId('chart-pss').waitFor();
    await shot(page, '10-live-dark');
    expect(problems).toEqual([]);
  }, 30_000);
});
