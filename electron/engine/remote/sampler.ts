// The remote twin of proc/sampler.ts's TreeSampler: the helper walks the tree on the host
// (RSS at 5 Hz, PSS from smaps_rollup at 1 Hz, the last PSS carried between reads, the same
// as locally) and sends each tick; this side keeps the per-process record and counts worker
// restarts, and emits the very TreeSample shape the hunt already consumes.
import { EventEmitter } from 'node:events';
import type { ProcessSample } from '../../../shared/result';
import type { ProcessInfo, TreeSample } from '../proc/sampler';
import type { RemoteHelper } from './helper-client';

interface Tracked {
  pid: number;
  ppid: number | null;
  command: string;
  innerPid: number;
  firstSeenMs: number;
  lastSeenMs: number;
  exited: boolean;
  peakRssBytes: number;
  lastPssBytes: number | null;
}

interface TickMessage {
  t: number;
  /** [pid, ppid (null for the root), rss, pss | null, private | null (fresh reads only)] */
  p: [number, number | null, number, number | null, number | null][];
  /** processes seen for the first time: [pid, ppid, command, pid in its own namespace] */
  n: [number, number, string, number][];
}

const MAX_GONE = 500;
const RESTART_WINDOW_MS = 2000;

export class RemoteSampler extends EventEmitter {
  private readonly live = new Map<number, Tracked>();
  private readonly gone: Tracked[] = [];
  private restartCount = 0;
  /** per parent: times of recent exits and births not yet paired into a restart */
  private readonly exits = new Map<number, number[]>();
  private readonly births = new Map<number, number[]>();
  private running = false;
  private t0 = 0;
  private ticks = 0;
  private readonly onTick = (m: TickMessage) => this.tick(m);
  private readonly onExit = () => {
    if (!this.running) return;
    this.stop();
    this.emit('exit', { pid: this.rootPid, t: this.now() });
  };

  constructor(
    private readonly helper: RemoteHelper,
    readonly rootPid: number,
    private readonly rates = { rssHz: 5, pssHz: 1 },
  ) {
    super();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = performance.now();
    this.helper.on('s', this.onTick);
    this.helper.on('exit', this.onExit);
    this.helper.request('sample_start', { root: this.rootPid, ...this.rates }).catch((e: Error) => {
      this.emit('warning', `remote sampling did not start: ${e.message}`);
    });
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.helper.off('s', this.onTick);
    this.helper.off('exit', this.onExit);
    this.helper.request('sample_stop').catch(() => {});
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The host pid of a process of the tree, by the pid it has in its own namespace. */
  hostPidOf(innerPid: number): number | null {
    for (const p of this.live.values()) if (p.innerPid === innerPid) return p.pid;
    return null;
  }

  processes(): ProcessInfo[] {
    return [...this.live.values(), ...this.gone].map((p) => ({
      pid: p.pid,
      ppid: p.ppid,
      command: p.command,
      firstSeenMs: p.firstSeenMs,
      lastSeenMs: p.lastSeenMs,
      exited: p.exited,
      peakRssBytes: p.peakRssBytes,
      lastPssBytes: p.lastPssBytes,
    }));
  }

  restarts(): number {
    return this.restartCount;
  }

  private now(): number {
    return Math.round(performance.now() - this.t0);
  }

  private tick(m: TickMessage): void {
    if (!this.running) return;
    const t = this.now();
    this.ticks++;
    for (const [pid, ppid, command, inner] of m.n) {
      const old = this.live.get(pid);
      if (old) this.retire(old, t); // the same pid, a new process
      this.live.set(pid, {
        pid,
        ppid: pid === this.rootPid ? null : ppid,
        command,
        innerPid: inner,
        firstSeenMs: t,
        lastSeenMs: t,
        exited: false,
        peakRssBytes: 0,
        lastPssBytes: null,
      });
      if (pid !== this.rootPid && this.ticks > 1) this.pair(this.births, this.exits, ppid, t);
    }
    const seen = new Set<number>();
    let rss = 0;
    let pss = 0;
    let pssKnown = 0;
    const processes: ProcessSample[] = [];
    for (const [pid, ppid, r, p, priv] of m.p) {
      seen.add(pid);
      const tr = this.live.get(pid);
      if (tr) {
        tr.lastSeenMs = t;
        tr.lastPssBytes = p;
        if (r > tr.peakRssBytes) tr.peakRssBytes = r;
      }
      rss += r;
      if (p !== null) {
        pss += p;
        pssKnown++;
      }
      processes.push({ pid, ppid, rssBytes: r, pssBytes: p, privateBytes: priv });
    }
    for (const tr of [...this.live.values()]) if (!seen.has(tr.pid)) this.retire(tr, t);
    const sample: TreeSample = { t, rssBytes: rss, pssBytes: pssKnown > 0 ? pss : null, processes };
    this.emit('sample', sample);
  }

  private retire(tr: Tracked, t: number): void {
    tr.exited = true;
    this.live.delete(tr.pid);
    this.gone.push(tr);
    if (this.gone.length > MAX_GONE) this.gone.shift();
    if (tr.ppid !== null) this.pair(this.exits, this.births, tr.ppid, t);
  }

  /** An exit and a birth under the same parent within a short window make one restart. */
  private pair(mine: Map<number, number[]>, other: Map<number, number[]>, ppid: number, t: number): void {
    const theirs = (other.get(ppid) ?? []).filter((x) => t - x <= RESTART_WINDOW_MS);
    if (theirs.length > 0) {
      theirs.shift();
      this.restartCount++;
      other.set(ppid, theirs);
      return;
    }
    const list = (mine.get(ppid) ?? []).filter((x) => t - x <= RESTART_WINDOW_MS);
    list.push(t);
    mine.set(ppid, list);
  }
}
