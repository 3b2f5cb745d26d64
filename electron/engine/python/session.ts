// Drives every Python process of one target through its agent socket: the gunicorn master
// and each worker, including workers that restart under new pids. Never throws because a
// worker died: dead processes are reported and their stale sockets removed.
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentError, agentRequest, SOCKET_RE, socketName } from './agent-client';
import type { PyCapture, PyCensus, PyCheckpoint, PyProcessInfo, PyTracemalloc } from './types';

// One import for the orchestrator.
export { agentBootstrapCode, agentRequest, preparePythonAgent, pythonAgentEnv } from './agent-client';
export { detectPythonRuntime } from './detect';
export type { PyCapture, PyCensus, PyCheckpoint, PyProcessInfo } from './types';

export interface PythonSessionTimeouts {
  pingMs: number;
  checkpointMs: number;
  /** census of a big heap walks ~1M objects per 1-3 s */
  censusMs: number;
  referrersMs: number;
}

const DEFAULT_TIMEOUTS: PythonSessionTimeouts = {
  pingMs: 3000,
  checkpointMs: 15_000,
  censusMs: 180_000,
  referrersMs: 60_000,
};

export interface CaptureOptions {
  /** include a tracemalloc snapshot (only from processes where startTracemalloc is on) */
  tracemalloc?: boolean;
  /** referrer chains + allocation sites for the types grown since each process's first census (default true) */
  inspect?: boolean;
  /** how many grown types to inspect per process */
  top?: number;
  /** show string dict keys in referrer chains (default false: `[<str>]`) */
  revealStrings?: boolean;
  /** requests completed when the capture starts, recorded in the capture */
  atRequests?: number;
}

/**
 * How a session reaches the agents' sockets: on this machine by default; a remote host's
 * through the SSH helper (remote/python.ts). Errors are AgentErrors either way.
 */
export interface AgentTransport {
  list(dir: string): Promise<string[]>;
  request<T>(socketPath: string, cmd: string, args: Record<string, unknown>, timeoutMs: number): Promise<T>;
  isAlive(pid: number): Promise<boolean>;
  unlink(socketPath: string): Promise<void>;
}

export const localAgentTransport: AgentTransport = {
  list: (dir) => readdir(dir),
  request: (socketPath, cmd, args, timeoutMs) => agentRequest(socketPath, cmd, args, timeoutMs),
  isAlive: async (pid) => isAlive(pid),
  unlink: (socketPath) => unlink(socketPath),
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class PythonAgentSession {
  private closed = false;
  private readonly timeouts: PythonSessionTimeouts;
  /** pids whose socket was found but whose process was gone, over the session's life */
  readonly deadPids = new Set<number>();
  /** processes alive but not answering at the last checkpoint() */
  lastErrors: { pid: number; error: string }[] = [];
  /** last ping answer per pid */
  readonly info = new Map<number, PyProcessInfo>();

  /** host pid → socket path, for sockets named after another pid (a container's) */
  private readonly paths = new Map<number, string>();

  /**
   * `resolvePid` maps the pid in a socket's name to the host's pid of that process, or null
   * when the process is not part of the target: a dormant agents' folder is shared by every
   * Python process of a user, and a container's agents name themselves by its own pids.
   */
  constructor(
    readonly socketDir: string,
    timeouts: Partial<PythonSessionTimeouts> = {},
    private readonly resolvePid: ((socketPid: number) => number | null) | null = null,
    private readonly transport: AgentTransport = localAgentTransport,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
  }

  private path(pid: number): string {
    return this.paths.get(pid) ?? join(this.socketDir, socketName(pid));
  }

  private async socketPids(): Promise<number[]> {
    let names: string[];
    try {
      names = await this.transport.list(this.socketDir);
    } catch {
      return [];
    }
    const pids: number[] = [];
    for (const n of names) {
      const m = SOCKET_RE.exec(n);
      if (!m) continue;
      const pid = this.resolvePid ? this.resolvePid(Number(m[1])) : Number(m[1]);
      if (pid === null) continue;
      if (this.resolvePid) this.paths.set(pid, join(this.socketDir, n));
      pids.push(pid);
    }
    return pids.sort((a, b) => a - b);
  }

  /** A socket that refuses and whose pid is gone belongs to a dead process: remove it. */
  private async reap(pid: number, err: unknown): Promise<boolean> {
    const code = err instanceof AgentError ? err.code : '';
    if ((code === 'ECONNREFUSED' || code === 'ENOENT') && !(await this.transport.isAlive(pid))) {
      this.deadPids.add(pid);
      this.info.delete(pid);
      await this.transport.unlink(this.path(pid)).catch(() => {});
      return true;
    }
    return false;
  }

  /** Processes whose agent answers a ping now; stale sockets are cleaned on the way. */
  async processes(): Promise<PyProcessInfo[]> {
    const pids = await this.socketPids();
    const answers = await Promise.all(
      pids.map(async (pid) => {
        try {
          const info = {
            ...(await this.transport.request<PyProcessInfo>(
              this.path(pid),
              'ping',
              {},
              this.timeouts.pingMs,
            )),
            pid,
          };
          this.info.set(pid, info);
          return info;
        } catch (e) {
          await this.reap(pid, e);
          return null;
        }
      }),
    );
    return answers.filter((a): a is PyProcessInfo => a !== null);
  }

  async livePids(): Promise<number[]> {
    return (await this.processes()).map((p) => p.pid);
  }

  /**
   * Cheap post-GC figures from every live process that answered (allocated blocks; see
   * types.ts). Processes that are alive but did not answer are in `lastErrors`.
   */
  async checkpoint(): Promise<PyCheckpoint[]> {
    const pids = await this.socketPids();
    const errors: { pid: number; error: string }[] = [];
    const out = await Promise.all(
      pids.map(async (pid): Promise<PyCheckpoint | null> => {
        try {
          const r = await this.transport.request<PyCheckpoint>(
            this.path(pid),
            'checkpoint',
            {},
            this.timeouts.checkpointMs,
          );
          return { ...r, pid };
        } catch (e) {
          if (!(await this.reap(pid, e))) errors.push({ pid, error: message(e) });
          return null;
        }
      }),
    );
    this.lastErrors = errors;
    return out.filter((c): c is PyCheckpoint => c !== null);
  }

  /** A census of every live process at once (plus tracemalloc top when asked and on). */
  async capture(label: string, opts: CaptureOptions = {}): Promise<PyCapture> {
    const t = Date.now();
    const deadBefore = new Set(this.deadPids);
    // a quick ping first: a process that cannot answer that (stuck holding the GIL) is
    // reported, not waited on for the census timeout
    const all = await this.socketPids();
    const pids = (await this.processes()).map((p) => p.pid);
    const errors: { pid: number; error: string }[] = all
      .filter((pid) => !pids.includes(pid) && !this.deadPids.has(pid))
      .map((pid) => ({
        pid,
        error: `python agent of pid ${pid} did not answer a ping in ${this.timeouts.pingMs} ms`,
      }));
    const processes: PyCensus[] = [];
    await Promise.all(
      pids.map(async (pid) => {
        try {
          const census = await this.transport.request<PyCensus>(
            this.path(pid),
            'census',
            { inspect: opts.inspect ?? true, top: opts.top ?? 5, revealStrings: opts.revealStrings ?? false },
            this.timeouts.censusMs,
          );
          if (opts.tracemalloc) {
            census.tracemalloc = await this.transport.request<PyTracemalloc>(
              this.path(pid),
              'tracemalloc_snapshot',
              { top: 30 },
              this.timeouts.censusMs,
            );
          }
          processes.push({ ...census, pid });
        } catch (e) {
          if (!(await this.reap(pid, e))) errors.push({ pid, error: message(e) });
        }
      }),
    );
    processes.sort((a, b) => a.pid - b.pid);
    const deadPids = [...this.deadPids].filter((p) => !deadBefore.has(p));
    return {
      label,
      t,
      ...(opts.atRequests !== undefined ? { atRequests: opts.atRequests } : {}),
      processes,
      errors,
      deadPids,
    };
  }

  /** Opens the tracemalloc window in every live process (1 frame: ~2× slower requests). */
  async startTracemalloc(frames = 1, maxSeconds = 900): Promise<void> {
    const pids = await this.socketPids();
    await Promise.all(
      pids.map(async (pid) => {
        try {
          await this.transport.request(
            this.path(pid),
            'tracemalloc_start',
            { frames, maxSeconds },
            this.timeouts.pingMs,
          );
        } catch (e) {
          await this.reap(pid, e);
        }
      }),
    );
  }

  async stopTracemalloc(): Promise<void> {
    const pids = await this.socketPids();
    await Promise.all(
      pids.map(async (pid) => {
        try {
          await this.transport.request(this.path(pid), 'tracemalloc_stop', {}, this.timeouts.checkpointMs);
        } catch (e) {
          await this.reap(pid, e);
        }
      }),
    );
  }

  /** Referrer chain to one instance of `typeName` in process `pid`; [] when none is found or the pid is gone. */
  async referrers(pid: number, typeName: string, opts: { revealStrings?: boolean } = {}): Promise<string[]> {
    try {
      const r = await this.transport.request<{ path: string[] }>(
        this.path(pid),
        'referrers',
        { type_name: typeName, limit: 3, revealStrings: opts.revealStrings ?? false },
        this.timeouts.referrersMs,
      );
      return r.path;
    } catch (e) {
      await this.reap(pid, e);
      return [];
    }
  }

  /**
   * Stops the agents themselves (attach: leave nothing open in a process we did not start):
   * each closes and removes its socket. Returns the pids that confirmed.
   */
  async shutdownAgents(): Promise<number[]> {
    const pids = await this.socketPids();
    const done: number[] = [];
    await Promise.all(
      pids.map(async (pid) => {
        try {
          await this.transport.request(this.path(pid), 'shutdown', {}, this.timeouts.checkpointMs);
          done.push(pid);
        } catch (e) {
          await this.reap(pid, e);
        }
      }),
    );
    return done.sort((a, b) => a - b);
  }

  /** Closes any tracemalloc window still open. Idempotent; leaves the target running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stopTracemalloc();
  }
}
