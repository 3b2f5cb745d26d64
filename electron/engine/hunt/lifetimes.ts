// The hunt's side of per-lifetime growth (issue 16): every post-GC checkpoint of a Python
// or Node (cluster) target is kept per process with the requests that process served, and while workers are
// being recycled the load is cut into chunks with a checkpoint after each, so that a life of
// a few hundred requests gets enough points to fit its own slope.
import { readStatus } from '../proc/procfs';
import {
  decideLifetimes,
  groupLifetimes,
  type LifetimeInput,
  type LifetimePoint,
  type Recycling,
} from '../verdict/lifetimes';

/** What a lifetime point needs of one process's checkpoint (Python agent or Node inspector). */
export interface LifeCheckpoint {
  pid: number;
  /** s since the epoch: a reused pid is another life */
  startedAt: number;
  /** requests it served by its own count; absent (or null) for a master that serves none */
  served?: number | null;
  heapBytes: number;
}

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

  record(per: readonly LifeCheckpoint[], requests: number): void {
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
    const life = this.lifeLength();
    if (life === null) return null;
    const every = Math.floor((life * this.workers) / POINTS_PER_LIFE);
    return Math.max(5, Math.min(segmentRequests, every));
  }

  /** Requests a worker lives: --max-requests when given, else the median life seen end; null when unknown. */
  lifeLength(): number | null {
    if (this.recycling.maxRequests) return this.recycling.maxRequests;
    const ended = groupLifetimes(this.points, this.lastPids).filter((l) => l.ended);
    if (ended.length === 0) return null;
    const served = ended.map((l) => l.points[l.points.length - 1].served).sort((a, b) => a - b);
    return served[Math.floor(served.length / 2)];
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

/**
 * Requests to fire between two censuses of one worker's life, so that the youngest worker
 * lives through three of them even if it gets every request: 0.4 of what it has left; null when no worker
 * is young enough yet (the caller loads a little and asks again).
 */
export function withinLifeGap(
  per: readonly LifeCheckpoint[],
  life: number,
): { pid: number; requests: number } | null {
  const workers = per.filter((c) => typeof c.served === 'number');
  if (workers.length === 0) return null;
  const young = workers.reduce((a, b) => ((a.served as number) <= (b.served as number) ? a : b));
  const left = life - (young.served as number);
  if (left < life / 2) return null;
  // not shared out evenly: keep-alive connections can send all of them to one worker (uvicorn)
  return { pid: young.pid, requests: Math.max(10, Math.floor(0.4 * left)) };
}
