// A target leakhound did not start: we watch it, never signal or stop it, and leave it as
// we found it (inspector closed, agents shut down).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UserError } from '../errors';
import { type NetnsBridge, openNetnsBridge, otherNetns } from '../proc/namespaces';
import { treePorts } from '../proc/ports';
import { descendants, exeError, exePath, isAlive, readCmdline } from '../proc/procfs';
import type { ExitInfo } from '../target/spawn';
import { LineTail } from '../target/tail';

/** The last lines of a log file, read from its end only (a production log can be huge). */
export function tailFile(file: string, maxBytes = 64 * 1024): string[] {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const size = statSync(file).size;
    const len = Math.min(size, maxBytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const tail = new LineTail(20);
    tail.push(
      buf
        .toString('utf8')
        .split('\n')
        .slice(size > len ? 1 : 0)
        .join('\n'),
    );
    return tail.get().filter((l) => l.trim() !== '');
  } catch {
    return [];
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export class AttachedTarget {
  exit: ExitInfo | null = null;
  onExitBlocked: (() => void) | null = null;
  /** the last lines of the log the user named (--log), read when the target died */
  readonly stderrTail: { get(): string[] } | null;
  private readonly poll: NodeJS.Timeout;
  /** the processes below the target, as last seen alive: after a death, did they go too? */
  private workers: number[] = [];
  private readonly waiters: Array<(e: ExitInfo) => void> = [];

  private constructor(
    readonly pid: number,
    readonly url: string,
    readonly port: number,
    readonly argv: string[],
    private readonly logFile: string | null,
  ) {
    this.stderrTail = logFile ? { get: () => tailFile(logFile) } : null;
    this.workers = descendants(pid);
    // a master shutting down stops its workers first: those seen in its last seconds are its
    // workers at the end, though some were gone by the last look
    const seen = new Map<number, number>(this.workers.map((w) => [w, Date.now()]));
    // We are not its parent, so no exit event: look every half second.
    this.poll = setInterval(() => {
      if (isAlive(pid)) {
        const now = Date.now();
        for (const w of descendants(pid)) seen.set(w, now);
        for (const [w, at] of seen) if (now - at > 3000) seen.delete(w);
        this.workers = [...seen.keys()];
        return;
      }
      this.exit = { code: null, signal: null };
      clearInterval(this.poll);
      for (const w of this.waiters.splice(0)) w(this.exit);
    }, 500);
    this.poll.unref();
  }

  static async open(pid: number, url: string | undefined, logFile?: string): Promise<AttachedTarget> {
    if (!isAlive(pid))
      throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
    if (exePath(pid) === null && exeError(pid) === 'denied')
      throw new UserError(
        `not permitted to inspect pid ${pid} (another user's process): run leakhound as that user or as root`,
      );
    const argv = readCmdline(pid) ?? [`pid ${pid}`];
    const ports = await treePorts(pid);
    let resolved = url;
    if (!resolved) {
      if (ports.length !== 1)
        throw new UserError(
          ports.length === 0
            ? `pid ${pid} listens on no TCP port: give --url, or --load none to watch it without requests`
            : `pid ${pid} listens on ports ${ports.join(', ')}: say which with --url http://127.0.0.1:PORT/`,
        );
      resolved = `http://127.0.0.1:${ports[0]}/`;
    }
    if (resolved.includes('{port}'))
      throw new UserError("{port} only applies to --spawn: give the attached server's real URL");
    const port = Number(new URL(resolved).port || 80);
    if (logFile) {
      try {
        statSync(logFile);
      } catch {
        throw new UserError(`--log ${logFile}: no such file: give the server's log file, or leave --log out`);
      }
    }
    // a server in another network namespace (a container) listens on its own 127.0.0.1: the
    // load and the checks go through a bridge into that namespace
    const host = new URL(resolved).hostname;
    if (otherNetns(pid) && (host === '127.0.0.1' || host === 'localhost' || host === '[::1]')) {
      const bridge = await openNetnsBridge(pid, port);
      const u = new URL(resolved);
      u.hostname = '127.0.0.1';
      u.port = String(bridge.localPort);
      const t = new AttachedTarget(pid, u.toString(), bridge.localPort, argv, logFile ?? null);
      t.bridge = bridge;
      t.nsUrl = resolved;
      return t;
    }
    return new AttachedTarget(pid, resolved, port, argv, logFile ?? null);
  }

  /** the bridge into the target's network namespace the load goes through, if any */
  private bridge: NetnsBridge | null = null;
  /** the URL as the target sees it, when the load goes through a bridge (url is then ours) */
  nsUrl: string | null = null;

  /** What can be said of an end we did not see from the inside. */
  exitNote(): string {
    const left = this.workers.filter(isAlive);
    const workers =
      this.workers.length === 0
        ? ''
        : left.length === 0
          ? `; its ${this.workers.length} worker(s) exited too`
          : `; ${left.length} of its ${this.workers.length} worker(s) still run (pids ${left.join(', ')})`;
    const log = this.logFile
      ? `; the last lines of ${this.logFile} are kept`
      : '; pass --log FILE to keep its last log lines';
    return `pid ${this.pid} is gone: not leakhound's child, so its exit status is unknown${workers}${log}`;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  onExit(): Promise<ExitInfo> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Attached targets are never stopped by us. */
  async stop(): Promise<ExitInfo | null> {
    clearInterval(this.poll);
    await this.bridge?.close();
    return this.exit;
  }
}
