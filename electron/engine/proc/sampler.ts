// Samples the memory of a whole process tree (root + every descendant, re-discovered each
// tick so gunicorn's restarted workers are followed). RSS is cheap (/proc/<pid>/status) and
// read at rssHz; PSS is what the tree total is made of (RSS counts the pages forked workers
// share once per worker, ~2× too much) but costs 1–60 ms a read, so it is read at pssHz and
// the last value per pid is carried between reads. Runs for hours: no per-tick growth.
import { EventEmitter } from 'node:events';
import type { z } from 'zod';
import type { ProcessSample, processInfoSchema } from '../../../shared/result';
import {
  childrenOf,
  hasProcfs,
  readCmdline,
  readRssPpid,
  readSmapsRollup,
  readSmapsRollupAsync,
  readStat,
} from './procfs';
import { psTreeSnapshot } from './psfallback';

export type ProcessInfo = z.infer<typeof processInfoSchema>;

export interface TreeSample {
  /** ms since start() */
  t: number;
  rssBytes: number;
  /** sum of the last PSS read of every live process; null when none could be read */
  pssBytes: number | null;
  processes: ProcessSample[];
}

export interface TreeSamplerOptions {
  rootPid: number;
  rssHz?: number;
  pssHz?: number;
  /** 'procfs' on Linux; 'ps' (spawns ps/PowerShell per tick, like pidusage) elsewhere */
  backend?: 'procfs' | 'ps';
}

interface Tracked {
  pid: number;
  ppid: number | null;
  command: string;
  statusPath: string;
  startTicks: number;
  firstSeenMs: number;
  lastSeenMs: number;
  exited: boolean;
  rssBytes: number;
  peakRssBytes: number;
  lastPssBytes: number | null;
  lastPrivateBytes: number | null;
  /** PSS read since the last sample was built */
  freshPss: boolean;
  seenTick: number;
}

/** Exited processes kept for processes(); older ones are dropped (gunicorn with max-requests
 * restarts workers all day). */
const MAX_GONE = 500;
/** a replacement seen up to this long before its predecessor's exit still pairs with it */
const RESTART_WINDOW_MS = 2000;
/** a fork bomb under the target must not make one tick unbounded */
const MAX_TREE = 4096;

export class TreeSampler extends EventEmitter {
  readonly rootPid: number;
  private readonly rssMs: number;
  private readonly pssMs: number;
  private readonly backend: 'procfs' | 'ps';
  private readonly live = new Map<number, Tracked>();
  private readonly gone: Tracked[] = [];
  /** per parent pid: children that exited and have not been replaced yet */
  private readonly pendingExits = new Map<number, number>();
  /** per parent pid: when children appeared recently (a replacement may show up a tick
   * before its predecessor's exit is noticed) */
  private readonly recentBirths = new Map<number, number[]>();
  private readonly born: Tracked[] = [];
  private readonly died: Tracked[] = [];
  private restartCount = 0;
  private t0 = 0;
  private tick = 0;
  private rssTimer: NodeJS.Timeout | null = null;
  private pssTimer: NodeJS.Timeout | null = null;
  private pssBusy = false;
  private psBusy = false;
  private running = false;
  private rootGone = false;
  private readonly scratch = new Float64Array(3);
  private readonly queue: number[] = [];
  private readonly smapsBuf = Buffer.allocUnsafe(8 * 1024);

  constructor(opts: TreeSamplerOptions) {
    super();
    if (!Number.isInteger(opts.rootPid) || opts.rootPid <= 0) {
      throw new TypeError(`TreeSampler: rootPid must be a positive integer, got ${opts.rootPid}`);
    }
    this.rootPid = opts.rootPid;
    const rssHz = Math.min(Math.max(opts.rssHz ?? 5, 0.1), 100);
    const pssHz = Math.min(Math.max(opts.pssHz ?? 1, 0.01), rssHz);
    this.rssMs = 1000 / rssHz;
    this.pssMs = 1000 / pssHz;
    this.backend = opts.backend ?? (hasProcfs ? 'procfs' : 'ps');
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.t0 = performance.now();
    if (this.backend === 'procfs') {
      this.sampleProcfs();
      this.rssTimer = setInterval(() => this.sampleProcfs(), this.rssMs);
      this.pssTimer = setInterval(() => void this.readPssRound(), this.pssMs);
      this.pssTimer.unref();
    } else {
      void this.samplePs();
      this.rssTimer = setInterval(() => void this.samplePs(), this.rssMs);
    }
    this.rssTimer.unref();
  }

  stop(): void {
    this.running = false;
    if (this.rssTimer) clearInterval(this.rssTimer);
    if (this.pssTimer) clearInterval(this.pssTimer);
    this.rssTimer = null;
    this.pssTimer = null;
  }

  override on(event: 'sample', listener: (s: TreeSample) => void): this;
  override on(event: 'exit', listener: (e: { pid: number; t: number }) => void): this;
  override on(event: 'warning', listener: (message: string) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own catch-all signature
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener);
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Every process seen in the tree: live ones first, then the most recent exited ones. */
  processes(): ProcessInfo[] {
    const out: ProcessInfo[] = [];
    for (const p of this.live.values()) out.push(info(p));
    for (const p of this.gone) out.push(info(p));
    return out;
  }

  /** Children that exited and were replaced under the same parent (worker restarts). */
  restarts(): number {
    return this.restartCount;
  }

  private now(): number {
    return Math.round(performance.now() - this.t0);
  }

  private sampleProcfs(): void {
    if (!this.running) return;
    const t = this.now();
    const tick = ++this.tick;
    const s = this.scratch;
    // Breadth-first over the live tree; the status read that gives RSS also gives the
    // thread count, which lets single-threaded workers skip a directory listing.
    const queue = this.queue;
    queue.length = 0;
    queue.push(this.rootPid);
    for (let i = 0; i < queue.length && i < MAX_TREE; i++) {
      const pid = queue[i];
      const known = this.live.get(pid);
      if (known && known.seenTick === tick) continue;
      if (!readRssPpid(known ? known.statusPath : `/proc/${pid}/status`, s)) continue;
      this.see(pid, pid === this.rootPid ? null : s[1], s[0], t, tick);
      childrenOf(pid, s[2], queue);
    }
    // The children files can miss a process for one tick while the kernel updates them;
    // a tracked process that is still alive under a live parent has not exited.
    for (const tr of this.live.values()) {
      if (tr.seenTick === tick || tr.pid === this.rootPid) continue;
      if (!readRssPpid(tr.statusPath, s)) continue;
      const parent = this.live.get(s[1]);
      if (parent && parent.seenTick === tick) this.see(tr.pid, s[1], s[0], t, tick);
    }
    this.finishTick(t, tick);
  }

  private async samplePs(): Promise<void> {
    if (!this.running || this.psBusy) return;
    this.psBusy = true;
    try {
      const rows = await psTreeSnapshot(this.rootPid);
      if (!this.running) return;
      const t = this.now();
      const tick = ++this.tick;
      for (const r of rows) {
        this.see(r.pid, r.pid === this.rootPid ? null : r.ppid, r.rssBytes, t, tick);
        const tr = this.live.get(r.pid);
        if (tr && r.privateBytes !== null) {
          tr.lastPrivateBytes = r.privateBytes;
          tr.freshPss = true;
        }
      }
      this.finishTick(t, tick);
    } catch (e) {
      this.emit('warning', `process sampling failed: ${(e as Error).message}`);
    } finally {
      this.psBusy = false;
    }
  }

  private see(pid: number, ppid: number | null, rss: number, t: number, tick: number): void {
    let tr = this.live.get(pid);
    if (tr && this.backend === 'procfs' && tr.seenTick < tick - 1) {
      // Not seen last tick and back now: make sure it is the same process, not a reused pid.
      const st = readStat(pid);
      if (st && st.startTicks !== tr.startTicks) {
        this.retire(tr);
        tr = undefined;
      }
    }
    if (!tr) {
      const cmd = this.backend === 'procfs' ? readCmdline(pid) : null;
      tr = {
        pid,
        ppid,
        command: cmd && cmd.length > 0 ? cmd.join(' ') : '',
        statusPath: `/proc/${pid}/status`,
        startTicks: this.backend === 'procfs' ? (readStat(pid)?.startTicks ?? 0) : 0,
        firstSeenMs: t,
        lastSeenMs: t,
        exited: false,
        rssBytes: rss,
        peakRssBytes: rss,
        lastPssBytes: null,
        lastPrivateBytes: null,
        freshPss: false,
        seenTick: tick,
      };
      this.live.set(pid, tr);
      if (ppid !== null && tick > 1) this.born.push(tr);
      if (this.backend === 'procfs') {
        // First sight: read PSS now so the tree total never silently lacks a new worker.
        const sm = readSmapsRollup(pid);
        if (sm) {
          tr.lastPssBytes = sm.pssBytes;
          tr.lastPrivateBytes = sm.privateBytes;
          tr.freshPss = true;
        }
      }
    }
    tr.ppid = ppid;
    tr.rssBytes = rss;
    // Only a zombie (exited, not yet reaped) has no resident pages: its PSS is gone too.
    if (rss === 0 && this.backend === 'procfs') tr.lastPssBytes = 0;
    if (rss > tr.peakRssBytes) tr.peakRssBytes = rss;
    tr.lastSeenMs = t;
    tr.seenTick = tick;
  }

  private retire(tr: Tracked): void {
    tr.exited = true;
    this.live.delete(tr.pid);
    this.gone.push(tr);
    if (this.gone.length > MAX_GONE) this.gone.shift();
    if (tr.ppid !== null && tr.pid !== this.rootPid) this.died.push(tr);
  }

  /** Pairs exits with appearances under the same parent: each pair is one restart. */
  private countRestarts(t: number): void {
    for (const d of this.died) {
      const ppid = d.ppid!;
      const births = this.recentBirths.get(ppid);
      while (births && births.length > 0 && t - births[0] > RESTART_WINDOW_MS) births.shift();
      if (births && births.length > 0) {
        births.shift();
        this.restartCount++;
      } else {
        this.pendingExits.set(ppid, (this.pendingExits.get(ppid) ?? 0) + 1);
      }
    }
    for (const b of this.born) {
      const ppid = b.ppid!;
      const pending = this.pendingExits.get(ppid) ?? 0;
      if (pending > 0) {
        this.restartCount++;
        if (pending === 1) this.pendingExits.delete(ppid);
        else this.pendingExits.set(ppid, pending - 1);
      } else {
        const births = this.recentBirths.get(ppid) ?? [];
        births.push(t);
        this.recentBirths.set(ppid, births);
      }
    }
    this.died.length = 0;
    this.born.length = 0;
    // Forget parents that are gone and births too old to pair, so the maps stay bounded.
    for (const ppid of this.pendingExits.keys()) if (!this.live.has(ppid)) this.pendingExits.delete(ppid);
    for (const [ppid, births] of this.recentBirths) {
      while (births.length > 0 && t - births[0] > RESTART_WINDOW_MS) births.shift();
      if (births.length === 0 || !this.live.has(ppid)) this.recentBirths.delete(ppid);
    }
  }

  private finishTick(t: number, tick: number): void {
    for (const tr of this.live.values()) if (tr.seenTick !== tick) this.retire(tr);
    this.countRestarts(t);
    if (!this.live.has(this.rootPid)) {
      if (!this.rootGone) {
        this.rootGone = true;
        this.stop();
        this.emit('exit', { pid: this.rootPid, t });
      }
      return;
    }
    let rss = 0;
    let pss = 0;
    let pssKnown = 0;
    const processes: ProcessSample[] = new Array(this.live.size);
    let i = 0;
    for (const tr of this.live.values()) {
      rss += tr.rssBytes;
      if (tr.lastPssBytes !== null) {
        pss += tr.lastPssBytes;
        pssKnown++;
      }
      processes[i++] = {
        pid: tr.pid,
        ppid: tr.ppid,
        rssBytes: tr.rssBytes,
        pssBytes: tr.lastPssBytes,
        privateBytes: tr.freshPss ? tr.lastPrivateBytes : null,
      };
      tr.freshPss = false;
    }
    const sample: TreeSample = { t, rssBytes: rss, pssBytes: pssKnown > 0 ? pss : null, processes };
    this.emit('sample', sample);
  }

  private async readPssRound(): Promise<void> {
    if (!this.running || this.pssBusy) return;
    this.pssBusy = true;
    try {
      // Sequential on purpose: one reused buffer, and never more than one pool thread busy.
      for (const tr of [...this.live.values()]) {
        const sm = await readSmapsRollupAsync(tr.pid, this.smapsBuf);
        if (!this.running) return;
        if (sm && !tr.exited) {
          tr.lastPssBytes = sm.pssBytes;
          tr.lastPrivateBytes = sm.privateBytes;
          tr.freshPss = true;
        }
      }
    } finally {
      this.pssBusy = false;
    }
  }
}

function info(p: Tracked): ProcessInfo {
  return {
    pid: p.pid,
    ppid: p.ppid,
    command: p.command,
    firstSeenMs: p.firstSeenMs,
    lastSeenMs: p.lastSeenMs,
    exited: p.exited,
    peakRssBytes: p.peakRssBytes,
    lastPssBytes: p.lastPssBytes,
  };
}
