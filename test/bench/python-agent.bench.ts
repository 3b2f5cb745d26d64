// What the Python agent costs its target. Figures, not pass/fail; anchors from the same run.
//   node --import tsx test/bench/python-agent.bench.ts [--seconds 4] [--objects 100000,1000000]
// 1. Throughput of gunicorn -w 2 (sync) serving leaky_flask:app `/`: without the agent (two
//    servers: the A/A pair gives the noise floor), with it idle, with a tracemalloc window open (1 frame), and while censuses run back to back.
//    Phases are interleaved and rotated each round (A B C D, B C D A, …) so machine drift hits
//    all of them alike; medians over rounds are printed.
// 2. How long a census holds one process, for N objects (agent_probe.py + N untracked dicts).
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonAgentEnv } from '../../electron/engine/python/agent-client';
import { PythonAgentSession } from '../../electron/engine/python/session';
import { FIXTURE_DIR, type Gunicorn, httpGet, PYTHON, startGunicorn } from '../fixtures/python/harness';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '3'));
const ROUNDS = Number(arg('rounds', '4'));
const OBJECTS = arg('objects', '100000,1000000').split(',').map(Number);
const CONCURRENCY = 8;

async function measure(
  port: number,
  ms: number,
): Promise<{ rps: number; p50: number; p99: number; max: number }> {
  const lat: number[] = [];
  const end = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < end && lat.length < 1_000_000) {
      const t = performance.now();
      try {
        await httpGet(port, '/', 10_000);
        lat.push(performance.now() - t);
      } catch {}
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0;
  return { rps: lat.length / secs, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? 0 };
}

async function throughput(): Promise<void> {
  const plain = await startGunicorn('leaky_flask:app', { agent: false });
  // A/A anchor: a second server without the agent shows how far two identical servers differ
  const plain2 = await startGunicorn('leaky_flask:app', { agent: false });
  const withAgent = await startGunicorn('leaky_flask:app');
  const servers: Gunicorn[] = [plain, plain2, withAgent];
  try {
    const rows: Record<string, { rps: number[]; p99: number[]; max: number[] }> = {};
    const add = (k: string, m: { rps: number; p99: number; max: number }) => {
      rows[k] ??= { rps: [], p99: [], max: [] };
      rows[k].rps.push(m.rps);
      rows[k].p99.push(m.p99);
      rows[k].max.push(m.max);
    };
    const censusStats: {
      wallMs: number;
      cpuMs: number;
      maxHoldMs: number;
      maxHoldCpuMs?: number;
      objects: number;
    }[] = [];
    for (const g of servers) await measure(g.port, 1000); // warm up
    const phases: [string, () => Promise<void>][] = [
      ['no agent', async () => add('no agent', await measure(plain.port, SECONDS * 1000))],
      [
        'no agent (A/A)',
        async () => add('no agent, 2nd server (A/A)', await measure(plain2.port, SECONDS * 1000)),
      ],
      ['agent idle', async () => add('agent idle', await measure(withAgent.port, SECONDS * 1000))],
      [
        'tracemalloc',
        async () => {
          await withAgent.session.startTracemalloc(1);
          add('agent, tracemalloc on (1 frame)', await measure(withAgent.port, SECONDS * 1000));
          await withAgent.session.stopTracemalloc();
        },
      ],
      [
        'census',
        async () => {
          let busy = true;
          const loop = (async () => {
            while (busy) {
              const c = await withAgent.session.capture('bench', { inspect: false });
              for (const p of c.processes) censusStats.push(p);
            }
          })();
          add('agent, censuses back to back', await measure(withAgent.port, SECONDS * 1000));
          busy = false;
          await loop;
        },
      ],
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < phases.length; i++) await phases[(i + round) % phases.length][1]();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const anchor = median(rows['no agent'].rps);
    console.log(
      `gunicorn -w 2 sync, leaky_flask:app GET /, ${CONCURRENCY} connections, ${SECONDS} s × ${ROUNDS} rounds (medians)`,
    );
    for (const [k, v] of Object.entries(rows)) {
      const rps = median(v.rps);
      console.log(
        `  ${k.padEnd(32)} ${rps.toFixed(0).padStart(6)} req/s  ×${(rps / anchor).toFixed(2)} of no-agent` +
          `   p99 ${Math.max(...v.p99).toFixed(1)} ms  max ${Math.max(...v.max).toFixed(0)} ms`,
      );
    }
    const w = censusStats.filter((s) => s.objects > 0);
    const avg = (f: (s: (typeof w)[0]) => number) => w.reduce((a, s) => a + f(s), 0) / w.length;
    console.log(
      `  census per process during load: ${w.length} censuses, ~${Math.round(avg((s) => s.objects))} objects, ` +
        `wall ${avg((s) => s.wallMs).toFixed(0)} ms, agent CPU ${avg((s) => s.cpuMs).toFixed(0)} ms, ` +
        `longest single hold ${Math.max(...w.map((s) => s.maxHoldMs)).toFixed(0)} ms wall / ` +
        `${Math.max(...w.map((s) => s.maxHoldCpuMs ?? 0)).toFixed(0)} ms CPU`,
    );
  } finally {
    for (const s of servers) await s.stop();
  }
}

async function holdTimes(): Promise<void> {
  console.log('census of one idle process (agent_probe.py), by object count');
  for (const n of OBJECTS) {
    const { env, socketDir } = pythonAgentEnv(mkdtempSync(join(tmpdir(), 'lh-bench-')));
    const child = spawn(PYTHON, [join(FIXTURE_DIR, 'agent_probe.py')], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const out: string[] = [];
      child.stdout.on('data', (b) => out.push(String(b)));
      const waitFor = async (re: RegExp) => {
        const end = Date.now() + 120_000;
        while (!re.test(out.join('')) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      };
      await waitFor(/ready/);
      child.stdin.write(`alloc ${n}\n`);
      await waitFor(/ok \d+/);
      const s = new PythonAgentSession(socketDir);
      const cp = (await s.checkpoint())[0];
      const first = (await s.capture('first')).processes[0];
      child.stdin.write('alloc 1000\n'); // something to inspect in the second census
      const second = (await s.capture('second')).processes[0];
      console.log(
        `  ${String(first.objects).padStart(8)} objects (${first.untrackedObjects} untracked): ` +
          `census wall ${first.wallMs.toFixed(0)} ms, CPU ${first.cpuMs.toFixed(0)} ms, longest hold ` +
          `${first.maxHoldMs.toFixed(0)} ms (${(first.maxHoldCpuMs ?? 0).toFixed(0)} ms CPU); ` +
          `with referrer chains ${second.wallMs.toFixed(0)} ms; checkpoint ${cp.wallMs.toFixed(0)} ms; ` +
          `bytes/block ${first.bytesPerBlock}`,
      );
    } finally {
      child.kill('SIGKILL');
    }
  }
}

(async () => {
  await holdTimes();
  await throughput();
})().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
