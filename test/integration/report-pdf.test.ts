// PDF reports printed by the real system Chromium from a hand-made Result, checked with poppler.
// (report-hunt.test.ts does the same from real hunts through the CLI.)
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { renderReport } from '../../electron/engine/report/render';
import { sampleResult } from '../../electron/engine/report/sample-result';
import { chartAxes } from '../helpers/chart-axes';

const CREDENTIAL = 'sk_live_LEAKHOUND_FAKE_CREDENTIAL_2718';
const ARTIFACTS = resolve(__dirname, '../../test-results/report');
const tmp = mkdtempSync(join(tmpdir(), 'leakhound-report-pdf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
const sh = run;
const pdfText = (file: string, page?: number) =>
  run('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', file, '-']);
function pdfInfo(file: string): { pages: number; width: number; height: number } {
  const info = run('pdfinfo', [file]);
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)!;
  return { pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), width: Number(size[1]), height: Number(size[2]) };
}
/** Share of page 1 that is not white, from a greyscale render (a blank or broken print is ~0). */
function inkOnPage1(file: string): number {
  const base = join(tmp, `ink-${Math.random().toString(36).slice(2)}`);
  run('pdftoppm', ['-gray', '-r', '40', '-f', '1', '-l', '1', '-singlefile', file, base]);
  const pgm = readFileSync(`${base}.pgm`);
  // P5 header: magic, width, height, maxval, each followed by one whitespace byte.
  let off = 0;
  for (let fields = 0; fields < 4; fields++) {
    while (/\s/.test(String.fromCharCode(pgm[off]!))) off++;
    while (!/\s/.test(String.fromCharCode(pgm[off]!))) off++;
  }
  const px = pgm.subarray(off + 1);
  let dark = 0;
  for (const v of px) if (v < 200) dark++;
  return dark / px.length;
}

function writeRun(name: string, mutate?: (r: ReturnType<typeof sampleResult>) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const r = sampleResult({ requests: 3000, leakBytesPerRequest: 412 });
  // A secret that slipped past the engine into a retainer path: the report must still hide it.
  r.suspects[0]!.retainerPath = ['(GC roots)', 'registry', `"${CREDENTIAL}"`, 'ApiClientSession'];
  r.suspects[1]!.name = CREDENTIAL;
  mutate?.(r);
  writeFileSync(join(dir, 'result.json'), JSON.stringify(r, null, 2));
  return dir;
}

describe('PDF report from a hand-made leak result', () => {
  let a4: { html?: string; pdf?: string };
  let letter: { html?: string; pdf?: string };
  let revealed: { html?: string; pdf?: string };

  beforeAll(async () => {
    const dir = writeRun('leak');
    a4 = await renderReport(dir, {
      html: join(dir, 'report.html'),
      pdf: join(dir, 'report.pdf'),
      paper: 'A4',
    });
    letter = await renderReport(dir, { pdf: join(dir, 'letter.pdf'), paper: 'Letter' });
    revealed = await renderReport(dir, { pdf: join(dir, 'revealed.pdf'), revealStrings: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    run('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      a4.pdf!,
      join(ARTIFACTS, 'page1-sample'),
    ]);
  }, 120_000);

  it('writes both files where asked', () => {
    expect(statSync(a4.html!).size).toBeGreaterThan(10_000);
    expect(statSync(a4.pdf!).size).toBeGreaterThan(10_000);
    expect(letter.html).toBeUndefined();
    expect(readFileSync(a4.pdf!).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('prints the verdict, figures, suspects, chart axis labels and page numbers as text', () => {
    const text = pdfText(a4.pdf!);
    for (const s of [
      'Memory leak found',
      'Verdict: memory leak.',
      '412 B per request',
      '396 B to 428 B',
      '3,000',
      '7.3 ms',
      'ApiClientSession',
      '(GC roots)',
      'Requests served',
      'Memory (MB)',
      'Repeat this run',
      'Page 1 of',
    ]) {
      expect(text).toContain(s);
    }
  });

  it('puts the summary and the chart on page 1', () => {
    const p1 = pdfText(a4.pdf!, 1);
    expect(p1).toContain('Summary');
    expect(p1).toContain('Memory growth');
    expect(p1).toContain('Requests served');
    expect(inkOnPage1(a4.pdf!)).toBeGreaterThan(0.02);
  });

  it('never shows the credential, in the PDF or the HTML', () => {
    expect(pdfText(a4.pdf!)).not.toContain('LEAKHOUND_FAKE_CREDENTIAL');
    expect(pdfText(letter.pdf!)).not.toContain('LEAKHOUND_FAKE_CREDENTIAL');
    expect(readFileSync(a4.html!, 'utf8')).not.toContain('LEAKHOUND_FAKE_CREDENTIAL');
    expect(pdfText(a4.pdf!)).toMatch(/string\(len=\d+, sha256:[0-9a-f]{8}\)/);
  });

  it('has a sane page count and the paper size asked for', () => {
    const i = pdfInfo(a4.pdf!);
    expect(i.pages).toBeGreaterThanOrEqual(1);
    expect(i.pages).toBeLessThanOrEqual(10);
    expect(i.width).toBeCloseTo(595.3, -1); // A4: 210 × 297 mm
    expect(i.height).toBeCloseTo(841.9, -1);
    const l = pdfInfo(letter.pdf!);
    expect(l.width).toBeCloseTo(612, 0); // Letter: 8.5 × 11 in
    expect(l.height).toBeCloseTo(792, 0);
    expect(pdfText(a4.pdf!)).toContain(`Page ${i.pages} of ${i.pages}`);
  });

  it('numbers every page once: footer template in the PDF, CSS margin boxes in the HTML file', () => {
    const { pages } = pdfInfo(a4.pdf!);
    expect(pdfText(a4.pdf!).match(/Page \d+ of \d+/g)).toHaveLength(pages);
    // report.html printed by a plain browser (no footer template) still has page numbers
    const printed = join(tmp, 'printed-from-browser.pdf');
    sh('/usr/bin/chromium', [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-pdf-header-footer',
      `--print-to-pdf=${printed}`,
      `file://${a4.html!}`,
    ]);
    const p = pdfInfo(printed);
    expect(pdfText(printed).match(/Page \d+ of \d+/g)).toHaveLength(p.pages);
    expect(pdfText(printed)).not.toContain('LEAKHOUND_FAKE_CREDENTIAL');
  }, 60_000);

  it('shows contents only with revealStrings, and then says so on page 1', () => {
    const p1 = pdfText(revealed.pdf!, 1);
    expect(p1).toContain('This report contains heap string contents');
    expect(pdfText(revealed.pdf!)).toContain(CREDENTIAL);
    expect(pdfText(a4.pdf!, 1)).not.toContain('contains heap string contents');
    expect(statSync(revealed.pdf!).mode & 0o777).toBe(0o600); // owner-only, like the run folder
  });
});

describe('the memory chart: two panels, the heap on its own axis with the fitted slope', () => {
  it('prints both panels and the fitted slope with its interval as text in the PDF', async () => {
    const dir = writeRun('panels');
    const out = await renderReport(dir, { html: join(dir, 'report.html'), pdf: join(dir, 'report.pdf') });
    const p1 = pdfText(out.pdf!, 1);
    expect(p1).toContain('Process memory: PSS and RSS');
    expect(p1).toContain('Heap after garbage collection, fitted line');
    expect(p1).toContain('fit +412 B/request (95% CI 396 B … 428 B)');
    expect(p1).toContain('Heap (MB)');
  }, 60_000);

  it("renders the heap panel on the heap's range, not 0–PSS, with the fit drawn (Chromium)", async () => {
    const dir = writeRun('panels-page');
    const r = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as ReturnType<typeof sampleResult>;
    const out = await renderReport(dir, { html: join(dir, 'report.html') });
    mkdirSync(ARTIFACTS, { recursive: true });
    const { memory, heap } = await chartAxes(out.html!, join(ARTIFACTS, 'growth-panels-sample.png'));
    const MB = 1e6;
    const heapValues = [
      ...r.samples.map((s) => s.heapUsedBytes!),
      ...r.checkpoints.map((c) => c.heapBytes!),
    ].map((b) => b / MB);
    const pssMax = Math.max(...r.samples.map((s) => s.pssBytes!)) / MB;
    const [hMin, hMax] = [Math.min(...heapValues), Math.max(...heapValues)];
    // process memory from zero up to the PSS peak
    expect(memory.yTicks[0]).toBe(0);
    expect(memory.yTicks.at(-1)).toBeGreaterThanOrEqual(pssMax);
    expect(memory.title).toBe('Process memory: PSS and RSS');
    // the heap panel spans the heap: its axis starts near the heap's low and ends near its high
    expect(heap).not.toBeNull();
    expect(heap!.yTicks[0]).toBeGreaterThan(0);
    expect(heap!.yTicks[0]).toBeLessThanOrEqual(hMin);
    expect(heap!.yTicks[0]).toBeGreaterThan(hMin - (hMax - hMin));
    expect(heap!.yTicks.at(-1)).toBeGreaterThanOrEqual(hMax);
    expect(heap!.yTicks.at(-1)).toBeLessThan(hMax + (hMax - hMin));
    expect(heap!.yTicks.at(-1)).toBeLessThan(pssMax / 2);
    expect(heap!.fitLabel).toBe('fit +412 B/request (95% CI 396 B … 428 B)');
    expect(heap!.fitBandHeight).toBeGreaterThan(20); // the band climbs across the panel
    expect(memory.fitLabel).toBeNull(); // the fit is on the heap, where the verdict measured it
  }, 60_000);
});

describe('PDF printing errors', () => {
  it('a binary that is not a browser gives one clear UserError line naming what to install', async () => {
    const dir = writeRun('not-a-browser');
    const err = await renderReport(dir, { pdf: join(dir, 'report.pdf'), chromium: process.execPath }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err.message).toMatch(
      /^could not start .+ to print the PDF \(.+\): install Debian's `chromium` package/,
    );
    expect(err.message).not.toContain('\n');
  }, 60_000);
});

describe('PDF report of a long multi-process run', () => {
  it('stays within 10 pages and keeps every table row whole', async () => {
    const dir = writeRun('python', (r) => {
      const big = sampleResult({ runtime: 'python', workers: 8, requests: 200_000 });
      Object.assign(r, big);
      r.suspects = Array.from({ length: 25 }, (_, i) => ({
        ...big.suspects[0]!,
        name: `LeakyThing${i}`,
        retainerPath: ['(GC roots)', 'module app', 'cache', `[${i}]`, `LeakyThing${i}`],
      }));
    });
    const out = await renderReport(dir, { pdf: join(dir, 'report.pdf'), paper: 'Letter' });
    const { pages } = pdfInfo(out.pdf!);
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(pages).toBeLessThanOrEqual(10);
    const text = pdfText(out.pdf!);
    expect(text).toContain('Allocation sites (Python tracemalloc)');
    expect(text).toContain('pid 41008 (PSS)');
    // A suspect's row and its retainer path are one unit: never split across a page break.
    const pagesText = text.split('\f');
    for (let i = 0; i < 10; i++) {
      const page = pagesText.findIndex(
        (p) => p.includes(`LeakyThing${i} `) || p.includes(`LeakyThing${i}\n`),
      );
      expect(page).toBeGreaterThanOrEqual(0);
      expect(pagesText[page]).toContain(`[${i}]`);
    }
  }, 60_000);
});
