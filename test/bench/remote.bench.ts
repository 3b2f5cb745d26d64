// The cost of a remote hunt against a local one on the same target (issue 17): the leaky
// Node fixture hunted here with --attach, and behind a real sshd (its own network namespace)
// with --host. Figures, not pass/fail:
//   time to verdict  the CLI's wall time, and the hunt time result.json records
//   leakhound CPU    user+sys of the CLI and what it waited for (ssh clients), from /usr/bin/time
//   host cost        CPU of our helper and of the sshd session processes on the host, from /proc
//   bytes            over the SSH connection (the ProxyCommand's write() total: both directions,
//                    encrypted), and the helper channel alone (counted by helper-client)
// Then --load none for WATCH seconds, with snapshots and with --safe (sampling alone): what
// watching costs the host per second.
// Run: node --import tsx test/bench/remote.bench.ts [REQUESTS] [WATCH_SECONDS]  (needs dist/: bash test/build.sh)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pickFreePort } from '../../electron/engine/proc/ports';
import { CLI, NODE_FIXTURES, tmpDir } from '../helpers/cli';
import { startOnHost, startSshd, treeOf } from '../integration/sshd-harness';

const REQUESTS = Number(process.argv[2] ?? 2400);
const WATCH_S = Number(process.argv[3] ?? 30);
const TICK_MS = 1000 / 100; // USER_HZ on Linux

function cpuMs(pid: number): number | null {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return null;
  }
}
function writeBytes(pid: number): number | null {
  try {
    return Number(/wchar: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
  } catch {
    return null;
  }
}
const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1');
  } catch {
    return '';
  }
};
const allPids = () =>
  readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);

interface Run {
  wallMs: number;
  cliCpuMs: number;
  result: {
    verdict: { kind: string; bytesPerRequest: number };
    span?: { firstRequestT: number | null; lastMeasurementT: number | null };
    target: {
      remote?: { helperCpuMs: number; bytesSent: number; bytesReceived: number; loadBytes?: number };
    };
    load?: { via?: string; requests: number; rps: number; latencyMs: { p50: number; p99: number } };
  };
  /** last value seen per pid, summed */
  helperCpuMs: number;
  sshdCpuMs: number;
  linkBytes: number;
}

async function cli(args: string[], watch: { sshdPid?: number; proxy?: string } = {}): Promise<Run> {
  const out = path.join(tmpDir('lh-bench-'), 'run');
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', '%U %S', process.execPath, CLI, ...args, '--out', out], {
    env: { ...process.env, LEAKHOUND_DATA_DIR: tmpDir(), LEAKHOUND_CACHE_DIR: tmpDir() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdout.resume();
  const helper = new Map<number, number>();
  const sshd = new Map<number, number>();
  const link = new Map<number, number>();
  const poll = setInterval(() => {
    for (const p of allPids()) {
      const c = cmdline(p);
      if (c.includes('tempfile.mkdtemp(prefix="leakhound-rh-")') && !c.startsWith('ssh\0')) {
        const v = cpuMs(p);
        if (v !== null) helper.set(p, v);
      }
      if (watch.proxy && c.includes(watch.proxy)) {
        const v = writeBytes(p);
        if (v !== null) link.set(p, v);
      }
    }
    if (watch.sshdPid)
      for (const p of treeOf(watch.sshdPid)) {
        if (!cmdline(p).startsWith('sshd')) continue;
        const v = cpuMs(p);
        if (v !== null) sshd.set(p, v);
      }
  }, 100);
  const code: number | null = await new Promise((r) => child.on('close', r));
  clearInterval(poll);
  const wallMs = performance.now() - t0;
  const [u, s] = stderr.trim().split('\n').pop()?.split(' ').map(Number) ?? [Number.NaN, Number.NaN];
  if (code !== 0) throw new Error(`leakhound ${args.join(' ')} exited ${code}: ${stderr}`);
  const sum = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  return {
    wallMs,
    cliCpuMs: (u + s) * 1000,
    result: JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')),
    helperCpuMs: sum(helper),
    sshdCpuMs: sum(sshd),
    linkBytes: sum(link),
  };
}

const kb = (b: number) => `${(b / 1024).toFixed(0)} KiB`;
function line(label: string, r: Run): string {
  const sp = r.result.span;
  const span =
    sp?.firstRequestT != null && sp.lastMeasurementT != null
      ? (sp.lastMeasurementT - sp.firstRequestT) / 1000
      : Number.NaN;
  const remote = r.result.target.remote;
  return [
    `${label}: ${r.result.verdict.kind} ${r.result.verdict.bytesPerRequest.toFixed(1)} B/${label.includes('--load none') ? 's' : 'request'}`,
    `wall ${(r.wallMs / 1000).toFixed(1)} s, hunt time ${span.toFixed(1)} s`,
    `leakhound CPU ${(r.cliCpuMs / 1000).toFixed(2)} s`,
    r.result.load?.requests
      ? `load ${r.result.load.via}: ${r.result.load.rps.toFixed(0)} req/s, p50 ${r.result.load.latencyMs.p50.toFixed(2)} ms, p99 ${r.result.load.latencyMs.p99.toFixed(2)} ms${remote?.loadBytes ? `, ${kb(remote.loadBytes)} on its channel` : ''}`
      : '',
    remote
      ? `host: helper CPU ${r.helperCpuMs.toFixed(0)} ms (result.json ${remote.helperCpuMs} ms), sshd CPU ${r.sshdCpuMs.toFixed(0)} ms; link ${kb(r.linkBytes)}, helper channel ${kb(remote.bytesSent)} sent + ${kb(remote.bytesReceived)} received`
      : '',
  ]
    .filter(Boolean)
    .join('; ');
}

async function main() {
  const sshd = await startSshd();
  const proxy = path.join(sshd.dir, 'proxy.js');
  const ssh = ['--ssh-config', sshd.config];
  const port = await pickFreePort();
  const remotePid = await startOnHost(sshd, NODE_FIXTURES, `${process.execPath} leaky-array.js`, port);
  const localPort = await pickFreePort();
  const local = spawn(process.execPath, [path.join(NODE_FIXTURES, 'leaky-array.js')], {
    env: { ...process.env, PORT: String(localPort) },
    stdio: 'ignore',
  });
  await new Promise((r) => setTimeout(r, 1000));
  const env = { HOME: sshd.home };
  Object.assign(process.env, env);
  try {
    for (let i = 1; i <= 3; i++) {
      console.log(
        line(
          `local  #${i}`,
          await cli(['run', '--attach', String(local.pid), '--requests', String(REQUESTS)]),
        ),
      );
      // through the forward, then with the requests sent from the host itself (no link in the latency)
      for (const [label, from] of [
        ['remote', []],
        ['remote --load-from host', ['--load-from', 'host']],
      ] as const) {
        const args = [
          'run',
          '--host',
          'lhtest',
          '--attach',
          String(remotePid),
          '--requests',
          String(REQUESTS),
        ];
        console.log(
          line(`${label} #${i}`, await cli([...args, ...from, ...ssh], { sshdPid: sshd.pid, proxy })),
        );
      }
    }
    // with and without heap snapshots (--safe): what sampling alone costs, and what snapshots add
    for (const safe of [[], ['--safe']]) {
      const w = await cli(
        [
          'run',
          '--host',
          'lhtest',
          '--attach',
          String(remotePid),
          '--load',
          'none',
          '--duration',
          `${WATCH_S}s`,
          ...safe,
          ...ssh,
        ],
        { sshdPid: sshd.pid, proxy },
      );
      console.log(line(`remote --load none ${WATCH_S}s ${safe.join(' ')}`, w));
      console.log(
        `  per second watched: helper ${(w.helperCpuMs / WATCH_S).toFixed(1)} ms CPU, sshd ${(w.sshdCpuMs / WATCH_S).toFixed(1)} ms CPU, link ${(w.linkBytes / WATCH_S / 1024).toFixed(1)} KiB`,
      );
    }
  } finally {
    local.kill('SIGTERM');
    try {
      process.kill(remotePid, 'SIGTERM'); // started above, by pid
    } catch {
      // gone
    }
    sshd.killAll();
  }
}

void main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
