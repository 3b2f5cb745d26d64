// A target leakhound did not start: we watch it, never signal or stop it, and leave it as
// we found it (inspector closed, agents shut down).
import { UserError } from '../errors';
import { treePorts } from '../proc/ports';
import { exeError, exePath, isAlive, readCmdline } from '../proc/procfs';
import type { ExitInfo } from '../target/spawn';

export class AttachedTarget {
  exit: ExitInfo | null = null;
  onExitBlocked: (() => void) | null = null;
  readonly stderrTail = null;
  private readonly poll: NodeJS.Timeout;
  private readonly waiters: Array<(e: ExitInfo) => void> = [];

  private constructor(
    readonly pid: number,
    readonly url: string,
    readonly port: number,
    readonly argv: string[],
  ) {
    // We are not its parent, so no exit event: look every half second.
    this.poll = setInterval(() => {
      if (isAlive(pid)) return;
      this.exit = { code: null, signal: null };
      clearInterval(this.poll);
      for (const w of this.waiters.splice(0)) w(this.exit);
    }, 500);
    this.poll.unref();
  }

  static async open(pid: number, url: string | undefined): Promise<AttachedTarget> {
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
    return new AttachedTarget(pid, resolved, port, argv);
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
    return this.exit;
  }
}
