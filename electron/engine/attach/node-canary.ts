// The SIGUSR1 canary: a throwaway idle script run by the target's own executable takes the
// very signal the target would get, must open its inspector, answer on it, close it again
// and still be running, free and unstopped. Only then is the target signalled. Its event
// loop notes every stall, so the pause the signal causes is measured, not assumed.
import { spawn } from 'node:child_process';
import { CdpClient } from '../cdp';
import { otherMountns } from '../proc/namespaces';
import { listeningPortsSync } from '../proc/ports';
import { exePath } from '../proc/procfs';
import { CLOSE_EXPRESSION, sigusr1Handling } from './node';
import { identify, verifyProcess } from './verify';

export interface NodeCanaryOutcome {
  ok: boolean;
  /** the longest event-loop stall after the signal, in ms */
  pauseMs: number | null;
  /** signal → inspector listening, in ms */
  openMs: number | null;
  error?: string;
}

// Ticks every 5 ms and keeps the stalls (> 1 ms late) with their wall-clock time.
const CANARY_SCRIPT = `
let last = Date.now();
globalThis.__lhStalls = [];
setInterval(() => {
  const n = Date.now(), late = n - last - 5;
  if (late > 1 && __lhStalls.length < 1000) __lhStalls.push([n, late]);
  last = n;
}, 5);
process.stdin.on('end', () => process.exit(0)).resume();
process.stdout.write('ready ' + process.pid + '\\n');
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}

/** Runs the SIGUSR1 canary for the executable of pid (inside its mount namespace, if other). */
export async function runNodeCanary(pid: number, timeoutMs = 10_000): Promise<NodeCanaryOutcome> {
  const argv = ['--inspect-port=127.0.0.1:0', '-e', CANARY_SCRIPT];
  const env = { ...process.env, NODE_OPTIONS: '' } as Record<string, string>;
  const inner = exePath(pid);
  // a container's node needs its own libraries: run it where its files are
  const child =
    otherMountns(pid) && inner
      ? spawn('nsenter', [`--mount=/proc/${pid}/ns/mnt`, '--', inner, ...argv], { env, stdio: 'pipe' })
      : spawn(`/proc/${pid}/exe`, argv, { env, stdio: 'pipe', argv0: inner ?? 'node' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout = (stdout + d).slice(-4096);
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4096);
  });
  child.stdin.on('error', () => {});
  child.on('error', () => {});
  const gone = () => child.exitCode !== null || child.signalCode !== null;
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const fail = (error: string, openMs: number | null = null): NodeCanaryOutcome => ({
    ok: false,
    pauseMs: null,
    openMs,
    error,
  });
  const died = () =>
    `the canary died${child.signalCode ? ` of ${child.signalCode}` : child.exitCode !== null ? ` (exit code ${child.exitCode})` : ''}`;
  let client: CdpClient | null = null;
  try {
    const ready = await until(() => /^ready \d+/m.test(stdout) || gone(), timeoutMs);
    if (!ready || gone() || child.pid === undefined) {
      const last = stderr.trim().split('\n').pop() || 'no output';
      return fail(`the target's executable did not run a Node script (${last.slice(0, 160)})`);
    }
    const id = identify(child.pid);
    if (!id) return fail('the canary vanished before the signal');
    const handling = sigusr1Handling(child.pid);
    if (handling !== 'caught') return fail(`the canary does not catch SIGUSR1 (${handling})`);
    const t0 = Date.now();
    child.kill('SIGUSR1');
    const listening = () => /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
    await until(() => listening() !== undefined || gone(), timeoutMs);
    const openMs = Date.now() - t0;
    await sleep(50);
    if (gone()) return fail(`${died()} of SIGUSR1`, null);
    const ws = listening();
    if (!ws) return fail(`the canary did not open its inspector within ${timeoutMs} ms of SIGUSR1`);
    client = await CdpClient.connect(ws, { timeoutMs: 5000 });
    const r = await client.send<{ result?: { value?: unknown } }>(
      'Runtime.evaluate',
      {
        expression: `JSON.stringify([process.pid, __lhStalls.filter((s) => s[0] >= ${t0})])`,
        returnByValue: true,
      },
      { timeoutMs: 5000 },
    );
    const [seenPid, stalls] = JSON.parse(String(r.result?.value ?? '[0,[]]')) as [number, [number, number][]];
    if (seenPid !== child.pid) return fail(`the canary's inspector answered for pid ${seenPid}`, openMs);
    const pauseMs = stalls.reduce((m, s) => Math.max(m, s[1]), 0);
    await client.send(
      'Runtime.evaluate',
      { expression: CLOSE_EXPRESSION, includeCommandLineAPI: true },
      { timeoutMs: 3000 },
    );
    await client.close();
    client = null;
    const port = Number(new URL(ws).port);
    const closed = await until(() => !portListening(child.pid as number, port) || gone(), 3000);
    if (gone()) return fail(`${died()} when its inspector was closed`, openMs);
    if (!closed) return fail('the canary kept its inspector open after close()', openMs);
    const check = verifyProcess(id);
    if (!check.verified) return fail(`the canary is not well after the signal: ${check.problem}`, openMs);
    return { ok: true, pauseMs, openMs };
  } catch (e) {
    return fail(`the canary's inspector did not answer: ${(e as Error).message}`);
  } finally {
    await client?.close().catch(() => {});
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

const portListening = (pid: number, port: number): boolean => listeningPortsSync(pid).includes(port);
