// The ways into a running CPython, each one process at a time, none trusted blindly: the
// caller runs every method on a canary first (canary.ts) and verifies the target after.
//
// All of them end in Py_AddPendingCall(PyRun_SimpleString, code): the code runs on the main
// thread between two bytecodes, never on top of an interrupted frame. The code goes into a
// fresh anonymous page (mmap, a lock-free syscall wrapper) written by the debugger itself, not
// through a string literal: gdb and lldb allocate literals with the target's malloc, which
// deadlocks when the main thread was stopped inside malloc. The page (4 KiB) stays behind.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type InjectMethod = 'remote_exec' | 'gdb' | 'lldb';

export interface Debugger {
  method: InjectMethod;
  /** the binary that does it (gdb, lldb, or the target's own python for remote_exec) */
  path: string;
  /** its version line: a canary verdict holds for this exact tool */
  version: string;
}

export type InjectOutcome =
  | { ok: true; pauseMs: number }
  /** stage: where it went wrong. `before` means the target was never stopped. */
  | { ok: false; pauseMs: number | null; stage: 'before' | 'attach' | 'call' | 'detach'; error: string };

export interface InjectRequest {
  pid: number;
  /** the target's executable as /proc shows it (symbols are read from it before attaching) */
  exe: string;
  /** whole Python source, already wrapped so it cannot raise into the target */
  code: string;
  /** CPython lives in a libpython .so (pyenv, some distros) rather than in the executable */
  sharedLibpython: boolean;
  timeoutMs: number;
}

/** Room in the page for the code and its terminating NUL (the page is zero-filled). */
export const PAGE_BYTES = 4096;

export function findOnPath(name: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

interface RunOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

export function runTool(cmd: string, args: string[], timeoutMs: number): Promise<RunOutput> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    execFile(
      cmd,
      args,
      {
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * 1024 * 1024,
        // no network look-ups for symbols, no user init files
        env: { ...process.env, DEBUGINFOD_URLS: '', LLDB_NO_INIT: '1' },
      },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
          ms: performance.now() - t0,
          timedOut: Boolean(e?.killed),
        });
      },
    );
  });
}

async function versionOf(bin: string): Promise<string | null> {
  const r = await runTool(bin, ['--version'], 10_000);
  const line = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /\b\d+\.\d+/.test(l) && /gdb|lldb|python/i.test(l));
  return r.code === 0 || line ? (line ?? null) : null;
}

export function pythonVersionOf(exe: string): [number, number] | null {
  const m = /python(\d+)\.(\d+)/.exec(path.basename(exe));
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * The methods this machine has for `exe`, safest first: sys.remote_exec (3.14+, no ptrace
 * tricks of ours), then gdb, then lldb. `PATH` decides which gdb/lldb (tests put a failing
 * one first).
 */
export async function availableDebuggers(exe: string, envPath = process.env.PATH ?? ''): Promise<Debugger[]> {
  const out: Debugger[] = [];
  const ver = pythonVersionOf(exe);
  if (ver && (ver[0] > 3 || (ver[0] === 3 && ver[1] >= 14))) {
    out.push({ method: 'remote_exec', path: exe, version: `python ${ver.join('.')}` });
  }
  for (const [method, names] of [
    ['gdb', ['gdb']],
    ['lldb', ['lldb', 'lldb-19', 'lldb-16', 'lldb-15', 'lldb-14']],
  ] as const) {
    for (const name of names) {
      const bin = findOnPath(name, envPath);
      if (!bin) continue;
      const version = await versionOf(bin);
      if (version) {
        out.push({ method, path: bin, version });
        break;
      }
    }
  }
  return out;
}

/** Lines a debugger prints on success too; anything else on stderr is a failure. */
const BENIGN = [
  /^warning: (Unable to find libthread_db|File ".*" auto-loading has been declined|Target and debugger are in different PID namespaces|.*separate debug ?info|could not find '\.gnu_debugaltlink'|Error disabling address space randomization|Could not load shared library symbols|Loadable section .* outside of ELF segments|opening \/proc\/PID\/mem file for lwp|Unable to open file)/i,
  /^Missing separate debuginfo/i,
  // the stop location's source line, or that its source is not installed (libc6-dbg present)
  /^\d+\t/,
  /^Try: (apt|dnf|yum|zypper)/i,
  /^(To enable execution of this file|add-auto-load-safe-path|line to your configuration file|To completely disable this security protection|set auto-load safe-path|info "\(gdb\)Auto-loading)/,
  /^For more information about this security protection/,
  // Debian's lldb-14 without its Python module prints this at start-up; it needs none
  /^(Traceback \(most recent call last\):|File "<string>", line \d+, in <module>|ModuleNotFoundError: No module named 'lldb(\.embedded_interpreter)?'|ImportError: .*lldb)/,
];

export function unexpectedLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !BENIGN.some((re) => re.test(l)));
}

/** The code in a private file for the debugger to copy into the page (it must fit in it). */
async function withCodeFile(
  code: string,
  fn: (file: string) => Promise<InjectOutcome>,
): Promise<InjectOutcome> {
  const n = Buffer.byteLength(code, 'utf8');
  if (n >= PAGE_BYTES)
    return {
      ok: false,
      pauseMs: null,
      stage: 'before',
      error: `the injected code is ${n} bytes, over ${PAGE_BYTES - 1}`,
    };
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakhound-inject-'));
  const file = path.join(dir, 'code.py');
  writeFileSync(file, code, { mode: 0o600 });
  return fn(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

function notPermitted(out: string): boolean {
  return /ptrace: Operation not permitted|Could not attach to process|attach failed.*(permitted|Operation not permitted)|error: attach failed/i.test(
    out,
  );
}

function classifyFailure(out: string, attached: boolean): 'before' | 'attach' | 'call' {
  if (!attached) return notPermitted(out) || /No such process/i.test(out) ? 'before' : 'attach';
  return 'call';
}

async function injectGdb(dbg: Debugger, req: InjectRequest): Promise<InjectOutcome> {
  return withCodeFile(req.code, async (file) => {
    const r = await runTool(
      dbg.path,
      [
        '-nx',
        '-q',
        '--batch',
        '-iex',
        'set debuginfod enabled off',
        '-iex',
        'set auto-load off',
        // CPython linked into the executable (Debian, most distros): its symbols are read before
        // the attach and no library's are needed, which halves the pause (≈1.7 s → ≈0.9 s)
        ...(req.sharedLibpython ? [] : ['-iex', 'set auto-solib-add off']),
        req.exe,
        String(req.pid),
        '-ex',
        'set confirm off',
        '-ex',
        `set $lh_page = (void *) ((void *(*)(void *, unsigned long, int, int, int, long)) mmap)(0, ${PAGE_BYTES}, 3, 34, -1, 0)`,
        '-ex',
        'printf "LH_PAGE %lu\\n", (unsigned long) $lh_page',
        '-ex',
        `restore ${file} binary $lh_page`,
        '-ex',
        'printf "LH_CALL %d\\n", (int) Py_AddPendingCall((int (*)(void *)) PyRun_SimpleString, (void *) $lh_page)',
        '-ex',
        'detach',
        '-ex',
        'quit',
      ],
      req.timeoutMs,
    );
    return judge(r, /^\[Inferior \d+ \(process \d+\) detached\]/m);
  });
}

async function injectLldb(dbg: Debugger, req: InjectRequest): Promise<InjectOutcome> {
  return withCodeFile(req.code, async (file) => {
    // lldb needs function types on symbols a stripped interpreter has no debug info for, and
    // cannot pass a cast symbol as an argument: the address goes through a variable.
    const r = await runTool(
      dbg.path,
      [
        '--no-lldbinit',
        '--batch',
        '-p',
        String(req.pid),
        '-o',
        `expr -- void *$lh_page = ((void *(*)(void *, unsigned long, int, int, int, long)) mmap)(0, ${PAGE_BYTES}, 3, 34, -1, 0)`,
        '-o',
        'expr -- (unsigned long) $lh_page',
        '-o',
        `memory write -i ${file} $lh_page`,
        '-o',
        'expr -- unsigned long $lh_run = (unsigned long)(int (*)(const char *)) PyRun_SimpleString',
        '-o',
        'expr -- (int)((int (*)(void *, void *)) Py_AddPendingCall)((void *) $lh_run, $lh_page)',
        '-o',
        'detach',
      ],
      req.timeoutMs,
    );
    // lldb prints expression errors on stdout, after the echoed command
    const errs = r.stdout
      .split('\n')
      .filter((l) => /^error:/.test(l.trim()))
      .map((l) => l.trim());
    const pageLine = /\(unsigned long\) \$\d+ = (\d+)/.exec(r.stdout);
    const call = /\(int\) \$\d+ = (-?\d+)\s*$/m.exec(r.stdout);
    const normalised: RunOutput = {
      ...r,
      stdout: `${pageLine ? `LH_PAGE ${pageLine[1]}\n` : ''}${call ? `LH_CALL ${call[1]}\n` : ''}${r.stdout}`,
      stderr: [r.stderr, ...errs].join('\n'),
    };
    return judge(normalised, /^Process \d+ detached/m);
  });
}

/** Success needs every step's mark, a zero from Py_AddPendingCall, a detach, and a quiet stderr. */
function judge(r: RunOutput, detachedRe: RegExp): InjectOutcome {
  const out = `${r.stdout}\n${r.stderr}`;
  const page = /^LH_PAGE (\d+)/m.exec(r.stdout);
  const attached = page !== null || /stop reason|Attaching to process|in __GI_|^0x[0-9a-f]+ in /im.test(out);
  const pauseMs = attached ? Math.round(r.ms) : null;
  if (r.timedOut) {
    return {
      ok: false,
      pauseMs,
      stage: attached ? 'call' : 'attach',
      error: `the debugger did not finish in time and was killed (the kernel detaches it)`,
    };
  }
  const extra = unexpectedLines(r.stderr);
  if (!page || page[1] === '0' || page[1] === String(2 ** 64 - 1)) {
    const stage = classifyFailure(out, attached);
    return { ok: false, pauseMs, stage, error: extra[0] ?? lastLine(out) ?? `exited with ${r.code}` };
  }
  const call = /^LH_CALL (-?\d+)/m.exec(r.stdout);
  if (!call) return { ok: false, pauseMs, stage: 'call', error: extra[0] ?? 'the call did not return' };
  if (call[1] !== '0')
    return {
      ok: false,
      pauseMs,
      stage: 'call',
      error: `Py_AddPendingCall returned ${call[1]} (queue full?)`,
    };
  if (!detachedRe.test(out))
    return { ok: false, pauseMs, stage: 'detach', error: extra[0] ?? 'no detach confirmed' };
  // Anything else said on stderr (AMX: "Couldn't write extended state status: Bad address.")
  // means the registers may not be what they were: the process is suspect even if it lives.
  if (extra.length > 0) return { ok: false, pauseMs, stage: 'detach', error: extra[0] };
  return { ok: true, pauseMs: Math.round(r.ms) };
}

function lastLine(s: string): string | null {
  const lines = s.split('\n').filter((l) => l.trim() !== '');
  return lines.length ? lines[lines.length - 1].trim() : null;
}

async function injectRemoteExec(dbg: Debugger, req: InjectRequest): Promise<InjectOutcome> {
  // The file must outlive this call (it runs at the target's next safe point): it deletes itself.
  const file = path.join(os.tmpdir(), `leakhound-inject-${req.pid}-${Date.now()}.py`);
  writeFileSync(file, `import os as _o\n_o.unlink(${JSON.stringify(file)})\ndel _o\n${req.code}`, {
    mode: 0o644,
  });
  const r = await runTool(
    dbg.path,
    ['-I', '-c', 'import sys; sys.remote_exec(int(sys.argv[1]), sys.argv[2])', String(req.pid), file],
    req.timeoutMs,
  );
  if (r.code === 0) return { ok: true, pauseMs: Math.round(r.ms) };
  rmSync(file, { force: true });
  return { ok: false, pauseMs: null, stage: 'before', error: lastLine(r.stderr) ?? `exited with ${r.code}` };
}

export function inject(dbg: Debugger, req: InjectRequest): Promise<InjectOutcome> {
  if (dbg.method === 'gdb') return injectGdb(dbg, req);
  if (dbg.method === 'lldb') return injectLldb(dbg, req);
  return injectRemoteExec(dbg, req);
}
