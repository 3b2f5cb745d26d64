// Accumulates what the load generator observed, across phases (warm-up, load, …): the
// exact latency histogram for the final figures, plus a ring of coarse 100 ms histograms so
// the UI can show rps and percentiles over the last few seconds while the run goes on.
import type { LoadStats } from '../../../shared/result';
import { Histogram } from './histogram';

export type ErrorKind = 'connect' | 'timeout' | 'status' | 'other';

export interface LiveLoadStats {
  /** completions per second over the window */
  rps: number;
  /** latency percentiles over the window, ms */
  p50: number;
  p95: number;
  p99: number;
  /** totals since the recorder was made */
  errors: number;
  requests: number;
}

const SLOT_MS = 100;
const SLOTS = 128; // 12.8 s of history
/** 7 bits: ≤ 1.6 % relative error, plenty for a live display, 1.6k counters per slot */
const LIVE_BITS = 7;

export class LoadRecorder {
  readonly histogram = new Histogram(11);
  readonly errorsByKind = { connect: 0, timeout: 0, status: 0, other: 0 };
  private readonly statusCounts = new Float64Array(600);
  private completed = 0;
  private failedTotal = 0;
  bytesRead = 0;
  /** requests sent across all phases; feeds the {{counter}} template variable */
  sequence = 0;
  /** ms of load phases that have ended, plus the running one up to now */
  private activeMs = 0;
  private phaseStart = -1;
  private phaseDepth = 0;
  /** last error message per kind, for a one-line explanation */
  readonly lastError: Partial<Record<ErrorKind, string>> = {};

  /** made on first use: most runs are short, and 128 slices cost 1.7 MB */
  private readonly live: (Histogram | undefined)[] = new Array(SLOTS);
  private readonly liveCount = new Float64Array(SLOTS);
  private readonly liveEpoch = new Float64Array(SLOTS).fill(-1);
  private readonly scratch = new Histogram(LIVE_BITS);
  private firstAt = -1;

  /** completed requests so far (a response was read, whatever its status) */
  get requests(): number {
    return this.completed;
  }

  /** failed requests so far, all kinds (non-2xx/3xx responses included) */
  get errors(): number {
    return this.failedTotal;
  }

  /** the request outcomes so far: responses plus requests that got none */
  get outcomes(): number {
    return this.completed + this.failedTotal - this.errorsByKind.status;
  }

  /** a response was read; latency in µs */
  recordResponse(status: number, latencyUs: number, now: number): void {
    this.completed++;
    if (status >= 0 && status < 600) this.statusCounts[status]++;
    if (status >= 400) {
      this.errorsByKind.status++;
      this.failedTotal++;
    }
    this.histogram.record(latencyUs);
    const epoch = Math.floor(now / SLOT_MS);
    const slot = epoch % SLOTS;
    let h = this.live[slot];
    if (h === undefined) {
      h = new Histogram(LIVE_BITS);
      this.live[slot] = h;
    }
    if (this.liveEpoch[slot] !== epoch) {
      this.liveEpoch[slot] = epoch;
      this.liveCount[slot] = 0;
      h.reset();
    }
    this.liveCount[slot]++;
    h.record(latencyUs);
    if (this.firstAt < 0) this.firstAt = now;
  }

  /** a request got no usable response */
  recordError(kind: Exclude<ErrorKind, 'status'>, message?: string): void {
    this.errorsByKind[kind]++;
    this.failedTotal++;
    if (message !== undefined) this.lastError[kind] = message;
  }

  /** runLoad brackets each phase with these, so rps is over time spent loading */
  beginPhase(now: number): void {
    if (this.phaseDepth++ === 0) this.phaseStart = now;
  }

  endPhase(now: number): void {
    if (this.phaseDepth === 0) return;
    if (--this.phaseDepth === 0) {
      this.activeMs += now - this.phaseStart;
      this.phaseStart = -1;
    }
  }

  durationMs(now = performance.now()): number {
    return this.activeMs + (this.phaseStart >= 0 ? now - this.phaseStart : 0);
  }

  liveStats(windowMs = 1000, now = performance.now()): LiveLoadStats {
    const nSlots = Math.max(1, Math.min(SLOTS - 1, Math.ceil(windowMs / SLOT_MS)));
    const current = Math.floor(now / SLOT_MS);
    const h = this.scratch;
    h.reset();
    let count = 0;
    for (let e = current - nSlots + 1; e <= current; e++) {
      const slot = e % SLOTS;
      const slice = this.live[slot];
      if (this.liveEpoch[slot] !== e || slice === undefined) continue;
      count += this.liveCount[slot];
      h.merge(slice);
    }
    // the window is whole slots, the newest partly elapsed; never longer than we have been running
    let spanMs = (nSlots - 1) * SLOT_MS + (now - current * SLOT_MS);
    if (this.firstAt >= 0) spanMs = Math.min(spanMs, Math.max(SLOT_MS, now - this.firstAt));
    const [p50, p95, p99] = h.percentiles([50, 95, 99]);
    return {
      rps: count === 0 ? 0 : count / (spanMs / 1000),
      p50: p50 / 1000,
      p95: p95 / 1000,
      p99: p99 / 1000,
      errors: this.failedTotal,
      requests: this.completed,
    };
  }

  stats(now = performance.now()): LoadStats {
    const h = this.histogram;
    const [p50, p90, p95, p99] = h.percentiles([50, 90, 95, 99]);
    const durationMs = this.durationMs(now);
    const statusCodes: Record<string, number> = {};
    for (let s = 0; s < 600; s++) if (this.statusCounts[s] > 0) statusCodes[String(s)] = this.statusCounts[s];
    return {
      requests: this.completed,
      errors: this.failedTotal,
      errorsByKind: { ...this.errorsByKind },
      rps: durationMs > 0 ? this.completed / (durationMs / 1000) : 0,
      durationMs,
      latencyMs: {
        p50: p50 / 1000,
        p90: p90 / 1000,
        p95: p95 / 1000,
        p99: p99 / 1000,
        max: h.max / 1000,
        mean: h.mean() / 1000,
      },
      statusCodes,
      bytesRead: this.bytesRead,
    };
  }
}
