// One hunt's collecting side on another machine: the SSH link, the helper, the attached
// target (reached through forwarded ports), its runtime's heap access and the tree sampler.
// The hunt asks this module for what it asks /proc and local sockets for when the target is
// local; what it does with the answers (checkpoints, snapshots, verdict) does not change.
import type { ProcessEntry } from '../../../shared/api';
import type { Runtime } from '../../../shared/result';
import type { NodeInspector as AttachInspector } from '../attach/node';
import { UserError } from '../errors';
import { selectServers } from '../proc/ps';
import { runtimeOfExe } from '../proc/runtime';
import type { PythonAgentSession } from '../python/session';
import type { ExitInfo } from '../target/spawn';
import { HelperError, RemoteHelper } from './helper-client';
import { openRemoteNodeInspector, type RemoteDescribe, remoteRuntime } from './node';
import { connectRemotePython } from './python';
import { RemoteSampler } from './sampler';
import { type RemoteSpawned, spawnOnHost, stopOnHost } from './spawn';
import { openTransport, type RemoteTransport, type TransportOptions } from './transport';

export interface RemoteRow {
  pid: number;
  ppid: number;
  command: string;
  ports: number[];
  rssBytes: number;
  uptimeMs: number;
  exe: string | null;
}

function runtimeOfRow(r: RemoteRow): Runtime {
  const byExe = r.exe ? runtimeOfExe(r.exe) : 'other';
  if (byExe === 'node' || byExe === 'python') return byExe;
  // a setproctitle'd gunicorn renames itself; its exe still says python, this is the rest
  return /^(gunicorn|uvicorn|celery|hypercorn|daphne)\b/.test(r.command) ? 'python' : 'other';
}

/** `leakhound ps` of the host: the same selection and row shape as locally. */
export async function remoteProcessList(helper: RemoteHelper): Promise<ProcessEntry[]> {
  const rows = await helper.request<RemoteRow[]>('ps', {}, 30_000);
  const servers = selectServers(
    rows.map((r) => ({
      pid: r.pid,
      ppid: r.ppid,
      command: r.command,
      runtime: runtimeOfRow(r),
      ports: r.ports,
      rssBytes: r.rssBytes,
      pssBytes: null,
      uptimeMs: r.uptimeMs,
    })),
  );
  for (const s of servers)
    s.pssBytes = await helper.request<number | null>('pss', { pid: s.pid }).catch(() => null);
  return servers;
}

/** The pid whose command line contains `pattern`: the topmost of a matching tree (a master, not its workers). */
export async function pickByCommand(helper: RemoteHelper, pattern: string, host: string): Promise<number> {
  const rows = await helper.request<RemoteRow[]>('ps', {}, 30_000);
  const mine = new Set([helper.pid]);
  // a leakhound command line naming the pattern (this very hunt, seen from the host) is not the target
  const hits = rows.filter(
    (r) =>
      r.command.includes(pattern) &&
      !mine.has(r.pid) &&
      !mine.has(r.ppid) &&
      !/--attach-match/.test(r.command),
  );
  const byPid = new Map(hits.map((r) => [r.pid, r]));
  const tops = hits.filter((r) => !byPid.has(r.ppid));
  if (tops.length === 1) return tops[0].pid;
  if (tops.length === 0)
    throw new UserError(
      `no process on ${host} has "${pattern}" in its command line: list them with \`leakhound ps --host ${host}\``,
    );
  throw new UserError(
    `${tops.length} processes on ${host} match "${pattern}" (pids ${tops.map((t) => t.pid).join(', ')}): make --attach-match more precise, or give --attach PID`,
  );
}

/**
 * A process on the host. Attached: watched, never signalled or stopped by us (except SIGUSR1
 * for Node). Spawned (`spawned` set): the helper's child, stopped at the end, its exit status
 * and output known.
 */
export class RemoteTarget {
  exit: ExitInfo | null = null;
  readonly stderrTail: { get(): string[] } | null;
  /** the SSH link was lost (not the target's death): why, in ssh's words */
  linkLost: string | null = null;
  private readonly waiters: Array<(e: ExitInfo) => void> = [];
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly helper: RemoteHelper,
    readonly host: string,
    readonly pid: number,
    /** the URL as we load it: a local port forwarded to the host's */
    readonly url: string,
    readonly port: number,
    /** the URL as the host sees it */
    readonly remoteUrl: string | null,
    readonly argv: string[],
    private readonly workers: number[],
    readonly spawned: RemoteSpawned | null = null,
  ) {
    this.stderrTail = spawned ? spawned.output : null;
    helper.once('lost', (why: string) => {
      this.linkLost = why;
      this.end();
    });
    if (spawned) spawned.onExit = (st) => this.end({ code: st.code, signal: st.signal });
    this.poll = setInterval(() => {
      helper
        .request<boolean>('alive', { pid })
        .then((alive) => {
          if (!alive) this.end();
        })
        .catch(() => {});
    }, 1000);
    this.poll.unref();
  }

  private end(how: ExitInfo = { code: null, signal: null }): void {
    if (this.exit) return;
    // an attached process's status is its parent's to read; a spawned one's comes with its exit event
    if (this.spawned && !this.linkLost && how.code === null && how.signal === null && !this.spawned.status)
      return;
    this.exit = how;
    clearInterval(this.poll);
    for (const w of this.waiters.splice(0)) w(this.exit);
  }

  get alive(): boolean {
    return this.exit === null;
  }

  /** the server's port as the host sees it (0 with --load none) */
  get remotePort(): number {
    return this.remoteUrl ? Number(new URL(this.remoteUrl).port || 80) : 0;
  }

  onExit(): Promise<ExitInfo> {
    if (this.exit) return Promise.resolve(this.exit);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  exitNote(): string {
    if (this.linkLost)
      return this.spawned
        ? `the SSH link to ${this.host} was lost (${this.linkLost}): the server leakhound started there (pid ${this.pid}) is stopped by its helper`
        : `the SSH link to ${this.host} was lost (${this.linkLost}): pid ${this.pid} may still run`;
    if (this.spawned)
      return `pid ${this.pid} on ${this.host} ${this.exit?.signal ? `was killed by ${this.exit.signal}` : `exited with code ${this.exit?.code}`}`;
    return `pid ${this.pid} on ${this.host} is gone: not leakhound's child, so its exit status is unknown${this.workers.length ? `; it had ${this.workers.length} worker(s)` : ''}`;
  }

  async stop(): Promise<ExitInfo | null> {
    clearInterval(this.poll);
    if (this.spawned && !this.exit && !this.linkLost) {
      const st = await stopOnHost(this.helper, this.spawned);
      this.end(st ? { code: st.code, signal: st.signal } : { code: null, signal: null });
    }
    return this.exit;
  }
}

export interface RemoteConnectOptions {
  host: string;
  attach?: number;
  attachMatch?: string;
  /** start this command line on the host instead of attaching */
  spawn?: { command: string; cwd?: string; env: Record<string, string>; readyTimeoutMs: number };
  url?: string;
  load: 'builtin' | 'none' | 'command';
  ssh?: TransportOptions;
}

export class RemoteHost {
  private inspectorHandle: AttachInspector | null = null;
  private forwards: [number, number][] = [];
  private helperCpuAtStart = 0;
  readonly sampler: RemoteSampler;
  /** why heap detail is missing (one line), when it is */
  fallback: string | null = null;

  private constructor(
    readonly link: RemoteTransport,
    readonly helper: RemoteHelper,
    readonly target: RemoteTarget,
    readonly runtime: 'node' | 'python' | 'other',
    private readonly described: RemoteDescribe,
  ) {
    this.sampler = new RemoteSampler(helper, target.pid);
  }

  static async open(o: RemoteConnectOptions): Promise<RemoteHost> {
    const link = await openTransport(o.host, o.ssh);
    let helper: RemoteHelper | null = null;
    try {
      helper = await RemoteHelper.start(link);
      const spawned = o.spawn
        ? await spawnOnHost(helper, {
            ...o.spawn,
            url: o.url ?? (o.load === 'none' ? null : 'http://127.0.0.1:{port}/'),
          })
        : null;
      const pid = spawned?.pid ?? o.attach ?? (await pickByCommand(helper, o.attachMatch ?? '', o.host));
      const d = await helper.request<RemoteDescribe>('describe', { pid });
      if (!d.alive)
        throw new UserError(
          `no process with pid ${pid} on ${o.host}: list candidates with \`leakhound ps --host ${o.host}\``,
        );
      if (!d.exe && d.exeError === 'denied')
        throw new UserError(
          `not permitted to inspect pid ${pid} on ${o.host} (another user's process): connect as that user (${o.host} with User in ~/.ssh/config, or user@host) or as root`,
        );
      let remoteUrl = spawned ? spawned.url : (o.url ?? null);
      if (!remoteUrl && o.load !== 'none') {
        if (d.ports.length !== 1)
          throw new UserError(
            d.ports.length === 0
              ? `pid ${pid} on ${o.host} listens on no TCP port: give --url, or --load none to watch it without requests`
              : `pid ${pid} on ${o.host} listens on ports ${d.ports.join(', ')}: say which with --url http://127.0.0.1:PORT/`,
          );
        remoteUrl = `http://127.0.0.1:${d.ports[0]}/`;
      }
      let url = remoteUrl ?? `http://127.0.0.1:${d.ports[0] ?? 0}/`;
      let port = 0;
      const forwards: [number, number][] = [];
      if (remoteUrl) {
        const u = new URL(remoteUrl);
        if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname))
          throw new UserError(
            `with --host the URL is the host's own loopback (the request goes through the SSH link): give http://127.0.0.1:PORT/… as seen on ${o.host} (got ${remoteUrl})`,
          );
        const remotePort = Number(u.port || 80);
        port = await link.forward(remotePort);
        forwards.push([port, remotePort]);
        url = `http://127.0.0.1:${port}${u.pathname}${u.search}`;
      }
      const target = new RemoteTarget(
        helper,
        o.host,
        pid,
        url,
        port,
        remoteUrl,
        d.argv,
        d.descendants,
        spawned,
      );
      const host = new RemoteHost(link, helper, target, remoteRuntime(d), d);
      host.forwards = forwards;
      host.helperCpuAtStart = (await helper.request<{ cpuMs: number }>('usage')).cpuMs;
      return host;
    } catch (e) {
      await helper?.close().catch(() => {});
      await link.close().catch(() => {});
      throw e;
    }
  }

  get host(): string {
    return this.link.dest;
  }

  /** The runtime's heap access: a Node inspector over a forward, or the dormant Python agents. */
  async connectRuntime(log: (level: 'info' | 'warn', m: string) => void): Promise<{
    attachInspector: AttachInspector | null;
    python: PythonAgentSession | null;
  }> {
    const pid = this.target.pid;
    if (this.runtime === 'node') {
      log(
        'info',
        `opening the inspector of pid ${pid} on ${this.host} with SIGUSR1, reached through an SSH forward`,
      );
      this.inspectorHandle = await openRemoteNodeInspector(this.helper, this.link, pid, this.described);
      log(
        'info',
        `opened the inspector of pid ${pid} on ${this.host}'s 127.0.0.1:${this.inspectorHandle.port} (closed again at the end)`,
      );
      return { attachInspector: this.inspectorHandle, python: null };
    }
    if (this.runtime === 'python') {
      // the resolver maps agents' pids to the tree's: the sampler must have seen the tree once
      await this.firstTick();
      const r = await connectRemotePython(this.helper, this.sampler, pid, this.host);
      this.fallback = r.fallback;
      if (r.fallback) log('warn', r.fallback);
      else
        log(
          'info',
          `the dormant agent of pid ${pid} on ${this.host} answers: heap detail through the SSH helper`,
        );
      return { attachInspector: null, python: r.session };
    }
    this.fallback = `pid ${pid} on ${this.host} is not Node or Python: memory curves only`;
    log('warn', this.fallback);
    return { attachInspector: null, python: null };
  }

  private firstTick(): Promise<void> {
    this.sampler.start();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, 3000);
      this.sampler.once('sample', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The tree's PSS now (a checkpoint's), read on the host. */
  async treePss(): Promise<{ pss: number | null; rss: number }> {
    try {
      return await this.helper.request<{ pss: number | null; rss: number }>('tree_pss', {
        root: this.target.pid,
      });
    } catch {
      return { pss: null, rss: 0 };
    }
  }

  /** What result.json records of the remote side. */
  async info(): Promise<Record<string, unknown>> {
    const usage = await this.helper.request<{ cpuMs: number }>('usage', {}, 3000).catch(() => null);
    const h = this.helper.hello;
    return {
      host: this.host,
      transport: this.link.kind,
      hostname: h?.hostname ?? null,
      kernel: h?.kernel ?? null,
      helperPython: h?.python ?? null,
      helperCpuMs: usage ? usage.cpuMs - this.helperCpuAtStart : null,
      bytesSent: this.helper.bytesSent,
      bytesReceived: this.helper.bytesReceived,
      url: this.target.remoteUrl,
      linkLost: this.target.linkLost,
      ...(this.fallback ? { fallback: this.fallback } : {}),
    };
  }

  /** Closes what we opened on the host: forwards, the helper (it removes its folder), the link. */
  async close(): Promise<void> {
    this.sampler.stop();
    if (!this.target.linkLost)
      for (const [l, r] of this.forwards) await this.link.cancelForward(l, r).catch(() => {});
    await this.helper.close().catch(() => {});
    await this.link.close().catch(() => {});
  }
}

export { HelperError };
