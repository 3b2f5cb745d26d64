// A throwaway interpreter started from the target's own executable, idle in select() as a
// gunicorn master is, which takes the very injection the target would get. It must then
// live, answer on stdin, have no stop signal pending, and serve the agent on its socket.
// Only then is the target touched. Measured: gdb on an AMX host leaves select() returning
// ERESTARTNOHAND (errno 514) to Python, which kills a gunicorn master: the canary's loop
// dies of the same error, so the method is refused before it can harm anything.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { agentBootstrapCode, agentRequest, socketName } from '../python/agent-client';
import type { AttachDirs } from './attach-dirs';
import { type Debugger, type InjectOutcome, inject } from './debuggers';
import { wrapSnippet } from './snippet';
import { identify, verifyProcess } from './verify';

// Signal handlers as gunicorn's arbiter installs them, a thread as gthread workers have, and
// the main thread parked in select() with a timeout: the state the debugger interrupts.
const CANARY_SCRIPT = `
import os, select, signal, sys, threading, time
r, w = os.pipe()
for s in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU, signal.SIGWINCH):
    signal.signal(s, lambda *a: os.write(w, b'.'))
threading.Thread(target=lambda: [time.sleep(0.2) for _ in iter(int, 1)], daemon=True).start()
sys.stdout.write('ready %d\\n' % os.getpid()); sys.stdout.flush()
while True:
    try:
        ready, _, _ = select.select([sys.stdin, r], [], [], 1.0)
    except OSError as e:
        sys.stderr.write('canary-died errno %s: %s\\n' % (e.errno, e)); sys.stderr.flush()
        os._exit(3)
    if r in ready:
        os.read(r, 512)
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line:
            os._exit(0)
        sys.stdout.write('pong ' + line); sys.stdout.flush()
`;

export interface CanaryOutcome {
  ok: boolean;
  pauseMs: number | null;
  error?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `dbg`'s injection of the agent on a canary from `exe` (the path as the target sees it),
 * where the target's files are (inside its container, if it has one); touches nothing else.
 */
export async function runCanary(
  exe: string,
  dbg: Debugger,
  opts: { dirs: AttachDirs; sharedLibpython: boolean; timeoutMs: number },
): Promise<CanaryOutcome> {
  const [inner, dir] = opts.dirs.privateSub('canary');
  const argv = [exe, '-I', '-c', CANARY_SCRIPT];
  const ns = opts.dirs.nsenterPid;
  // nsenter without --pid does not fork: the child is the canary itself
  const child = ns
    ? spawn('nsenter', [`--mount=/proc/${ns}/ns/mnt`, '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d.slice(0, 4096);
  });
  child.stdin.on('error', () => {});
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const fail = (error: string, pauseMs: number | null = null): CanaryOutcome => ({
    ok: false,
    pauseMs,
    error,
  });
  const died = () => {
    const why = /canary-died (.*)/.exec(stderr)?.[1];
    return `the canary died after the injection${why ? ` (${why.trim()})` : child.signalCode ? ` (${child.signalCode})` : ''}`;
  };
  try {
    const ready = await waitFor(
      () => /^ready \d+/m.test(stdout),
      10_000,
      () => child.exitCode !== null,
    );
    if (!ready || child.pid === undefined)
      return fail(`the canary ${exe} did not start: ${stderr.trim().split('\n').pop() ?? 'no output'}`);
    const id = identify(child.pid);
    if (!id) return fail('the canary vanished before the injection');
    const outcome: InjectOutcome = await inject(dbg, {
      pid: child.pid,
      exe: `/proc/${child.pid}/exe`,
      code: wrapSnippet(agentBootstrapCode(opts.dirs.agentDir, inner)),
      sharedLibpython: opts.sharedLibpython,
      timeoutMs: opts.timeoutMs,
    });
    if (!outcome.ok) {
      await sleep(300);
      return fail(
        `${outcome.error}${child.exitCode !== null || child.signalCode ? `; ${died()}` : ''}`,
        outcome.pauseMs,
      );
    }
    // The pending call runs when select() next returns (≤ 1 s); the agent then answers.
    const sock = path.join(dir, socketName(child.pid));
    const answered = await waitFor(
      async () => {
        if (!existsSync(sock)) return false;
        const info = await agentRequest<{ pid: number }>(sock, 'ping', {}, 1000).catch(() => null);
        return info?.pid === child.pid;
      },
      5000,
      () => child.exitCode !== null || child.signalCode !== null,
    );
    if (child.exitCode !== null || child.signalCode !== null) return fail(died(), outcome.pauseMs);
    if (!answered) return fail('the agent did not start in the canary within 5 s', outcome.pauseMs);
    const before = stdout.length;
    child.stdin.write('ping\n');
    const ponged = await waitFor(
      () => stdout.slice(before).includes('pong ping'),
      3000,
      () => child.exitCode !== null,
    );
    if (!ponged)
      return fail(child.exitCode !== null ? died() : 'the canary stopped answering', outcome.pauseMs);
    const check = verifyProcess(id);
    if (!check.verified) return fail(`the canary is not well: ${check.problem}`, outcome.pauseMs);
    return { ok: true, pauseMs: outcome.pauseMs };
  } finally {
    child.kill('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  abort: () => boolean,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    if (abort()) return false;
    await sleep(50);
  }
  return cond();
}
