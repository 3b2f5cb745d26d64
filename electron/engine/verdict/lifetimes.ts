// Growth within each worker's life. A worker recycled by its master (gunicorn --max-requests,
// a cluster master replacing workers) starts small again: the total heap of the tree saw-tooths
// or even falls while every worker leaks. So each life (one pid from its start until it exits)
// is its own series of post-GC checkpoints against the requests that worker served, and the
// slope is fitted within lives only: the seasonal Kendall (Hirsch–Slack) form of Theil–Sen,
// the median of all within-life pairwise slopes, never a pair across a restart, with Sen's
// rank interval whose variance is the sum of each life's Kendall variance.
import type { Verdict } from '../../../shared/result';
import { DEFAULT_THRESHOLDS, type VerdictThresholds } from './decide';
import { median, quantileSorted } from './stats';

/** One process's post-GC figures at one checkpoint. */
export interface LifetimePoint {
  pid: number;
  /** process start (agent clock, s since epoch): a reused pid is another life */
  startedAt: number;
  /** requests this process served so far, by its own count */
  served: number;
  heapBytes: number;
  rssBytes?: number | null;
  /** requests the whole target had served (load generator) */
  requests: number;
}

export interface Lifetime {
  pid: number;
  startedAt: number;
  /** by served, one point per served count */
  points: LifetimePoint[];
  /** it exited (was recycled) before the run ended */
  ended: boolean;
}

export function groupLifetimes(
  points: readonly LifetimePoint[],
  aliveAtEnd: ReadonlySet<number>,
): Lifetime[] {
  const by = new Map<string, LifetimePoint[]>();
  for (const p of points) {
    const k = `${p.pid}:${p.startedAt}`;
    const list = by.get(k);
    if (list) list.push(p);
    else by.set(k, [p]);
  }
  const out: Lifetime[] = [];
  for (const list of by.values()) {
    list.sort((a, b) => a.served - b.served);
    const pts = list.filter((p, i) => i === 0 || p.served !== list[i - 1].served);
    const last = pts[pts.length - 1];
    // a life whose pid lives on with a later start was recycled too (pid reuse)
    const later = list.some((p) => p.startedAt > last.startedAt);
    out.push({
      pid: last.pid,
      startedAt: last.startedAt,
      points: pts,
      ended: !aliveAtEnd.has(last.pid) || later,
    });
  }
  for (const l of out) {
    if (out.some((o) => o !== l && o.pid === l.pid && o.startedAt > l.startedAt)) l.ended = true;
  }
  return out.sort((a, b) => a.startedAt - b.startedAt || a.pid - b.pid);
}

export interface PooledFit {
  slope: number;
  ci95: [number, number];
  /** lives with at least minPoints points (the only ones fitted) */
  lifetimes: number;
  points: number;
  pairs: number;
}

const Z95 = 1.959964;

/** Pooled within-life Theil–Sen with the seasonal Kendall interval; null when no life has minPoints. */
export function pooledTheilSen(lifetimes: readonly Lifetime[], minPoints = 4): PooledFit | null {
  const slopes: number[] = [];
  let varS = 0;
  let used = 0;
  let points = 0;
  for (const l of lifetimes) {
    const n = l.points.length;
    if (n < minPoints) continue;
    used++;
    points += n;
    varS += (n * (n - 1) * (2 * n + 5)) / 18;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const dx = l.points[j].served - l.points[i].served;
        if (dx > 0) slopes.push((l.points[j].heapBytes - l.points[i].heapBytes) / dx);
      }
    }
  }
  if (used === 0 || slopes.length === 0) return null;
  slopes.sort((a, b) => a - b);
  const N = slopes.length;
  const c = Z95 * Math.sqrt(varS);
  const lo = Math.max(0, Math.floor((N - c) / 2));
  const hi = Math.min(N - 1, Math.ceil((N + c) / 2));
  return {
    slope: quantileSorted(slopes, 0.5),
    ci95: [slopes[lo], slopes[hi]],
    lifetimes: used,
    points,
    pairs: N,
  };
}

export interface Recycling {
  /** from the command line (gunicorn --max-requests / --max-requests-jitter), when given */
  maxRequests?: number | null;
  jitter?: number | null;
}

export interface LifetimeInput {
  lifetimes: Lifetime[];
  recycling?: Recycling;
  minPoints?: number;
  thresholds?: VerdictThresholds;
  /** the top suspect's name, from a census diff within one life */
  suspect?: string | null;
  /** what the top suspect retains more per request within that life (its own growth rate) */
  suspectBytesPerRequest?: number | null;
}

export interface LifetimeSummary {
  bytesPerRequest: number;
  ci95: [number, number];
  lifetimes: number;
  lifetimesFitted: number;
  endedLifetimes: number;
  /** median requests a recycled worker had served at its last checkpoint */
  recycledEvery: number | null;
  /** median RSS at the first and at the last checkpoint of a life */
  rssLowBytes: number | null;
  rssHighBytes: number | null;
  /** most checkpoints any life got */
  maxPoints: number;
}

const mib = (b: number): string => (b / 1024 / 1024).toFixed(1);

/** Parse gunicorn's recycling options out of a command line (argv words). */
export function recyclingFromArgv(argv: readonly string[]): Recycling {
  const val = (name: string): number | null => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === name && i + 1 < argv.length) return Number(argv[i + 1]);
      if (a.startsWith(`${name}=`)) return Number(a.slice(name.length + 1));
    }
    return null;
  };
  const m = val('--max-requests');
  const j = val('--max-requests-jitter');
  return {
    maxRequests: m !== null && Number.isFinite(m) && m > 0 ? m : null,
    jitter: j !== null && Number.isFinite(j) && j >= 0 ? j : null,
  };
}

/**
 * The verdict from growth within lives, when at least one life ended during the run (its
 * worker was recycled); null otherwise: with no restart the whole-tree curve already is one
 * life per worker and the usual verdict holds.
 */
export function decideLifetimes(input: LifetimeInput): { verdict: Verdict; summary: LifetimeSummary } | null {
  const t = input.thresholds ?? DEFAULT_THRESHOLDS;
  const minPoints = input.minPoints ?? 4;
  // a point before the first request can fall before the worker imported its app
  const lives = input.lifetimes
    .map((l) => ({ ...l, points: l.points.filter((p) => p.served > 0) }))
    .filter((l) => l.points.length > 0);
  const ended = lives.filter((l) => l.ended);
  if (ended.length === 0) return null;
  const lastServed = ended.map((l) => l.points[l.points.length - 1].served);
  const recycledEvery = lastServed.length ? Math.round(median(lastServed)) : null;
  const rssFirst = lives.map((l) => l.points[0].rssBytes).filter((r): r is number => typeof r === 'number');
  const rssLast = ended
    .map((l) => l.points[l.points.length - 1].rssBytes)
    .filter((r): r is number => typeof r === 'number');
  const maxPoints = Math.max(...lives.map((l) => l.points.length));
  const fit = pooledTheilSen(lives, minPoints);
  // the later half of each life (by requests served): a fresh worker fills its caches on its
  // first requests and then stops, which a leak never does
  const late = pooledTheilSen(
    lives.map((l) => {
      const mid = (l.points[0].served + l.points[l.points.length - 1].served) / 2;
      return { ...l, points: l.points.filter((p) => p.served >= mid) };
    }),
    3,
  );
  const summary: LifetimeSummary = {
    bytesPerRequest: fit?.slope ?? 0,
    ci95: fit?.ci95 ?? [0, 0],
    lifetimes: lives.length,
    lifetimesFitted: fit?.lifetimes ?? 0,
    endedLifetimes: ended.length,
    recycledEvery,
    rssLowBytes: rssFirst.length ? median(rssFirst) : null,
    rssHighBytes: rssLast.length ? median(rssLast) : null,
    maxPoints,
  };
  const every = recycledEvery !== null ? `~${recycledEvery}` : 'a few hundred';
  const base = { basis: 'heap' as const, unit: 'request' as const, plateau: false, offHeapGrowth: false };
  if (!fit || fit.lifetimes < 2) {
    return {
      summary,
      verdict: {
        ...base,
        kind: 'inconclusive',
        bytesPerRequest: fit?.slope ?? 0,
        ci95: fit?.ci95 ?? [0, 0],
        reason: `Inconclusive: lifetimes too short for ${minPoints} checkpoints: ${ended.length} worker(s) were recycled after ${every} requests, and ${fit?.lifetimes ?? 0} of ${lives.length} lives got ${minPoints} post-GC checkpoints (at most ${maxPoints}); at least 2 are needed to fit growth within lives. Raise --requests or lower the checkpoint interval.`,
      },
    };
  }
  const [lo, hi] = fit.ci95;
  const per = `${fit.slope.toFixed(1)} B/request (95% CI ${lo.toFixed(1)} … ${hi.toFixed(1)})`;
  const opt =
    input.recycling?.maxRequests != null
      ? ` (--max-requests ${input.recycling.maxRequests}${input.recycling.jitter ? ` ± ${input.recycling.jitter}` : ''})`
      : '';
  const over = `pooled within ${fit.lifetimes} worker lives (${fit.points} post-GC checkpoints; no pair across a restart)`;
  const summaryOut = { ...summary, bytesPerRequest: fit.slope, ci95: fit.ci95 };
  const typicalLife = recycledEvery ?? 300;
  // "levelled off" only when the later half's interval says so, not its point estimate: a
  // noisy later half (a Node worker's connections coming and going) cannot rule a leak out
  // nor when it cannot rule out the rate the top suspect was seen growing at within one life
  const suspectRate = input.suspect ? (input.suspectBytesPerRequest ?? 0) : 0;
  const levelled =
    late !== null &&
    (late.ci95[1] < t.lateFraction * fit.slope || late.ci95[1] < t.minBytesPerRequest / 2) &&
    !(suspectRate > 0 && late.ci95[1] >= suspectRate);
  if (lo > 0 && fit.slope >= t.minBytesPerRequest && levelled && late) {
    return {
      summary: summaryOut,
      verdict: {
        ...base,
        kind: 'no-leak',
        bytesPerRequest: late.slope,
        ci95: late.ci95,
        plateau: true,
        reason: `No leak within worker lives: each worker's heap grew early in its life (${per}, ${over}) and then ${late.ci95[0] > 0 ? 'slowed to' : 'levelled off'} (${late.slope.toFixed(1)} B/request, 95% CI ${late.ci95[0].toFixed(1)} … ${late.ci95[1].toFixed(1)}, in the later half of each life${late.ci95[0] > 0 ? `, under ${Math.round(t.lateFraction * 100)}% of the whole life's rate` : ''}): a fresh worker filling its caches, not memory that grows without bound. Workers were recycled every ${every} requests${opt}.`,
      },
    };
  }
  if (lo > 0 && fit.slope >= t.minBytesPerRequest && late && late.ci95[0] <= 0 && !input.suspect) {
    return {
      summary: summaryOut,
      verdict: {
        ...base,
        kind: 'inconclusive',
        bytesPerRequest: fit.slope,
        ci95: fit.ci95,
        reason: `Inconclusive: each worker's heap grew ${per} within its life, ${over}, but in the later half of each life it changed ${late.slope.toFixed(1)} B/request (95% CI ${late.ci95[0].toFixed(1)} … ${late.ci95[1].toFixed(1)}): too noisy to tell a leak from a fresh worker filling its caches, and no object type grew within one life. Workers were recycled every ${every} requests${opt}; raise --requests, or recycle less often while hunting.`,
      },
    };
  }
  // what the workers would have grown without recycling over the requests measured in lives
  const measuredServed = lives
    .filter((l) => l.points.length >= minPoints)
    .reduce((a, l) => a + l.points[l.points.length - 1].served - l.points[0].served, 0);
  if (lo > 0 && fit.slope >= t.minBytesPerRequest && fit.slope * measuredServed < t.minGrowthBytes) {
    const need = Math.ceil(t.minGrowthBytes / fit.slope);
    return {
      summary: summaryOut,
      verdict: {
        ...base,
        kind: 'inconclusive',
        bytesPerRequest: fit.slope,
        ci95: fit.ci95,
        reason: `Inconclusive: each worker grows ${per} within its life, ${over}, but over the ${measuredServed} requests measured within lives that is only ${((fit.slope * measuredServed) / 1024).toFixed(0)} KiB, under the ${(t.minGrowthBytes / 1024).toFixed(0)} KiB leakhound needs to call a leak; workers were recycled every ${every} requests${opt}. Raise --requests (at this rate, about ${need} requests measured within lives).`,
      },
    };
  }
  if (lo > 0 && fit.slope >= t.minBytesPerRequest) {
    const saw =
      summary.rssLowBytes !== null && summary.rssHighBytes !== null
        ? `, so RSS saw-tooths between ${mib(summary.rssLowBytes)} and ${mib(summary.rssHighBytes)} MB`
        : '';
    const million = (fit.slope * 1e6) / 1024 / 1024;
    const who = input.suspect
      ? ` The top suspect, from three heap captures within the same workers’ lives, is ${input.suspect}.`
      : '';
    return {
      summary: summaryOut,
      verdict: {
        ...base,
        kind: 'leak',
        bytesPerRequest: fit.slope,
        ci95: fit.ci95,
        reason: `LEAK masked by worker recycling: each worker grows ~${per} and is recycled every ${every} requests${opt}${saw}; without recycling it would grow ${million.toFixed(0)} MB per million requests. Measured ${over}.${who}`,
      },
    };
  }
  if (hi < 0 && -fit.slope >= t.minBytesPerRequest) {
    return {
      summary: summaryOut,
      verdict: {
        ...base,
        kind: 'inconclusive',
        bytesPerRequest: fit.slope,
        ci95: fit.ci95,
        reason: `Inconclusive: within each worker's life the heap fell, ${per}, ${over}; the whole interval is below zero, so it is a real fall (a cache emptied as the worker aged?), not a leak and not noise.`,
      },
    };
  }
  // narrow enough that a leak of the threshold's size over a typical life would have shown
  const narrow = hi < t.minBytesPerRequest * 4 || hi * typicalLife * fit.lifetimes < t.minGrowthBytes;
  if (narrow) {
    const small =
      lo > 0
        ? ' The whole interval is above zero: a real but small growth, under the leak threshold.'
        : hi < 0
          ? ' The whole interval is below zero: the heap fell a little within lives.'
          : '';
    return {
      summary: summaryOut,
      verdict: {
        ...base,
        kind: 'no-leak',
        bytesPerRequest: fit.slope,
        ci95: fit.ci95,
        reason: `No leak within worker lives: each worker's heap changed ${per} over the requests it served, ${over}; workers were recycled every ${every} requests${opt}.${small}`,
      },
    };
  }
  return {
    summary: summaryOut,
    verdict: {
      ...base,
      kind: 'inconclusive',
      bytesPerRequest: fit.slope,
      ci95: fit.ci95,
      reason: `Inconclusive: within worker lives the heap changed ${per}, ${over}: too wide to tell. Raise --requests (more lives) or lower the checkpoint interval.`,
    },
  };
}
