// The hunt's side of per-lifetime growth (issue 16): every post-GC checkpoint of a Python
// target is kept per process with the requests that process served, and while workers are
// being recycled the load is cut into chunks with a checkpoint after each, so that a life of
// a few hundred requests gets enough points to fit its own slope.
import { readStatus } from '../proc/procfs';
import type { PyCheckpoint } from '../python/types';
import {
  decideLifetimes,
  groupLifetimes,
  type LifetimeInput,
  type LifetimePoint,
  type Recycling,
} from '../verdict/lifetimes';

/** checkpoints aimed at per life: 4 are needed for a fit, the rest make its interval narrow */
const POINTS_PER_LIFE = 8;

export class LifetimeTracker {
  readonly points: LifetimePoint[] = [];
  private lastPids = new Set<number>();
  private workers = 1;

  constructor(
    readonly recycling: Recycling,
    private readonly readRss: (pid: number) => number | null = (pid) => readStatus(pid)?.rssBytes ?? null,
  ) {}

  record(per: readonly PyCheckpoint[], requests: number): void {
    const pids = new Set<number>();
    let workers = 0;
    for (const c of per) {
      pids.add(c.pid);
      if (typeof c.served !== 'number') continue;
      workers++;
      this.points.push({
        pid: c.pid,
        startedAt: c.startedAt,
        served: c.served,
        heapBytes: c.heapBytes,
        rssBytes: this.readRss(c.pid),
        requests,
      });
    }
    if (per.length) this.lastPids = pids;
    if (workers) this.workers = workers;
  }

  /** A life ended: a pid that served requests is no longer answering, or came back with a new start. */
  recycled(): boolean {
    const lives = groupLifetimes(this.points, this.lastPids);
    return lives.some((l) => l.ended);
  }

  /**
   * Requests (the whole target's) between lifetime checkpoints, or null while no recycling is
   * known: from --max-requests when given, else from the lives seen end so far.
   */
  every(segmentRequests: number): number | null {
    let life = this.recycling.maxRequests ?? null;
    if (life === null) {
      const ended = groupLifetimes(this.points, this.lastPids).filter((l) => l.ended);
      if (ended.length === 0) return null;
      const served = ended.map((l) => l.points[l.points.length - 1].served).sort((a, b) => a - b);
      life = served[Math.floor(served.length / 2)];
    }
    const every = Math.floor((life * this.workers) / POINTS_PER_LIFE);
    return Math.max(5, Math.min(segmentRequests, every));
  }

  /** The per-lifetime verdict over points from `fromRequests` on (after warm-up). */
  decide(fromRequests: number, suspect: string | null, extra: Partial<LifetimeInput> = {}) {
    const pts = this.points.filter((p) => p.requests >= fromRequests);
    return decideLifetimes({
      lifetimes: groupLifetimes(pts, this.lastPids),
      recycling: this.recycling,
      suspect,
      ...extra,
    });
  }
}
