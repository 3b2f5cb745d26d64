// Loads the agent into a running Python target the safe way: an agent already waiting in it
// (dormant) needs no ptrace at all; otherwise each way in is first tried on a canary from the
// target's executable, the first that passes is used, one process at a time, and every
// process is checked after its step. Any failure stops there, leaves the target to run as it
// was, and the hunt goes on with memory curves only, saying why in one line.
import type { AttachInfo } from '../../../shared/result';
import { descendants, exePath } from '../proc/procfs';
import { detectRuntime } from '../proc/runtime';
import { agentBootstrapCode } from '../python/agent-client';
import { type AttachDirs, prepareAttachDirs } from './attach-dirs';
import { runCanary } from './canary';
import { canaryKey, readCanary, writeCanary } from './canary-cache';
import { availableDebuggers, type Debugger, inject } from './debuggers';
import { findDormantAgent, treePidResolver } from './dormant';
import { checkTarget, mapsLibpython } from './python';
import { wrapSnippet } from './snippet';
import { answersHttp, identify, verifyProcess } from './verify';

export interface PythonAttachOptions {
  runDir: string;
  /** a URL of the target, asked once after the attach to show it still serves */
  url: string | null;
  log: (level: 'info' | 'warn', message: string) => void;
  timeoutMs?: number;
  /** where gdb/lldb are looked for (tests put failing ones first) */
  envPath?: string;
}

export interface PythonAttach {
  /** the socket dir to talk to the agents in (as we reach it); null: memory curves only */
  socketDir: string | null;
  /** socket pid (the target's own pid namespace) → host pid, null for processes not of the target */
  resolvePid: (socketPid: number) => number | null;
  /** agents that may have started in the target and must be shut down at the end, even with no heap detail */
  cleanupSocketDir: string | null;
  /** our folder in the target's /tmp, removed at the end */
  dirs: AttachDirs | null;
  info: AttachInfo;
}

export const RESTART_HINT =
  'or restart the server once with the dormant agent (eval "$(leakhound agent --print-env)"), after which attaching needs no debugger';

export async function attachPython(pid: number, opts: PythonAttachOptions): Promise<PythonAttach> {
  const { exe } = checkTarget(pid); // not permitted, not Python, … are the user's to fix: thrown
  const pids = [pid, ...descendants(pid).filter((p) => detectRuntime(p) === 'python')];
  const role = (p: number) => (pids.length === 1 ? 'process' : p === pid ? 'master' : 'worker');
  const serving = async () => (opts.url ? answersHttp(opts.url, 5000) : null);

  const resolvePid = treePidResolver(pid);
  const dormant = await findDormantAgent(pid);
  if (dormant) {
    opts.log('info', `pid ${pid} already runs leakhound's dormant agent: no debugger needed`);
    const processes = pids.map((p) => {
      const id = identify(p);
      const v = id ? verifyProcess(id) : { verified: false, problem: `pid ${p} is gone` };
      return { pid: p, role: role(p), pauseMs: 0, ...v } as const;
    });
    const up = await serving();
    return {
      socketDir: dormant,
      resolvePid,
      cleanupSocketDir: null,
      dirs: null,
      info: {
        method: 'dormant',
        canary: [],
        processes,
        serving: up,
        verified: up !== false && processes.every((p) => p.verified),
      },
    };
  }

  const memoryOnly = (why: string, canary: AttachInfo['canary'], processes: AttachInfo['processes'] = []) =>
    serving().then(
      (up): PythonAttach => ({
        socketDir: null,
        resolvePid,
        cleanupSocketDir: null,
        dirs: null,
        info: {
          method: 'none',
          canary,
          processes,
          serving: up,
          verified: up !== false && processes.every((p) => p.verified),
          fallback: why,
        },
      }),
    );

  const debuggers = await availableDebuggers(exe, opts.envPath);
  if (debuggers.length === 0)
    return memoryOnly(
      `no debugger to load the agent with: memory curves only; install lldb or gdb (apt install lldb), ${RESTART_HINT}`,
      [],
    );

  const dirs = prepareAttachDirs(pid, opts.runDir);
  const inExe = exePath(pid) ?? exe; // the path as the target sees it (inside its container)
  const sharedLibpython = mapsLibpython(pid);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const tries: AttachInfo['canary'] = [];
  let chosen: { dbg: Debugger; key: string } | null = null;
  for (const dbg of debuggers) {
    const key = canaryKey(inExe, dbg.method, dbg.version, `/proc/${pid}/exe`);
    const cached = readCanary(key);
    const result = cached ?? (await runCanary(inExe, dbg, { dirs, sharedLibpython, timeoutMs }));
    if (!cached) writeCanary(key, { ...result, at: new Date().toISOString() });
    tries.push({
      method: dbg.method,
      ok: result.ok,
      pauseMs: result.pauseMs,
      cached: cached !== null,
      ...(result.error ? { error: result.error } : {}),
    });
    opts.log(
      result.ok ? 'info' : 'warn',
      `canary for ${dbg.method} (${dbg.version}) on ${exe}: ${result.ok ? `passed, paused ${result.pauseMs} ms` : `refused: ${result.error}`}${cached ? ` (cached ${cached.at})` : ''}`,
    );
    if (result.ok) {
      chosen = { dbg, key };
      break;
    }
  }
  if (!chosen) {
    dirs.remove();
    const why = tries.map((t) => `${t.method}: ${t.error}`).join('; ');
    const lldbMissing = !debuggers.some((d) => d.method === 'lldb');
    return memoryOnly(
      `no way in passed its canary (${why}): pid ${pid} was not touched; memory curves only; ${lldbMissing ? 'install lldb (apt install lldb), ' : ''}${RESTART_HINT}`,
      tries,
    );
  }

  opts.log(
    'info',
    `loading the agent into pid ${pid}${pids.length > 1 ? ` and its ${pids.length - 1} workers` : ''} with ${chosen.dbg.method}: each process pauses while the debugger is attached (its canary: ${tries[tries.length - 1].pauseMs} ms); workers load it on their next request`,
  );
  const code = wrapSnippet(agentBootstrapCode(dirs.agentDir, dirs.socketDir));
  const socketDir = dirs.host(dirs.socketDir);
  const processes: AttachInfo['processes'] = [];
  for (const p of pids) {
    const id = identify(p);
    if (!id) continue; // a worker recycled meanwhile: its replacement inherits the master's agent
    const r = await inject(chosen.dbg, { pid: p, exe: `/proc/${p}/exe`, code, sharedLibpython, timeoutMs });
    const v = verifyProcess(id);
    const problem = !r.ok ? `${chosen.dbg.method} failed (${r.stage}): ${r.error}` : v.problem;
    processes.push({
      pid: p,
      role: role(p),
      pauseMs: r.pauseMs,
      verified: v.verified,
      ...(problem ? { problem } : {}),
    });
    if (r.ok && v.verified) continue;
    // The canary passed but the target did not take it: never use this method on this
    // executable again, and touch nothing more.
    writeCanary(chosen.key, {
      ok: false,
      pauseMs: r.pauseMs,
      error: `failed on pid ${p}: ${problem}`,
      at: new Date().toISOString(),
    });
    const fallback = await memoryOnly(
      `${chosen.dbg.method} failed on pid ${p} although its canary passed (${problem}): leakhound stopped there and will not use ${chosen.dbg.method} on ${exe} again; memory curves only; ${RESTART_HINT}`,
      tries,
      processes,
    );
    // agents already loaded into earlier processes are shut down at the end of the hunt
    return { ...fallback, cleanupSocketDir: socketDir, dirs };
  }
  const up = await serving();
  return {
    socketDir,
    resolvePid,
    cleanupSocketDir: socketDir,
    dirs,
    info: {
      method: chosen.dbg.method,
      canary: tries,
      processes,
      serving: up,
      verified: up !== false && processes.every((p) => p.verified),
    },
  };
}
