// Starting the target: argv without a shell, a free loopback port in place of {port},
// the inspector switched on for Node, and a clear error (with its stderr) when it dies
// before it listens.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { killTree } from '../proc/kill';
import { MARKER_VAR, newMarker, pidsMarked } from '../proc/marker';
import { isPortFree, pickFreePort, pidsListeningOn } from '../proc/ports';
import { descendants } from '../proc/procfs';
import { explainMissingModule, missingModule } from '../python/interpreter';
import { PORT_PLACEHOLDER, resolveExecutable, splitCommand, substitutePort } from './command';
import { waitForPort } from './ready';
import { LineTail, lastOutput } from './tail';

export interface SpawnTargetOptions {
  command: string;
  url: string;
  cwd: string;
  env: Record<string, string>;
  readyTimeoutMs: number;
  /** add --inspect=127.0.0.1:0 to NODE_OPTIONS so every Node process in the tree opens one */
  inspect: boolean;
  /** where the target's own output is copied (bounded) */
  logFile?: string;
  signal?: AbortSignal;
}

export interface ExitInfo {
  code: number | null;
  signal: string | null;
}

const INSPECTOR_LINE = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)/;
/** Node prints this when it would exit but an inspector client is still attached: it then
 * hangs until the client goes away, so a crashing target would never die while we watch. */
const WAITING_FOR_DEBUGGER = 'Waiting for the debugger to disconnect...';
const SETPRIV = process.platform === 'linux' && existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : null;

/** the target's own log is copied up to this size; the rest is dropped, with a note */
const LOG_CAP = 8 * 1024 * 1024;

export class SpawnedTarget {
  readonly stderrTail = new LineTail();
  readonly inspectorUrls: string[] = [];
  exit: ExitInfo | null = null;
  private readonly exitWaiters: Array<(e: ExitInfo) => void> = [];
  private readonly inspectorWaiters: Array<() => void> = [];
  /** called when the target is exiting but held open by our inspector connection */
  onExitBlocked: (() => void) | null = null;
  /** called for each inspector URL the tree prints (a cluster's workers, restarts included) */
  onInspectorUrl: ((url: string) => void) | null = null;
  private log: WriteStream | null = null;
  private logged = 0;

  private constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly port: number,
    readonly url: string,
    readonly argv: string[],
    readonly executable: string,
    /** in every target process's environment (see proc/marker.ts) */
    readonly marker: string,
    logFile?: string,
  ) {
    if (logFile) this.log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => this.copy(d));
    child.stderr?.on('data', (d: string) => {
      this.copy(d);
      this.stderrTail.push(d, (line) => {
        const m = INSPECTOR_LINE.exec(line);
        if (m) {
          this.inspectorUrls.push(m[1]);
          // a cluster that recycles prints one per new worker, for as long as the hunt runs
          if (this.inspectorUrls.length > 64) this.inspectorUrls.splice(0, this.inspectorUrls.length - 64);
          this.onInspectorUrl?.(m[1]);
          for (const w of this.inspectorWaiters.splice(0)) w();
        } else if (line.startsWith(WAITING_FOR_DEBUGGER)) {
          this.onExitBlocked?.();
        }
      });
    });
    child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const w of this.exitWaiters.splice(0)) w(this.exit);
      for (const w of this.inspectorWaiters.splice(0)) w();
    });
  }

  static async start(opts: SpawnTargetOptions): Promise<SpawnedTarget> {
    const argvTemplate = splitCommand(opts.command);
    const usesPlaceholder = opts.command.includes(PORT_PLACEHOLDER) || opts.url.includes(PORT_PLACEHOLDER);
    let port: number;
    let parsed: URL;
    try {
      parsed = new URL(substitutePort(opts.url, 1));
    } catch {
      throw new UserError(`--url is not a valid URL: ${opts.url} (example: http://127.0.0.1:{port}/)`);
    }
    if (opts.url.includes(PORT_PLACEHOLDER)) {
      port = await pickFreePort();
    } else if (parsed.port) {
      port = Number(parsed.port);
      if (!(await isPortFree(port))) {
        const holder = pidsListeningOn(port)[0];
        throw new UserError(
          `port ${port} is already in use${holder ? ` by pid ${holder}` : ''}: stop that server, or write {port} in --url so leakhound picks a free one${holder ? ` (or hunt it with --attach ${holder})` : ''}`,
        );
      }
    } else if (usesPlaceholder) {
      port = await pickFreePort();
    } else {
      throw new UserError(
        `--url has no port and no {port}: write e.g. http://127.0.0.1:{port}/ so leakhound can give the server a free port`,
      );
    }
    const argv = argvTemplate.map((a) => substitutePort(a, port));
    const url = substitutePort(opts.url, port);
    const executable = resolveExecutable(argv[0], opts.cwd, opts.env.PATH);
    const marker = newMarker();
    const env: Record<string, string> = { ...opts.env, PORT: String(port), [MARKER_VAR]: marker };
    if (opts.inspect) {
      env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} --inspect=127.0.0.1:0`.trim();
    }
    // If leakhound itself is killed (SIGKILL, OOM) it cannot stop the target: on Linux the
    // kernel does it for us through the parent-death signal, set by util-linux's setpriv,
    // which then execs the target under the same pid.
    const [file, args] = SETPRIV
      ? [SETPRIV, ['--pdeathsig', 'SIGKILL', '--', executable, ...argv.slice(1)]]
      : [executable, argv.slice(1)];
    const child = spawn(file, args, {
      argv0: SETPRIV ? 'setpriv' : argv[0],
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so the whole tree can be signalled even if a child re-parents.
      detached: true,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => resolve(child.pid as number));
      child.once('error', (e) => reject(new UserError(`could not start ${argv[0]}: ${e.message}`)));
    });
    const target = new SpawnedTarget(child, pid, port, url, argv, executable, marker, opts.logFile);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const ready = await waitForPort(host === 'localhost' ? '127.0.0.1' : host, port, {
      timeoutMs: opts.readyTimeoutMs,
      isAlive: () => target.exit === null,
      signal: opts.signal,
    });
    if (ready === 'ready') return target;
    const escaped = target.escaped();
    await target.stop(1000);
    const tail = lastOutput(target.stderrTail.get().filter((l) => !isInspectorChatter(l)));
    const tailText = tail.length ? `; its last output:\n${tail.map((l) => `    ${l}`).join('\n')}` : '';
    if (ready === 'exited') {
      const how = target.exit?.signal
        ? `was killed by ${target.exit.signal}`
        : `exited with code ${target.exit?.code}`;
      if (target.exit?.code === 0 && !target.exit.signal && escaped.length)
        throw new UserError(
          `the target daemonised itself: its first process exited with code 0 and left ${escaped.length === 1 ? 'pid' : 'pids'} ${escaped.join(', ')} running in the background (stopped again by leakhound); run it in the foreground (e.g. without gunicorn's --daemon), or start it yourself and hunt it with --attach PID${tailText}`,
        );
      if (target.exit?.code === 0 && !target.exit.signal)
        throw new UserError(
          `the target exited with code 0 before listening on ${host}:${port}: if it daemonises itself (e.g. gunicorn --daemon), run it in the foreground, or start it yourself and use --attach PID${tailText}`,
        );
      const module = missingModule(tail);
      const why = module
        ? await explainMissingModule(module, { executable, argv: argvTemplate, cwd: opts.cwd, env })
        : null;
      if (why) throw new UserError(`${why}${tailText.replace(/^; /, '\n')}`);
      throw new UserError(`the target ${how} before listening on ${host}:${port}${tailText}`);
    }
    if (ready === 'aborted') throw new UserError('stopped before the target was ready');
    throw new UserError(
      `the target did not listen on ${host}:${port} within ${opts.readyTimeoutMs} ms: check that it binds the port from {port} or $PORT, or raise --ready-timeout${tailText}`,
    );
  }

  get alive(): boolean {
    return this.exit === null;
  }

  onExit(): Promise<ExitInfo> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Resolves when at least `count` inspector URLs were printed, the target exited, or time ran out. */
  async waitForInspectors(count: number, timeoutMs: number): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.inspectorUrls.length < count && this.alive && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.inspectorWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return [...this.inspectorUrls];
  }

  /** Target processes outside its tree: daemonised (double fork) or re-parented to init. */
  escaped(): number[] {
    const tree = this.alive ? new Set([this.pid, ...descendants(this.pid)]) : new Set<number>();
    return pidsMarked(this.marker).filter((p) => !tree.has(p));
  }

  /** Stop the whole tree, and whatever escaped it: SIGTERM, then SIGKILL after graceMs. */
  async stop(graceMs = 3000): Promise<ExitInfo> {
    if (this.alive) {
      await killTree(this.pid, { graceMs });
      try {
        process.kill(-this.pid, 'SIGKILL');
      } catch {
        // the group is already gone
      }
    }
    // parents before children: stopping a daemon's master also stops its workers
    for (const pid of pidsMarked(this.marker)) await killTree(pid, { graceMs, group: false });
    const exit = await this.onExit();
    this.log?.end();
    this.log = null;
    return exit;
  }

  private copy(d: string): void {
    if (!this.log) return;
    if (this.logged < LOG_CAP) {
      this.log.write(d);
      this.logged += d.length;
      if (this.logged >= LOG_CAP)
        this.log.write(`\n[leakhound: target output beyond ${LOG_CAP} bytes not kept]\n`);
    }
  }
}

/** lines Node prints about the inspector itself, not about the target's trouble */
export function isInspectorChatter(line: string): boolean {
  return (
    INSPECTOR_LINE.test(line) ||
    line.startsWith(WAITING_FOR_DEBUGGER) ||
    line === 'Debugger attached.' ||
    line.includes('For help, see: https://nodejs.org')
  );
}

export function defaultLogFile(dir: string): string {
  return path.join(dir, 'target.log');
}
