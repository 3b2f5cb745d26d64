// Ours must not leak: a long hunt against a clean server at full load, with leakhound's
// own RSS read from /proc every second. Prints start/end RSS and the growth after warm-up.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CLI, NODE_FIXTURES, tmpDir } from '../helpers/cli';

const minutes = Number(process.env.SOAK_MINUTES ?? 2);

function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function main() {
  const out = path.join(tmpDir('lh-soak-'), 'run');
  const child = spawn(
    process.execPath,
    [
      CLI,
      'run',
      '--spawn',
      `node ${path.join(NODE_FIXTURES, 'bounded-lru.js')}`,
      '--url',
      'http://127.0.0.1:{port}/',
      '--duration',
      `${minutes}m`,
      '--concurrency',
      '20',
      '--snapshots',
      '0',
      '--out',
      out,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const rss: Array<[number, number]> = [];
  const t0 = Date.now();
  const timer = setInterval(() => {
    const r = rssOf(child.pid as number);
    if (r !== null) rss.push([(Date.now() - t0) / 1000, r]);
  }, 1000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const warm = rss.filter(([t]) => t > Math.min(60, minutes * 15));
  const mb = (b: number) => (b / 1048576).toFixed(1);
  const first = warm[0]?.[1] ?? 0;
  const last = warm[warm.length - 1]?.[1] ?? 0;
  const peak = Math.max(...warm.map(([, r]) => r));
  console.log(`soak: ${minutes} min hunt, exit ${code}`);
  console.log(
    `leakhound RSS: start ${mb(rss[0]?.[1] ?? 0)} MB, after warm-up ${mb(first)} MB, end ${mb(last)} MB, peak ${mb(peak)} MB`,
  );
  console.log(`growth after warm-up: ${mb(last - first)} MB (goal < 5 MB)`);
  process.exitCode = last - first < 5 * 1048576 ? 0 : 1;
}

void main();
