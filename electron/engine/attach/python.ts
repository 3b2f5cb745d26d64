// Runs a Python snippet inside a running CPython process we did not start, as memray attach
// and pyrasite do: gdb in batch mode queues it with Py_AddPendingCall, so it runs on the
// main thread between two bytecodes (not on top of an interrupted frame). The target is
// frozen while gdb is attached (0.1–2.4 s measured); a gunicorn worker blocked in accept()
// only runs the queued call when its next request arrives. Python ≥ 3.14 has
// sys.remote_exec, which needs no gdb.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import { descendants, exeError, exePath, isAlive, readStatus } from '../proc/procfs';
import { detectRuntime } from '../proc/runtime';

export interface InjectOptions {
  /** gdb binary (default: `gdb` on PATH) */
  gdbPath?: string;
  /** give up on gdb after this long (default 30 s) */
  timeoutMs?: number;
}

export interface InjectResult {
  /** how long the target was stopped (gdb attached → detached; an upper bound) */
  pauseMs: number;
  method: 'gdb' | 'remote_exec';
}

function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

/**
 * The snippet wrapped so that it can never raise into the target: an exception escaping a
 * pending call would surface as a SystemError inside whatever request the target was
 * serving. Base64 keeps quoting out of the way; its own globals keep __main__ clean.
 */
export function wrapSnippet(code: string): string {
  const b64 = Buffer.from(code, 'utf8').toString('base64');
  return (
    'try:\n' +
    ` exec(compile(__import__('base64').b64decode('${b64}').decode('utf-8'),'<leakhound-inject>','exec'),{'__name__':'__leakhound_inject__','__builtins__':__builtins__})\n` +
    'except BaseException:\n' +
    " __import__('traceback').print_exc()\n"
  );
}

/** A C string literal for gdb's expression parser. */
export function gdbString(s: string): string {
  let out = '"';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch < ' ' || ch > '~') {
      for (const b of Buffer.from(ch, 'utf8')) out += `\\${b.toString(8).padStart(3, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

function ptraceScope(): number | null {
  try {
    return Number(readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim());
  } catch {
    return null;
  }
}

function pythonVersionOf(exe: string): [number, number] | null {
  const m = /python(\d+)\.(\d+)/.exec(path.basename(exe));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

function checkTarget(pid: number): { exe: string } {
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

function mapsLibpython(pid: number): boolean {
  return /\/libpython\d[\d.]*[a-z]*\.so/.test(readFileSyncSafe(`/proc/${pid}/maps`));
}

function readFileSyncSafe(p: string): string {
  try {
    return readFileSync(p, 'latin1');
  } catch {
    return '';
  }
}

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, DEBUGINFOD_URLS: '' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr), ms: performance.now() - t0 });
      },
    );
  });
}

async function injectWithRemoteExec(
  pid: number,
  exe: string,
  code: string,
  timeoutMs: number,
): Promise<InjectResult> {
  // The script file must outlive this call (it runs at the target's next safe point), so
  // the script deletes itself first thing.
  const file = path.join(os.tmpdir(), `leakhound-inject-${pid}-${Date.now()}.py`);
  writeFileSync(file, `import os as _o\n_o.unlink(${JSON.stringify(file)})\ndel _o\n${wrapSnippet(code)}`, {
    mode: 0o644,
  });
  const r = await run(
    exe,
    ['-c', 'import sys; sys.remote_exec(int(sys.argv[1]), sys.argv[2])', String(pid), file],
    timeoutMs,
  );
  if (r.code !== 0) {
    throw new UserError(`sys.remote_exec into pid ${pid} failed: ${lastLine(r.stderr) || 'unknown error'}`);
  }
  return { pauseMs: Math.round(r.ms), method: 'remote_exec' };
}

function lastLine(s: string): string {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1]?.trim() ?? '';
}

/** Queues `code` to run on the main thread of Python process `pid`. */
export async function injectPython(
  pid: number,
  code: string,
  opts: InjectOptions = {},
): Promise<InjectResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const { exe } = checkTarget(pid);
  const ver = pythonVersionOf(exe);
  if (ver && (ver[0] > 3 || (ver[0] === 3 && ver[1] >= 14)))
    return injectWithRemoteExec(pid, exe, code, timeoutMs);

  const gdb = opts.gdbPath ?? findOnPath('gdb');
  if (!gdb) {
    throw new UserError(
      'gdb is not installed, and it is needed to attach to a running Python (apt install gdb)',
    );
  }
  const call = `call (int) Py_AddPendingCall((int (*)(void *)) PyRun_SimpleString, (void *) ${gdbString(wrapSnippet(code))})`;
  // The target is stopped from attach to detach, and most of that is gdb reading symbols.
  // Naming the executable up front reads its symbols before the attach; when CPython is
  // linked into it (Debian, most distros) no shared library's symbols are needed at all,
  // which halves the pause (≈1.7 s → ≈0.9 s measured here). A libpython.so build needs
  // that library's symbols, so it keeps gdb's default.
  const inExe = !mapsLibpython(pid);
  const r = await run(
    gdb,
    [
      '-nx',
      '-q',
      '--batch',
      '-iex',
      'set debuginfod enabled off',
      '-iex',
      'set auto-load off',
      ...(inExe ? ['-iex', 'set auto-solib-add off'] : []),
      `/proc/${pid}/exe`,
      String(pid),
      '-ex',
      'set confirm off',
      '-ex',
      call,
      '-ex',
      'detach',
      '-ex',
      'quit',
    ],
    timeoutMs,
  );
  const out = `${r.stdout}\n${r.stderr}`;
  if (/ptrace: Operation not permitted|Could not attach to process/i.test(out)) {
    throw new UserError(
      `ptrace is not permitted on pid ${pid}: run leakhound as root or grant it CAP_SYS_PTRACE (containers: --cap-add=SYS_PTRACE)`,
    );
  }
  if (/No such process/i.test(out)) throw new UserError(`pid ${pid} exited while attaching`);
  if (/No symbol "(Py_AddPendingCall|PyRun_SimpleString)"/.test(out)) {
    throw new UserError(
      `pid ${pid}'s Python does not export Py_AddPendingCall/PyRun_SimpleString (unknown or static build): cannot inject; restart it under leakhound instead`,
    );
  }
  const m = /\$\d+ = (-?\d+)/.exec(r.stdout);
  if (!m) {
    throw new Error(
      `gdb could not queue the call in pid ${pid}: ${lastLine(out) || `gdb exited with ${r.code}`}`,
    );
  }
  if (m[1] !== '0')
    throw new Error(`Py_AddPendingCall in pid ${pid} returned ${m[1]} (pending-call queue full?)`);
  return { pauseMs: Math.round(r.ms), method: 'gdb' };
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
