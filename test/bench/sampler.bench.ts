// CPU cost of sampling a 5-process tree (gunicorn master + 4 workers) at 10 Hz RSS + 1 Hz
// PSS, beside the anchor measured in the same run: spawning `ps` every tick (what
// pidtree/pidusage do, and our own non-Linux fallback). Figures, not pass/fail.
//   node --import tsx test/bench/sampler.bench.ts [--seconds 10]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { killTree } from '../../electron/engine/proc/kill';
import { pickFreePort } from '../../electron/engine/proc/ports';
import { childrenOf, readRssPpid } from '../../electron/engine/proc/procfs';
import { TreeSampler } from '../../electron/engine/proc/sampler';

const argSeconds = process.argv.indexOf('--seconds');
const SECONDS = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 10;
const RSS_HZ = 10;
const PSS_HZ = 1;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/** CPU ms of this process plus its reaped children (ps runs in children). */
function cpuMs(): { self: number; children: number } {
  const u = process.cpuUsage();
  const f = readFileSync('/proc/self/stat', 'latin1');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // cutime, cstime are fields 16 and 17 (1-based) → 13, 14 after the comm
  const childTicks = Number(rest[13]) + Number(rest[14]);
  return { self: (u.user + u.system) / 1000, children: childTicks * 10 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(name: string, run: () => Promise<number>): Promise<number> {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const c0 = cpuMs();
  const t0 = performance.now();
  const samples = await run();
  const wall = performance.now() - t0;
  const c1 = cpuMs();
  gc();
  const heap1 = process.memoryUsage().heapUsed;
  const selfPct = ((c1.self - c0.self) / wall) * 100;
  const childPct = ((c1.children - c0.children) / wall) * 100;
  const total = selfPct + childPct;
  console.log(
    `${name.padEnd(44)} ${samples.toString().padStart(4)} samples  cpu ${total.toFixed(2).padStart(6)}% of a core` +
      `  (self ${selfPct.toFixed(2)}%, spawned ${childPct.toFixed(2)}%)` +
      `  ${samples > 0 ? ((c1.self - c0.self + c1.children - c0.children) / samples).toFixed(2) : '-'} ms/sample` +
      `  heap Δ ${((heap1 - heap0) / 1024).toFixed(0)} KB`,
  );
  return total;
}

async function main(): Promise<void> {
  const port = await pickFreePort();
  const g = spawn(
    '/usr/bin/gunicorn',
    ['-w', '4', '-b', `127.0.0.1:${port}`, '--log-level', 'warning', 'wsgi_hello:app'],
    { cwd: path.resolve(__dirname, '../fixtures/python'), stdio: 'ignore' },
  );
  const root = g.pid!;
  try {
    const deadline = Date.now() + 20_000;
    while (childrenOf(root).length < 4 && Date.now() < deadline) await sleep(100);
    await sleep(1000);
    console.log(`sampling gunicorn -w 4 (5 pids) for ${SECONDS} s each, ${RSS_HZ} Hz RSS + ${PSS_HZ} Hz PSS`);

    const runSampler = (backend: 'procfs' | 'ps') => async () => {
      const s = new TreeSampler({ rootPid: root, rssHz: RSS_HZ, pssHz: PSS_HZ, backend });
      let n = 0;
      let procs = 0;
      s.on('sample', (x) => {
        n++;
        procs = x.processes.length;
      });
      s.start();
      await sleep(SECONDS * 1000);
      s.stop();
      if (procs !== 5) console.log(`  warning: last sample saw ${procs} processes, not 5`);
      return n;
    };

    const idle = await measure('idle: this process doing nothing', async () => {
      await sleep(SECONDS * 1000);
      return 0;
    });
    const floor = await measure('floor: /proc/<pid>/status of 5 known pids', async () => {
      const pids = [root, ...childrenOf(root)].map((p) => `/proc/${p}/status`);
      const out = new Float64Array(2);
      let n = 0;
      const timer = setInterval(() => {
        for (const p of pids) readRssPpid(p, out);
        n++;
      }, 1000 / RSS_HZ);
      await sleep(SECONDS * 1000);
      clearInterval(timer);
      return n;
    });
    const ours = await measure('TreeSampler (procfs, tree re-discovered)', runSampler('procfs'));
    const anchor = await measure('anchor: spawn ps per tick (TreeSampler ps)', runSampler('ps'));
    console.log(
      `ratio: TreeSampler ${(ours / anchor).toFixed(3)}× the ps-per-tick anchor's CPU (${(anchor / ours).toFixed(1)}× cheaper); ` +
        `net of idle: ours ${(ours - idle).toFixed(2)}%, floor ${(floor - idle).toFixed(2)}%, anchor ${(anchor - idle).toFixed(2)}% of a core`,
    );
  } finally {
    await killTree(root, { graceMs: 3000 });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
