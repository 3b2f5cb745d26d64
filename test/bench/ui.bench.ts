// UI benchmark: how fast a finished run with three snapshots of ~N MB opens in Chromium
// through `leakhound serve`, cold (analysis in the worker) and cached, and how much the
// analysis disturbs the thread that serves the UI. Figures, not pass/fail.
//   node --import tsx test/bench/ui.bench.ts [--mb 50] [--keep]
// Anchor, measured in the same run: readFileSync + JSON.parse of the largest snapshot
// (the floor any tool pays that loads the file the naive way).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium } from 'playwright-core';
import { type Result, resultSchema } from '../../shared/result';

const ROOT = path.resolve(__dirname, '..', '..');
const argv = process.argv.slice(2);
const MB = Number(argv[argv.indexOf('--mb') + 1]) || 50;
const work = path.join(ROOT, '.bench', 'ui', `${MB}mb`);
const dataDir = path.join(work, 'data');
const id = `bench-${MB}mb`;
const runDir = path.join(dataDir, 'runs', id);

function makeSnapshots(): string[] {
  const files = ['snapshot-1-baseline', 'snapshot-2-middle', 'snapshot-3-final'].map((n) =>
    path.join(runDir, `${n}.heapsnapshot`),
  );
  if (files.every(existsSync)) return files;
  mkdirSync(runDir, { recursive: true });
  // ~74 bytes of snapshot per node (field notes); three nodes per object below
  const base = Math.round((MB * 1024 * 1024) / 74 / 3 / 1.1);
  const leak = Math.round(base * 0.05);
  const script = `
    const v8 = require('node:v8');
    class OrderAuditEntry { constructor(i) { this.id = i; this.note = 'n' + i; this.items = [i]; } }
    class Keep { constructor(i) { this.i = i; this.s = 'k' + i; this.a = [i]; } }
    const keep = []; for (let i = 0; i < ${base}; i++) keep.push(new Keep(i));
    const audit = [];
    const files = ${JSON.stringify(files)};
    for (let s = 0; s < 3; s++) {
      if (s > 0) for (let i = 0; i < ${leak}; i++) audit.push(new OrderAuditEntry(i));
      v8.writeHeapSnapshot(files[s]);
    }`;
  execFileSync(process.execPath, ['--max-old-space-size=8192', '-e', script], { stdio: 'inherit' });
  return files;
}

function writeRun(files: string[]): void {
  const startedAt = new Date().toISOString();
  const snapshots = files.map((f, i) => ({
    file: path.basename(f),
    label: ['baseline', 'middle', 'final'][i],
    atRequests: i * 3000,
    bytes: statSync(f).size,
  }));
  const samples = Array.from({ length: 2000 }, (_, i) => ({
    t: i * 100,
    requests: i * 3,
    rssBytes: 100e6 + i * 5e3,
    pssBytes: 80e6 + i * 5e3,
    heapUsedBytes: 40e6 + i * 4e3,
    processes: [{ pid: 1, rssBytes: 100e6 + i * 5e3, pssBytes: 80e6 + i * 5e3 }],
  }));
  const result: Result = resultSchema.parse({
    schemaVersion: 1,
    id,
    status: 'finished',
    startedAt,
    endedAt: startedAt,
    leakhoundVersion: 'bench',
    host: {
      hostname: os.hostname(),
      platform: process.platform,
      cpus: os.cpus().length,
      totalMemBytes: os.totalmem(),
    },
    options: {},
    target: {
      runtime: 'node',
      mode: 'spawn',
      pid: 1,
      command: 'bench',
      url: null,
      exitCode: null,
      signal: null,
    },
    load: null,
    samples,
    checkpoints: [],
    verdict: { kind: 'leak', bytesPerRequest: 100, ci95: [90, 110], reason: 'benchmark run', basis: 'heap' },
    suspects: [],
    snapshots,
    warnings: [],
    revealStrings: false,
  });
  writeFileSync(path.join(runDir, 'result.json'), JSON.stringify(result));
  // the raw stream of a long run: 100k samples (3 h at 10 Hz), four worker processes
  const lines: string[] = [];
  for (let i = 0; i < 100_000; i++) {
    const w = (k: number) => ({
      pid: 10 + k,
      rssBytes: 50e6 + i * 40 + k * 1e6,
      pssBytes: 30e6 + i * 30 + k * 1e6,
    });
    lines.push(
      JSON.stringify({
        t: i * 100,
        requests: i * 30,
        rssBytes: 200e6 + i * 160,
        pssBytes: 120e6 + i * 120 + Math.sin(i / 50) * 2e6,
        heapUsedBytes: 40e6 + i * 100,
        processes: [0, 1, 2, 3].map(w),
      }),
    );
  }
  writeFileSync(path.join(runDir, 'samples.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(
    path.join(runDir, 'run.json'),
    JSON.stringify({
      id,
      startedAt,
      status: 'finished',
      command: 'bench',
      options: {},
      ownerPid: process.pid,
    }),
  );
}

async function main() {
  if (!existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html')))
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
  let t = performance.now();
  const files = makeSnapshots();
  const sizes = files.map((f) => statSync(f).size / 1024 / 1024);
  console.log(
    `snapshots: ${sizes.map((s) => `${s.toFixed(0)} MB`).join(', ')} (made in ${((performance.now() - t) / 1000).toFixed(1)} s)`,
  );
  writeRun(files);

  t = performance.now();
  JSON.parse(readFileSync(files[2], 'utf8'));
  const anchorMs = performance.now() - t;

  // serve in its own process, so its responsiveness is measured apart from Playwright's client
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'electron/engine/serve/server.ts'), '--bench-serve', dataDir],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const serve = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const m = out.match(/open (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)/);
      if (m) resolve({ url: m[1], port: Number(m[2]) });
    });
    child.on('exit', () => reject(new Error(`serve exited: ${out}`)));
  });
  const token = new URL(serve.url).searchParams.get('token');
  /** API round trips every 50 ms while `work` runs: the serve thread's responsiveness. */
  const probe = async <T>(work: Promise<T>): Promise<{ value: T; p99: number; max: number }> => {
    const lat: number[] = [];
    let done = false;
    const loop = (async () => {
      while (!done) {
        const t1 = performance.now();
        await fetch(`http://127.0.0.1:${serve.port}/api/runs`, {
          headers: { authorization: `Bearer ${token}` },
        });
        lat.push(performance.now() - t1);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const value = await work;
    done = true;
    await loop;
    lat.sort((a, b) => a - b);
    return { value, p99: lat[Math.floor(lat.length * 0.99)] ?? 0, max: lat.at(-1) ?? 0 };
  };
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
  await page.goto(serve.url);
  const base = `http://127.0.0.1:${serve.port}/#/runs/${id}`;

  const timeTo = async (url: string, testId: string) => {
    await page.goto('about:blank');
    const t0 = performance.now();
    await page.goto(url);
    await page.getByTestId(testId).getByRole('row').nth(1).waitFor({ timeout: 600_000 });
    return performance.now() - t0;
  };
  const cold = await probe(timeTo(`${base}/diff`, 'diff-table'));
  const coldDiff = cold.value;
  const warmDiff = await timeTo(`${base}/diff`, 'diff-table');
  await page.goto('about:blank');
  let t0 = performance.now();
  await page.goto(`${base}/verdict`);
  await page.getByTestId('verdict-kind').waitFor();
  const verdictMs = performance.now() - t0;
  await page.goto('about:blank');
  t0 = performance.now();
  await page.goto(`${base}/live`);
  await page.getByTestId('chart-pss').locator('canvas').waitFor();
  const curvesMs = performance.now() - t0;
  // instances + one retainer level of the leaking class, cached
  await page.goto(`${base}/diff`);
  await page.getByLabel('Filter classes').fill('OrderAuditEntry');
  t0 = performance.now();
  await page
    .getByTestId('diff-table')
    .getByRole('row')
    .filter({ hasText: 'OrderAuditEntry' })
    .first()
    .dispatchEvent('mousedown');
  await page.getByTestId('instances-table').getByRole('row').nth(1).waitFor({ timeout: 600_000 });
  const instancesMs = performance.now() - t0;

  await browser.close();
  child.kill('SIGTERM');
  const f = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`anchor  readFileSync+JSON.parse of ${sizes[2].toFixed(0)} MB: ${f(anchorMs)}`);
  console.log(
    `diff tab, cold (3 snapshots parsed + analysed in the worker): ${f(coldDiff)}  (${(coldDiff / anchorMs).toFixed(2)}× anchor)`,
  );
  console.log(
    `  GET /api/runs round trip meanwhile: p99 ${cold.p99.toFixed(1)} ms, max ${cold.max.toFixed(1)} ms`,
  );
  console.log(`diff tab, cached: ${f(warmDiff)}  (${(warmDiff / anchorMs).toFixed(3)}× anchor)`);
  console.log(`verdict tab, first render: ${f(verdictMs)}`);
  console.log(`curves tab (100k samples × 4 workers from samples.jsonl), first render: ${f(curvesMs)}`);
  console.log(`instances of the leaking class (first query on that snapshot): ${f(instancesMs)}`);
  if (!argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
