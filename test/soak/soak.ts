// Ours must not leak: a long hunt at full load against a clean server, driven through
// `leakhound serve` with the live UI open in Chromium. Every 5 s we read the RSS of the
// serve process (which runs the hunt) and the page's JS heap; after warm-up both must stay
// flat (growth < 5 MB). Serve runs with its inspector on a loopback port so that once a
// minute the soak can force a full GC in it and read the heap that is still live: RSS also
// moves with V8's young-generation resizing and malloc's free lists, which are not leaks;
// the live heap after a full GC is what a leak must grow. Both are judged.
// SOAK_MINUTES sets the length (default 2: the CI smoke version).
// SOAK_SNAPSHOTS=DIR also writes heap snapshots of serve and of the page after warm-up and
// at the end, to diff with `leakhound analyze` when the figures are not flat (a snapshot
// inflates serve's RSS for a while, so take the pass/fail figures from a run without it).
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type CDPSession, chromium } from 'playwright-core';
import { CdpClient } from '../../electron/engine/cdp';
import { CLI, NODE_FIXTURES, tmpDir } from '../helpers/cli';

const minutes = Number(process.env.SOAK_MINUTES ?? 2);
const MB = 1048576;

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

const snapshotDir = process.env.SOAK_SNAPSHOTS ? path.resolve(process.env.SOAK_SNAPSHOTS) : null;

function startServe(dataDir: string): Promise<{ child: ChildProcess; url: string; inspector: string }> {
  const diag = snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  const child = spawn(process.execPath, [...diag, '--inspect=127.0.0.1:0', CLI, 'serve'], {
    env: { ...process.env, LEAKHOUND_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let inspector = '';
    let url = '';
    const done = () => {
      if (url && inspector) resolve({ child, url, inspector });
    };
    child.stderr?.on('data', (d: Buffer) => {
      const text = d.toString();
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(text);
      if (m) {
        inspector = m[1];
        done();
      } else if (!/^(For help, see|Debugger attached)/m.test(text)) process.stderr.write(d);
    });
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
      if (m) {
        url = m[1];
        done();
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing its URL`)));
  });
}

/** live JS heap (of serve, or of the page): used size right after a forced full GC */
async function liveHeap(
  send: (method: 'HeapProfiler.collectGarbage' | 'Runtime.getHeapUsage') => Promise<unknown>,
) {
  await send('HeapProfiler.collectGarbage');
  const { usedSize } = (await send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize;
}

/** Serve writes its snapshot on SIGUSR2; wait until the new file stops growing. */
async function snapshotServe(pid: number, dir: string): Promise<string> {
  const before = new Set(readdirSync(dir));
  process.kill(pid, 'SIGUSR2');
  for (let last = -1, waited = 0; ; waited++) {
    if (waited > 120) throw new Error(`serve wrote no heap snapshot into ${dir} within 2 minutes`);
    await new Promise((r) => setTimeout(r, 1000));
    const file = readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) continue;
    const size = statSync(path.join(dir, file)).size;
    if (size > 0 && size === last) return path.join(dir, file);
    last = size;
  }
}

async function snapshotPage(cdp: CDPSession, file: string): Promise<void> {
  const out = createWriteStream(file);
  const onChunk = (p: { chunk: string }) => out.write(p.chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await new Promise((r) => out.end(r));
}

/** growth between the first and last quarter's medians, after the first quarter (warm-up) */
function growth(series: number[]): { start: number; end: number; growth: number } {
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
  const q = Math.max(1, Math.floor(series.length / 4));
  const start = med(series.slice(q, 2 * q));
  const end = med(series.slice(-q));
  return { start, end, growth: end - start };
}

async function main() {
  const dataDir = tmpDir('lh-soak-');
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  const { child: serve, url, inspector } = await startServe(dataDir);
  const serveCdp = await CdpClient.connect(inspector);
  const origin = new URL(url).origin;
  const token = new URL(url).searchParams.get('token') ?? '';
  const browser = await chromium.launch({
    executablePath: process.env.LEAKHOUND_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    const res = await page.request.post(`${origin}/api/runs`, {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      data: {
        spawn: `node ${path.join(NODE_FIXTURES, 'bounded-lru.js')}`,
        url: 'http://127.0.0.1:{port}/',
        durationMs: minutes * 60_000,
        concurrency: 20,
        snapshots: 0,
      },
    });
    const { id } = (await res.json()) as { id: string };
    await page.goto(`${origin}/#/runs/${encodeURIComponent(id)}/live`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const serveRss: number[] = [];
    const pageHeap: number[] = [];
    const serveHeap: number[] = [];
    const pageLive: number[] = [];
    const t0 = Date.now();
    const snapAt = [minutes * 15_000, minutes * 60_000 - 5000];
    while (Date.now() - t0 < minutes * 60_000 + 5000) {
      await new Promise((r) => setTimeout(r, 5000));
      if (snapshotDir && snapAt.length && Date.now() - t0 >= snapAt[0]) {
        const n = 3 - snapAt.length;
        snapAt.shift();
        const s = await snapshotServe(serve.pid as number, snapshotDir);
        await snapshotPage(cdp, path.join(snapshotDir, `page-${n}.heapsnapshot`));
        console.log(`soak: snapshot ${n}: serve ${s}, page page-${n}.heapsnapshot`);
      }
      const r = rssOf(serve.pid as number);
      if (r !== null) serveRss.push(r);
      const { metrics } = (await cdp.send('Performance.getMetrics')) as {
        metrics: { name: string; value: number }[];
      };
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value;
      if (heap !== undefined) pageHeap.push(heap);
      if (serveRss.length % 12 === 0) {
        const live = await liveHeap((m) => serveCdp.send(m));
        serveHeap.push(live);
        const pl = await liveHeap((m) => cdp.send(m));
        pageLive.push(pl);
        console.log(
          `soak: ${Math.round((Date.now() - t0) / 60_000)} min: serve RSS ${((r ?? 0) / MB).toFixed(1)} MB, serve live heap ${(live / MB).toFixed(2)} MB, page JS heap ${((heap ?? 0) / MB).toFixed(1)} MB (live ${(pl / MB).toFixed(2)} MB)`,
        );
      }
    }
    const s = growth(serveRss);
    const p = growth(pageHeap);
    const h = growth(serveHeap);
    const pl = growth(pageLive);
    console.log(`soak: ${minutes} min hunt through serve with the live UI open`);
    console.log(
      `leakhound (serve + hunt) RSS: first ${(serveRss[0] / MB).toFixed(1)} MB, after warm-up ${(s.start / MB).toFixed(1)} MB, end ${(s.end / MB).toFixed(1)} MB, growth ${(s.growth / MB).toFixed(2)} MB (goal < 5 MB)`,
    );
    console.log(
      `leakhound (serve + hunt) live JS heap after full GC: after warm-up ${(h.start / MB).toFixed(2)} MB, end ${(h.end / MB).toFixed(2)} MB, growth ${(h.growth / MB).toFixed(2)} MB (goal < 1 MB)`,
    );
    console.log(
      `UI page JS heap: after warm-up ${(p.start / MB).toFixed(1)} MB, end ${(p.end / MB).toFixed(1)} MB, growth ${(p.growth / MB).toFixed(2)} MB (goal < 5 MB)`,
    );
    console.log(
      `UI page live JS heap after full GC: after warm-up ${(pl.start / MB).toFixed(2)} MB, end ${(pl.end / MB).toFixed(2)} MB, growth ${(pl.growth / MB).toFixed(2)} MB (goal < 1 MB)`,
    );
    process.exitCode = s.growth < 5 * MB && h.growth < MB && p.growth < 5 * MB && pl.growth < MB ? 0 : 1;
  } finally {
    await serveCdp.close();
    await browser.close();
    serve.kill('SIGTERM');
  }
}

void main();
