// The sweep report on a real sweep: two gunicorn configurations of the Flask fixture run by
// runSweep, then the HTML (pure) and the PDF (`leakhound report SWEEP_DIR`), read back with
// pdftotext.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../electron/cli/tools-commands';
import { UserError } from '../../electron/engine/errors';
import { pssPoints, sweepChartSvg } from '../../electron/engine/report/sweep-chart';
import {
  buildSweepReportHtml,
  exclusion,
  goalText,
  type SweepFile,
} from '../../electron/engine/report/sweep-html';
import { isSweepDir, readSweepDir } from '../../electron/engine/report/sweep-render';
import { runSweep } from '../../electron/engine/sweep/run-sweep';
import { runOptionsSchema } from '../../shared/options';
import type { Result } from '../../shared/result';

const PY = resolve(__dirname, '..', 'fixtures', 'python');
const tmp = mkdtempSync(join(tmpdir(), 'leakhound-report-sweep-'));
const dir = join(tmp, 'sweep');
let sweep: SweepFile;
let results: Record<string, Result | null>;

beforeAll(async () => {
  const {
    spawn: _s,
    out: _o,
    ...base
  } = runOptionsSchema.parse({
    spawn: 'x',
    url: 'http://127.0.0.1:{port}/bounded',
    requests: 500,
    concurrency: 4,
    snapshots: 0,
  });
  await runSweep({
    spawnTemplate: `/usr/bin/gunicorn -w {workers} --threads 2 -k gthread -b 127.0.0.1:{port} --chdir ${PY} leaky_flask:app`,
    grid: [{ name: 'workers', values: ['1', '3'] }],
    base,
    dir,
    goal: 'p90',
  });
  ({ sweep, results } = readSweepDir(dir));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const text = (html: string) =>
  html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

describe('buildSweepReportHtml', () => {
  it('summarises the grid, the goal, the best configuration and why, and the wall time', () => {
    expect(sweep.rows.map((r) => r.params.workers)).toEqual(['1', '3']);
    expect(Object.values(results).every((r) => r?.status === 'finished')).toBe(true);
    const html = buildSweepReportHtml(sweep, results, { name: 'demo' });
    expect(html).toBe(buildSweepReportHtml(sweep, results, { name: 'demo' }));
    for (const id of ['summary', 'comparison', 'curves', 'configurations'])
      expect(html).toContain(`id="${id}"`);
    const t = text(html);
    expect(t).toContain('over the grid workers ∈ {1, 3}');
    expect(t).toContain(`Goal: ${goalText('p90')}`);
    expect(t).toContain('500 requests over 4 connections');
    expect(sweep.best).not.toBeNull();
    const best = sweep.best as NonNullable<SweepFile['best']>;
    expect(t).toContain(`Best configuration: workers=${best.params.workers}`);
    expect(t).toMatch(new RegExp(`Best: workers=${best.params.workers} , with p90 [0-9.]+ ms`));
    const other = sweep.rows.find((r) => r.id !== best.id);
    if (other && exclusion(other) === null)
      expect(t).toContain(`The next eligible configuration, workers=${other.params.workers}, had p90`);
    expect(t).toMatch(/WALL TIME|Wall time/);
    expect(html).not.toContain('undefined');
    expect(html).not.toContain('NaN');
  });

  it('shows growth within worker lives and the recycling period only when workers were recycled', () => {
    const plain = buildSweepReportHtml(sweep, results);
    expect(plain).not.toContain('in-life growth / req');
    const recycled: SweepFile = {
      ...sweep,
      rows: sweep.rows.map((r, i) =>
        i === 0
          ? { ...r, lifetimeBytesPerRequest: 367.4, recycledEvery: 312 }
          : { ...r, recycledEvery: null },
      ),
    };
    const html = buildSweepReportHtml(recycled, results);
    const table = html.slice(html.indexOf('<table class="sweep">'), html.indexOf('</table>'));
    expect(table).toContain('<th class="n">in-life growth / req</th><th class="n">recycled every</th>');
    const [first, second] = table.split('<tr').slice(2);
    expect(first).toContain('367');
    expect(first).toContain('>312 req<');
    expect(second).toContain('<td class="n">–</td><td class="n">–</td>');
  });

  it('has the comparison table with one row per configuration, the best one starred', () => {
    const html = buildSweepReportHtml(sweep, results);
    const table = html.slice(html.indexOf('<table class="sweep">'), html.indexOf('</table>'));
    const rows = table.match(/<tr[^>]*>/g) ?? [];
    expect(rows).toHaveLength(3); // head + 2
    expect((table.match(/class="best"/g) ?? []).length).toBe(1);
    const bestRow = table.split('<tr').find((r) => r.includes('class="best"')) as string;
    expect(bestRow).toContain(`★ ${sweep.best?.params.workers}`);
    for (const h of [
      'req/s',
      'p90',
      'p99',
      'errors',
      'PSS total',
      'PSS / process',
      'growth / req',
      'restarts',
      'verdict',
    ])
      expect(table).toContain(h);
    expect(html).toContain(
      '★ marks the best configuration for the goal: lowest p90 latency with no leak and &lt; 0.1% errors',
    );
  });

  it('overlays one PSS curve per configuration, the best drawn thickest', () => {
    const svg = sweepChartSvg(
      sweep.rows.map((r) => ({
        label: `workers=${r.params.workers}`,
        samples: results[r.id]?.samples ?? [],
        best: r.id === sweep.best?.id,
      })),
    );
    const paths = svg.match(/<path [^>]+>/g) ?? [];
    expect(paths).toHaveLength(2);
    expect(paths.filter((p) => p.includes('stroke-width="2.8"'))).toHaveLength(1);
    expect(svg).toContain('<title>workers=1</title>');
    expect(svg).toContain('<title>workers=3</title>');
    expect(svg).toContain('PSS, whole tree (MB)');
    // the curves carry the real figures: three workers sit above one
    const last = (id: string) => pssPoints(results[id]?.samples ?? []).points.at(-1)?.[1] ?? 0;
    expect(last('workers-3')).toBeGreaterThan(last('workers-1'));
    expect(sweepChartSvg([{ label: 'x', samples: [] }])).toContain('No memory samples were recorded');
  });

  it('gives each configuration its verdict, and redacts secrets in commands', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    const leaky: SweepFile = {
      ...sweep,
      spawn: `${sweep.spawn} --env STRIPE_KEY=${secret}`,
      rows: sweep.rows.map((r, i) => (i === 0 ? { ...r, verdict: 'leak' } : r)),
      best: sweep.rows[1],
    };
    const html = buildSweepReportHtml(leaky, results);
    expect(html).not.toContain(secret);
    expect(html).toMatch(/STRIPE_KEY=string\(len=\d+, sha256:[0-9a-f]{8}\)/);
    const t = text(html);
    expect(t).toContain('Not eligible: workers=1 (leaks)');
    const configs = html.slice(html.indexOf('id="configurations"'));
    expect((configs.match(/class="config"/g) ?? []).length).toBe(2);
    expect(configs).toMatch(/No leak found|Inconclusive|Memory leak found/);
    expect(text(configs)).toMatch(/Growth [−0-9.]+ (B|KB|MB) per request \(95% confidence interval/);
  });

  it('says so when no configuration met the goal', () => {
    const none: SweepFile = {
      ...sweep,
      best: null,
      rows: sweep.rows.map((r) => ({ ...r, errorRate: 0.02 })),
    };
    const t = text(buildSweepReportHtml(none, results));
    expect(t).toContain('No configuration met the goal');
    expect(t).toContain('workers=1 (2% errors)');
  });
});

describe('leakhound report SWEEP_DIR', () => {
  it('writes report.html and report.pdf beside sweep.json, and the PDF reads right', async () => {
    expect(isSweepDir(dir)).toBe(true);
    const out = new PassThrough();
    let printed = '';
    out.on('data', (d) => {
      printed += d;
    });
    const code = await reportCommand({}, dir, out as unknown as NodeJS.WriteStream);
    expect(code).toBe(0);
    expect(printed).toContain(join(dir, 'report.pdf'));
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
    const pdf = execFileSync('pdftotext', ['-layout', join(dir, 'report.pdf'), '-'], { encoding: 'utf8' });
    expect(pdf).toContain(`Best configuration: workers=${sweep.best?.params.workers}`);
    expect(pdf).toContain('Comparison');
    expect(pdf).toContain('Memory of each configuration');
    expect(pdf).toContain('Verdict per configuration');
    expect(pdf).toMatch(/workers=1[\s\S]*workers=3/);
    expect(pdf).toMatch(/Page 1 of \d/);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('@bottom-right');
  }, 90_000);

  it('refuses a damaged sweep.json with one clear line', () => {
    const bad = join(tmp, 'bad');
    execFileSync('mkdir', ['-p', bad]);
    execFileSync('sh', ['-c', `printf '{"rows": 3}' > ${bad}/sweep.json`]);
    let err: Error | null = null;
    try {
      readSweepDir(bad);
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message).toMatch(/is not a leakhound sweep/);
    expect(err?.message).not.toContain('\n');
  });
});
