// Runs a Python snippet inside a running CPython process we did not start, as memray attach
// and pyrasite do (debuggers.ts has the methods). This file holds the checks made before any
// of them touches the process, and the plain one-process injection; attach-python.ts adds the
// canary and the verification that a hunt always uses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { descendants, exeError, exePath, isAlive, readStatus } from '../proc/procfs';
import { detectRuntime } from '../proc/runtime';
import { availableDebuggers, type Debugger, type InjectMethod, inject } from './debuggers';
import { wrapSnippet } from './snippet';

export interface InjectOptions {
  /** gdb binary (default: the first of gdb, lldb on PATH) */
  gdbPath?: string;
  /** give up on the debugger after this long (default 30 s) */
  timeoutMs?: number;
}

export interface InjectResult {
  /** how long the target was stopped (debugger attached → detached; an upper bound) */
  pauseMs: number;
  method: InjectMethod;
}

function ptraceScope(): number | null {
  try {
    return Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim());
  } catch {
    return null;
  }
}

/** Everything that can be known without touching the process; throws a UserError naming the fix. */
export function checkTarget(pid: number): { exe: string } {
  if (!Number.isInteger(pid) || pid <= 0)
    throw new UserError(`invalid pid ${pid}: give a positive process id`);
  if (process.platform !== 'linux') {
    throw new UserError(
      'attaching to a running Python process needs Linux (gdb + /proc); restart it under leakhound instead',
    );
  }
  if (!isAlive(pid)) throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
  const exe = exePath(pid);
  if (exe === null && exeError(pid) === 'denied') {
    throw new UserError(
      `not permitted to inspect pid ${pid} (another user's process): run leakhound as that user or as root`,
    );
  }
  if (detectRuntime(pid) !== 'python') {
    throw new UserError(
      `pid ${pid} is ${path.basename(exe ?? '?')}, not a Python interpreter: cannot inject the agent`,
    );
  }
  const st = readStatus(pid);
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0 && st && st.uid !== uid) {
    throw new UserError(
      `not permitted to attach to pid ${pid} (owned by uid ${st.uid}, we are uid ${uid}): run leakhound as that user or as root`,
    );
  }
  const scope = ptraceScope();
  if (scope === 3) {
    throw new UserError(
      'ptrace is disabled on this machine (kernel.yama.ptrace_scope=3): attach is not possible',
    );
  }
  if (scope !== null && scope >= 1 && uid !== 0) {
    throw new UserError(
      `ptrace is restricted (kernel.yama.ptrace_scope=${scope}): run leakhound as root, grant it CAP_SYS_PTRACE, or set the sysctl to 0`,
    );
  }
  const tracer = /^TracerPid:\s*(\d+)/m.exec(readFileSyncSafe(`/proc/${pid}/status`));
  if (tracer && tracer[1] !== '0') {
    throw new UserError(
      `pid ${pid} is already being traced by pid ${tracer[1]} (a debugger?): detach it first`,
    );
  }
  return { exe: exe ?? '' };
}

function readFileSyncSafe(p: string): string {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return '';
  }
}

/** CPython in a libpython .so (pyenv builds): the debugger must load that library's symbols. */
export function mapsLibpython(pid: number): boolean {
  return /\/libpython\d[\d.]*[a-z]*\.so/.test(readFileSyncSafe(`/proc/${pid}/maps`));
}

/**
 * Queues `code` to run on the main thread of Python process `pid`, with no canary: the
 * mechanism alone (tests, and attach-python.ts once a canary has passed).
 */
export async function injectPython(
  pid: number,
  code: string,
  opts: InjectOptions = {},
  dbg?: Debugger,
): Promise<InjectResult> {
  const { exe } = checkTarget(pid);
  const chosen = dbg ?? (await pickDebugger(exe, opts.gdbPath));
  const r = await inject(chosen, {
    pid,
    exe: `/proc/${pid}/exe`,
    code: wrapSnippet(code),
    sharedLibpython: mapsLibpython(pid),
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
  if (r.ok) return { pauseMs: r.pauseMs, method: chosen.method };
  if (/Operation not permitted|not permitted/i.test(r.error))
    throw new UserError(
      `ptrace is not permitted on pid ${pid}: run leakhound as root or grant it CAP_SYS_PTRACE (containers: --cap-add=SYS_PTRACE)`,
    );
  if (/No such process/i.test(r.error)) throw new UserError(`pid ${pid} exited while attaching`);
  throw new Error(`${chosen.method} could not queue the call in pid ${pid} (${r.stage}): ${r.error}`);
}

async function pickDebugger(exe: string, gdbPath?: string): Promise<Debugger> {
  if (gdbPath) return { method: 'gdb', path: gdbPath, version: 'gdb (given)' };
  const found = await availableDebuggers(exe);
  if (found.length === 0)
    throw new UserError(
      'gdb is not installed, nor lldb: one of them is needed to attach to a running Python (apt install lldb)',
    );
  return found[0];
}

/** Injects into a master and each of its workers (gunicorn, uvicorn --workers …). */
export async function injectPythonTree(
  rootPid: number,
  code: string,
  opts: InjectOptions = {},
): Promise<{ pid: number; pauseMs: number }[]> {
  const out: { pid: number; pauseMs: number }[] = [];
  for (const pid of [rootPid, ...descendants(rootPid)]) {
    if (pid !== rootPid && detectRuntime(pid) !== 'python') continue;
    const r = await injectPython(pid, code, opts);
    out.push({ pid, pauseMs: r.pauseMs });
  }
  return out;
}
