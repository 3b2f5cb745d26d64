// Every Node process of a spawned tree (a `cluster` primary and its workers, pm2-style
// restarts included), each over its own inspector: post-GC heap figures per process and the
// requests each one served, so that a worker replaced by its master is a lifetime of its own
// (issue 16), and one worker at a time can be snapshotted.
//
// The served count is a subscriber on diagnostics_channel's `http.server.request.start`
// (every node:http/https server, so Express, Fastify, Koa …), installed when the worker's
// inspector URL appears and removed again at the end. A worker that exits while a session is
// attached would hang ("Waiting for the debugger to disconnect…") and block its master's
// recycling: NodeRuntime.waitingForDisconnect tells us, and the session is closed at once.
import { CdpClient } from '../cdp';
import type { LifeCheckpoint } from './lifetimes';
import { NodeInspector } from './node-inspector';

const KEY = "Symbol.for('leakhound.served')";

/** Installs the counter once per process (non-enumerable, on globalThis) and says who it is. */
const INSTALL = `(() => {
  const k = ${KEY};
  if (!globalThis[k]) {
    const dc = require('node:diagnostics_channel');
    const cluster = require('node:cluster');
    const s = { n: 0 };
    s.on = () => { s.n++; };
    s.role = () => (cluster.isPrimary && Object.keys(cluster.workers || {}).length > 0 ? 'primary' : 'worker');
    s.off = () => { dc.unsubscribe('http.server.request.start', s.on); delete globalThis[k]; };
    dc.subscribe('http.server.request.start', s.on);
    Object.defineProperty(globalThis, k, { value: s, configurable: true, enumerable: false });
  }
  return JSON.stringify([process.pid, Date.now() / 1000 - process.uptime()]);
})()`;

/**
 * Side-effect free, and true once the process finished bootstrapping: the inspector of a
 * freshly forked worker answers while Node is still bootstrapping, when calling require()
 * fails inside Node's own loader (seen: "testEnabled is not a function" in debuglog). The
 * CommonJS main module is set only after that; an ES module main has none, hence the uptime.
 */
const BOOTED = `typeof process === 'object' && (process.mainModule !== undefined || process.uptime() > 2)`;

const MEASURE = `(() => {
  const s = globalThis[${KEY}];
  const m = process.memoryUsage();
  return JSON.stringify([m.heapUsed, m.external, s ? s.n : null, s ? s.role() : 'worker']);
})()`;

/** what MEASURE returns: heapUsed, external, requests served (null: no counter), role */
type Measure = [number, number, number | null, string];

const SERVED = `(() => { const s = globalThis[${KEY}]; return s ? s.n : null; })()`;
const UNINSTALL = `(() => { const s = globalThis[${KEY}]; if (s) s.off(); return true; })()`;

async function booted(cdp: CdpClient): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && !cdp.closed) {
    const r = await cdp.send(
      'Runtime.evaluate',
      { expression: BOOTED, returnByValue: true },
      { timeoutMs: 5000 },
    );
    if (r.result?.value === true) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
}

interface Session {
  url: string;
  inspector: NodeInspector;
  pid: number;
  /** s since the epoch, as the lifetime points count it */
  startedAt: number;
  gone: boolean;
}

export interface NodeProcessCheckpoint extends LifeCheckpoint {
  externalBytes: number;
}

export class NodeWorkers {
  private readonly sessions: Session[] = [];
  private readonly connecting = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly log: (level: 'info' | 'warn', m: string) => void,
    /** a process is exiting (its session was let go so that it can) */
    private readonly onExiting: (pid: number) => void = () => {},
  ) {}

  /** A URL the tree printed ("Debugger listening on …"): connect now, before the worker serves. */
  add(url: string): void {
    if (this.closed || this.sessions.some((s) => s.url === url)) return;
    const p = this.connect(url).finally(() => this.connecting.delete(p));
    this.connecting.add(p);
  }

  /** Connections still being opened are waited for, so a checkpoint sees every process. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.connecting]);
  }

  private async connect(url: string): Promise<void> {
    let cdp: CdpClient;
    try {
      cdp = await CdpClient.connect(url, { timeoutMs: 5000 });
    } catch {
      return; // a worker that exited at once, or a port it could not open
    }
    try {
      if (!(await booted(cdp))) throw new Error('it did not finish starting within 30 s');
      const r = await cdp.send('Runtime.evaluate', {
        expression: INSTALL,
        includeCommandLineAPI: true,
        returnByValue: true,
      });
      if (typeof r.result?.value !== 'string') throw new Error(JSON.stringify(r).slice(0, 400));
      const [pid, startedAt] = JSON.parse(r.result.value) as [number, number];
      const inspector = await NodeInspector.fromClient(cdp);
      const session: Session = {
        url,
        inspector,
        pid,
        startedAt: Math.round(startedAt * 1000) / 1000,
        gone: false,
      };
      cdp.on('NodeRuntime.waitingForDisconnect', () => {
        session.gone = true;
        void cdp.close();
        this.onExiting(pid);
      });
      await cdp.send('NodeRuntime.notifyWhenWaitingForDisconnect', { enabled: true });
      if (this.closed) return void (await this.release(session));
      this.sessions.push(session);
    } catch (e) {
      if (!cdp.closed)
        this.log('warn', `could not watch the Node process at ${url}: ${(e as Error).message}`);
      await cdp.close();
    }
  }

  /** Sessions of processes still running; those gone are dropped (an hour of recycling is thousands). */
  private live(): Session[] {
    for (let i = this.sessions.length - 1; i >= 0; i--) {
      const s = this.sessions[i];
      if (s.inspector.cdp.closed) s.gone = true;
      if (s.gone) this.sessions.splice(i, 1);
    }
    return [...this.sessions];
  }

  get count(): number {
    return this.live().length;
  }

  /**
   * Two full GCs in every process (each pauses only itself, all at once), then its heap and
   * the requests it served; a primary with workers serves none itself (no `served`).
   */
  async checkpoint(): Promise<NodeProcessCheckpoint[]> {
    await this.settled();
    const per = await Promise.all(
      this.live().map(async (s): Promise<NodeProcessCheckpoint | null> => {
        try {
          const [heapUsed, external, served, role] = await s.inspector.collectAndEvaluate<Measure>(MEASURE);
          return {
            pid: s.pid,
            startedAt: s.startedAt,
            // a primary serves nothing itself; nor do npm or a process manager above the server, and a
            // worker that has served nothing yet adds no point to its life
            served: role === 'primary' || !served ? undefined : served,
            heapBytes: heapUsed + external,
            externalBytes: external,
          };
        } catch {
          return null; // exited during the checkpoint: its life ended
        }
      }),
    );
    return per.filter((c): c is NodeProcessCheckpoint => c !== null);
  }

  /** The live heap of the whole tree (Runtime.getHeapUsage, no GC), for the sampled curve. */
  async heapUsage(): Promise<{ used: number; total: number }> {
    const all = await Promise.all(this.live().map((s) => s.inspector.heapUsage().catch(() => null)));
    let used = 0;
    let total = 0;
    for (const h of all) {
      if (!h) continue;
      used += h.used;
      total += h.total;
    }
    return { used, total };
  }

  /** Requests pid served so far by its own count; null when it is gone. */
  async served(pid: number): Promise<number | null> {
    const s = this.live().find((x) => x.pid === pid);
    if (!s) return null;
    try {
      const r = await s.inspector.cdp.send('Runtime.evaluate', { expression: SERVED, returnByValue: true });
      return typeof r.result.value === 'number' ? r.result.value : null;
    } catch {
      return null;
    }
  }

  inspectorOf(pid: number): NodeInspector | null {
    return this.live().find((s) => s.pid === pid)?.inspector ?? null;
  }

  /** `current` while its process lives, else the oldest live worker that served (or any worker). */
  async subject(current: NodeInspector | null): Promise<NodeInspector | null> {
    if (current && this.live().some((s) => s.inspector === current)) return current;
    const per = await this.checkpointless();
    const workers = per.filter((p) => p.role === 'worker');
    const pick = workers.find((p) => p.served > 0) ?? workers[0] ?? null;
    return pick ? pick.session.inspector : null;
  }

  private async checkpointless(): Promise<Array<{ session: Session; role: string; served: number }>> {
    await this.settled();
    const out: Array<{ session: Session; role: string; served: number }> = [];
    for (const s of this.live().sort((a, b) => a.startedAt - b.startedAt)) {
      try {
        const [, , served, role] = await s.inspector.evaluateJson<Measure>(MEASURE);
        out.push({ session: s, role, served: served ?? 0 });
      } catch {
        // gone
      }
    }
    return out;
  }

  /** Leave every process as found: counter unsubscribed, profiler off, session closed. */
  async close(): Promise<void> {
    this.closed = true;
    await this.settled();
    await Promise.all(this.sessions.map((s) => this.release(s)));
  }

  private async release(s: Session): Promise<void> {
    if (!s.inspector.cdp.closed) {
      await s.inspector.cdp
        .send('Runtime.evaluate', { expression: UNINSTALL, returnByValue: true }, { timeoutMs: 2000 })
        .catch(() => {});
    }
    await s.inspector.close().catch(() => {});
    s.gone = true;
  }
}
