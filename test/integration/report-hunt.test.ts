// Reports from REAL hunts through the built CLI (`npx tsc -p tsconfig.json` first): a server
// that leaks objects holding a fake credential, and a clean one. Checked with poppler.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitLabel } from '../../electron/engine/report/chart';
import { type Result, resultSchema } from '../../shared/result';
import { chartAxes } from '../helpers/chart-axes';

const ROOT = resolve(__dirname, '../..');
const CLI = join(ROOT, 'dist/electron/cli.js');
const ARTIFACTS = join(ROOT, 'test-results/report');
const tmp = mkdtempSync(join(tmpdir(), 'leakhound-report-hunt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
const pdfText = (file: string, page?: number) =>
  sh('pdftotext', [...(page ? ['-f', String(page), '-l', String(page)] : []), '-layout', file, '-']);
function pdfInfo(file: string) {
  const info = sh('pdfinfo', [file]);
  const size = /Page size:\s+([\d.]+) x ([\d.]+) pts/.exec(info)!;
  return { pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), width: Number(size[1]), height: Number(size[2]) };
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function hunt(fixture: string, dir: string): Result {
  const r = cli([
    'run',
    '--spawn',
    `node test/fixtures/node/${fixture}`,
    '--url',
    'http://127.0.0.1:{port}/',
    '--requests',
    '3000',
    '--out',
    dir,
    '--report',
    'pdf,html',
  ]);
  if (r.code !== 0) throw new Error(`hunt of ${fixture} exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return resultSchema.parse(JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')));
}

const TITLES = {
  leak: 'Memory leak found',
  'no-leak': 'No leak found',
  inconclusive: 'Inconclusive',
} as const;

describe.skipIf(!existsSync(CLI))('reports from real hunts (dist/electron/cli.js)', () => {
  const leakDir = join(tmp, 'leaky-credential');
  const cleanDir = join(tmp, 'churn');
  let leak: Result;
  let clean: Result;

  beforeAll(() => {
    leak = hunt('leaky-credential.js', leakDir);
    clean = hunt('churn.js', cleanDir);
    mkdirSync(ARTIFACTS, { recursive: true });
    sh('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      join(leakDir, 'report.pdf'),
      join(ARTIFACTS, 'page1'),
    ]);
    sh('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      join(cleanDir, 'report.pdf'),
      join(ARTIFACTS, 'page1-clean'),
    ]);
  }, 480_000);

  it('writes report.pdf and report.html beside result.json', () => {
    for (const d of [leakDir, cleanDir]) {
      expect(readFileSync(join(d, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
      expect(readFileSync(join(d, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    }
    expect(existsSync(join(ARTIFACTS, 'page1.png'))).toBe(true);
  });

  it('the leaky server: verdict, suspect, figures and chart are in the PDF text', () => {
    expect(leak.verdict.kind, leak.verdict.reason).toBe('leak');
    const text = pdfText(join(leakDir, 'report.pdf'));
    const page1 = pdfText(join(leakDir, 'report.pdf'), 1);
    expect(page1).toContain('Memory leak found');
    expect(page1.replace(/\s+/g, ' ')).toContain('Verdict: memory leak.'); // may wrap at the space
    expect(page1).toContain('Requests served'); // the chart's axis labels, printed as text
    expect(page1).toContain('Memory (MB)');
    expect(text).toContain('ApiClientSession');
    expect(text).toContain(leak.load!.requests.toLocaleString('en-US'));
    expect(text).toMatch(/Retained growth/);
    expect(text).toContain('leakhound run --spawn');
    const html = readFileSync(join(leakDir, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg class="chart chart-memory"[\s\S]*?<path d="M[\d.]+ [\d.]+L/);
  });

  it("the leaky server: page 1 has both memory panels, the fitted slope with its interval, and the heap panel on the heap's range (Chromium)", async () => {
    const fit = { slope: leak.verdict.bytesPerRequest, ci95: leak.verdict.ci95, on: 'gc' as const };
    expect(leak.verdict.basis).toBe('heap');
    const page1 = pdfText(join(leakDir, 'report.pdf'), 1);
    expect(page1).toContain('Process memory: PSS and RSS');
    expect(page1).toContain('Heap after garbage collection, fitted line');
    expect(page1).toContain(fitLabel(fit));
    const { memory, heap } = await chartAxes(
      join(leakDir, 'report.html'),
      join(ARTIFACTS, 'growth-panels-hunt.png'),
    );
    const MB = 1e6;
    const heapMB = [
      ...leak.samples.flatMap((x) => (x.heapUsedBytes === null ? [] : [x.heapUsedBytes])),
      ...leak.checkpoints.flatMap((c) => (c.heapBytes === null ? [] : [c.heapBytes])),
    ].map((b) => b / MB);
    const [hMin, hMax] = [Math.min(...heapMB), Math.max(...heapMB)];
    const pssMax = Math.max(...leak.samples.map((x) => x.pssBytes ?? x.rssBytes)) / MB;
    expect(memory.yTicks[0]).toBe(0);
    expect(memory.yTicks.at(-1)).toBeGreaterThanOrEqual(pssMax);
    expect(heap!.fitLabel).toBe(fitLabel(fit));
    const span = hMax - hMin;
    expect(heap!.yTicks[0]).toBeLessThanOrEqual(hMin);
    expect(heap!.yTicks[0]).toBeGreaterThanOrEqual(Math.max(0, hMin - span));
    expect(heap!.yTicks.at(-1)).toBeGreaterThanOrEqual(hMax);
    expect(heap!.yTicks.at(-1)).toBeLessThanOrEqual(hMax + span);
    // the heap's few MB of growth fill its own panel instead of lying flat under PSS
    expect(heap!.yTicks.at(-1)! - heap!.yTicks[0]!).toBeLessThan(memory.yTicks.at(-1)! / 2);
    expect(heap!.fitBandHeight).toBeGreaterThan(20);
  }, 60_000);

  it('the credential, password and bearer token never reach report.pdf, report.html or result.json', () => {
    const texts = {
      'report.pdf': pdfText(join(leakDir, 'report.pdf')),
      'report.html': readFileSync(join(leakDir, 'report.html'), 'utf8'),
      'result.json': readFileSync(join(leakDir, 'result.json'), 'utf8'),
    };
    for (const [file, t] of Object.entries(texts)) {
      for (const secret of [
        'LEAKHOUND_FAKE_CREDENTIAL',
        'LEAKHOUND-FAKE-PASSWORD',
        'LEAKHOUND_FAKE_BEARER',
        'sk_live_',
      ]) {
        expect(t.includes(secret), `${secret} found in ${file}`).toBe(false);
      }
    }
  });

  it('the clean server: the report says what the engine found, and it is not a leak', () => {
    expect(clean.verdict.kind, clean.verdict.reason).not.toBe('leak');
    const page1 = pdfText(join(cleanDir, 'report.pdf'), 1);
    expect(page1).toContain(TITLES[clean.verdict.kind]);
    expect(page1).toContain('Requests served');
  });

  it('page counts are sane and A4 is the default', () => {
    for (const d of [leakDir, cleanDir]) {
      const i = pdfInfo(join(d, 'report.pdf'));
      expect(i.pages).toBeGreaterThanOrEqual(1);
      expect(i.pages).toBeLessThanOrEqual(10);
      expect(Math.round(i.width)).toBe(596);
      expect(Math.round(i.height)).toBe(843);
    }
  });

  it('`leakhound report DIR --paper Letter` renders the finished run again', () => {
    const out = join(tmp, 'again', 'letter.pdf');
    const r = cli(['report', leakDir, '--pdf', out, '--paper', 'Letter']);
    expect(r.code, r.stderr).toBe(0);
    const i = pdfInfo(out);
    expect(Math.round(i.width)).toBe(612);
    expect(Math.round(i.height)).toBe(792);
    expect(pdfText(out)).not.toContain('LEAKHOUND_FAKE');
  }, 60_000);

  it('`leakhound report` on a folder without result.json exits 2 with one clear line', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const r = cli(['report', empty]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `leakhound: ${join(empty, 'result.json')} not found: is this a finished leakhound run folder?`,
    );
  });
});
