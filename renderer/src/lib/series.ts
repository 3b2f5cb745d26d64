// Pure transforms from samples to chart columns. Kept free of React and uPlot so they can
// be reasoned about (and run over 100k samples) without a browser.
import type { Checkpoint, Sample } from '../../../shared/result';

export type XAxis = 'requests' | 'time';

export interface Marker {
  x: number;
  label: string;
  kind: 'snapshot' | 'restart' | 'exit';
}

export interface MemoryColumns {
  x: Float64Array;
  pssTotal: (number | null)[];
  rssTotal: (number | null)[];
  heapUsed: (number | null)[];
  /** one column per pid, null where that process was not alive */
  perProcess: { pid: number; values: (number | null)[] }[];
  hasPss: boolean;
  hasHeap: boolean;
}

const xOf = (s: { t: number; requests: number }, axis: XAxis) =>
  axis === 'requests' ? s.requests : s.t / 1000;

export function memoryColumns(samples: readonly Sample[], axis: XAxis, maxProcesses = 12): MemoryColumns {
  const n = samples.length;
  const x = new Float64Array(n);
  const pssTotal: (number | null)[] = new Array(n);
  const rssTotal: (number | null)[] = new Array(n);
  const heapUsed: (number | null)[] = new Array(n);
  const index = new Map<number, number>();
  const perProcess: { pid: number; values: (number | null)[] }[] = [];
  let hasPss = false;
  let hasHeap = false;
  for (let i = 0; i < n; i++) {
    const s = samples[i];
    x[i] = xOf(s, axis);
    pssTotal[i] = s.pssBytes;
    rssTotal[i] = s.rssBytes;
    heapUsed[i] = s.heapUsedBytes;
    if (s.pssBytes != null) hasPss = true;
    if (s.heapUsedBytes != null) hasHeap = true;
    // A lone process duplicates the total line: per-process lines only for trees.
    for (const p of s.processes) {
      let k = index.get(p.pid);
      if (k === undefined) {
        if (perProcess.length >= maxProcesses) continue;
        k = perProcess.length;
        index.set(p.pid, k);
        perProcess.push({ pid: p.pid, values: new Array(n).fill(null) });
      }
      perProcess[k].values[i] = p.pssBytes ?? p.rssBytes;
    }
  }
  return {
    x,
    pssTotal,
    rssTotal,
    heapUsed,
    perProcess: perProcess.length > 1 ? perProcess : [],
    hasPss,
    hasHeap,
  };
}

/** Workers that appeared after the first sample (restarts) and processes that went away. */
export function processMarkers(samples: readonly Sample[], axis: XAxis): Marker[] {
  const out: Marker[] = [];
  if (samples.length === 0) return out;
  let alive = new Set(samples[0].processes.map((p) => p.pid));
  for (let i = 1; i < samples.length; i++) {
    const now = new Set(samples[i].processes.map((p) => p.pid));
    const x = xOf(samples[i], axis);
    for (const pid of now) if (!alive.has(pid)) out.push({ x, label: `pid ${pid} started`, kind: 'restart' });
    for (const pid of alive) if (!now.has(pid)) out.push({ x, label: `pid ${pid} exited`, kind: 'exit' });
    alive = now;
  }
  return out;
}

export function checkpointPoints(
  checkpoints: readonly Checkpoint[],
  axis: XAxis,
): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const c of checkpoints) if (c.heapBytes != null) out.push({ x: xOf(c, axis), y: c.heapBytes });
  return out;
}

/** Nearest sample's x for a request count, for markers known only by request count. */
export function xForRequests(samples: readonly Sample[], requests: number, axis: XAxis): number {
  if (axis === 'requests') return requests;
  let lo = 0;
  let hi = samples.length - 1;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (samples[mid].requests < requests) lo = mid + 1;
    else hi = mid;
  }
  return samples[lo].t / 1000;
}

/** Two runs on one x axis: union of x values, each run's values carried where it has none. */
export function alignRuns(
  a: readonly Sample[],
  b: readonly Sample[],
  pick: (s: Sample) => number | null,
): [number[], (number | null)[], (number | null)[]] {
  const xs = Array.from(new Set([...a.map((s) => s.requests), ...b.map((s) => s.requests)])).sort(
    (p, q) => p - q,
  );
  const col = (run: readonly Sample[]) => {
    const byX = new Map<number, number | null>();
    for (const s of run) byX.set(s.requests, pick(s));
    return xs.map((x) => (byX.has(x) ? (byX.get(x) ?? null) : null));
  };
  return [xs, col(a), col(b)];
}
