// The verdict: a pure function of post-GC checkpoints (and the suspects, for the story).
// Rules, in order of what fools people most often:
// - a cache that fills and then stops, or a lazy warm-up, grows early and is flat late:
//   not a leak (we require the growth to continue in the later half of the run);
// - GC sawtooth from heavy garbage is absent from post-GC figures by construction;
// - process memory (PSS) growing while the runtime heap is flat is reported as off-heap
//   growth (native memory or fragmentation), neither called a leak nor ignored.
import type { Checkpoint, Suspect, Verdict } from '../../../shared/result';
import { median, type SlopeFit, theilSen } from './stats';

export interface VerdictThresholds {
  /** smallest growth per request that we call a leak */
  minBytesPerRequest: number;
  /** smallest total growth over the measured span that we call a leak */
  minGrowthBytes: number;
  /** the later half must keep growing at least this fraction of the overall slope */
  lateFraction: number;
}

export const DEFAULT_THRESHOLDS: VerdictThresholds = {
  minBytesPerRequest: 16,
  minGrowthBytes: 256 * 1024,
  lateFraction: 0.35,
};

interface SeriesFinding {
  fit: SlopeFit;
  late: SlopeFit | null;
  /** the first half grew by a leak-sized amount (used to recognise a plateau) */
  earlyGrowth: boolean;
  span: number;
  significant: boolean;
  sustained: boolean;
}

function examine(
  x: number[],
  y: number[],
  t: VerdictThresholds,
  minPerRequest = t.minBytesPerRequest,
): SeriesFinding | null {
  const fit = theilSen(x, y);
  if (!fit) return null;
  const span = x[x.length - 1] - x[0];
  const half = Math.max(3, Math.ceil(x.length / 2));
  const late = x.length >= 4 ? theilSen(x.slice(-half), y.slice(-half)) : null;
  const early = x.length >= 4 ? theilSen(x.slice(0, half), y.slice(0, half)) : null;
  const earlySpan = x[Math.min(half, x.length) - 1] - x[0];
  const earlyGrowth =
    early !== null &&
    early.ci95[0] > 0 &&
    early.slope >= minPerRequest &&
    early.slope * earlySpan >= t.minGrowthBytes;
  const significant = fit.ci95[0] > 0 && fit.slope >= minPerRequest && fit.slope * span >= t.minGrowthBytes;
  const sustained =
    late === null || (late.slope >= t.lateFraction * fit.slope && late.slope >= minPerRequest / 2);
  return { fit, late, earlyGrowth, span, significant, sustained };
}

/**
 * Taking heap data leaves memory behind in the target that the server did not allocate:
 * after a V8 heap snapshot, megabytes of native memory (the generator's tables) in PSS and
 * tens of KiB in the JS heap (source positions and other lazily built metadata, computed
 * once for the snapshot); after a Python census, the agent's own bookkeeping. A step across
 * a capture is replaced by the median step of the clean segments, so the curve keeps its
 * slope and loses only what we caused.
 */
export function withoutSnapshotSteps(
  points: Checkpoint[],
  field: 'pssBytes' | 'heapBytes' = 'pssBytes',
): Checkpoint[] {
  if (!points.some((p) => p.afterSnapshot)) return points;
  const at = (i: number) => points[i][field] as number;
  const clean: number[] = [];
  for (let i = 1; i < points.length; i++) if (!points[i].afterSnapshot) clean.push(at(i) - at(i - 1));
  const typical = clean.length ? median(clean) : 0;
  const out: Checkpoint[] = [points[0]];
  for (let i = 1; i < points.length; i++) {
    const step = points[i].afterSnapshot ? typical : at(i) - at(i - 1);
    out.push({ ...points[i], [field]: (out[i - 1][field] as number) + step });
  }
  return out;
}

/** A series needs 4 points for a slope and its later half. */
function examineSeries(
  points: Checkpoint[],
  y: (c: Checkpoint) => number,
  t: VerdictThresholds,
): SeriesFinding | null {
  return points.length >= 4
    ? examine(
        points.map((c) => c.requests),
        points.map(y),
        t,
      )
    : null;
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const fmtBytes = (b: number): string => {
  const a = Math.abs(b);
  if (a >= 1024 * 1024 * 1024) return `${(b / 1024 ** 3).toFixed(2)} GiB`;
  if (a >= 1024 * 1024) return `${(b / 1024 ** 2).toFixed(1)} MiB`;
  if (a >= 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${Math.round(b)} B`;
};

export interface DecideInput {
  /** checkpoints after warm-up, in order */
  checkpoints: Checkpoint[];
  suspects: Suspect[];
  /** the runtime heap figure is known (Node inspector, Python agent) */
  heapKnown: boolean;
  heapLabel: string;
  /** x axis: requests served (default), or seconds when no load was sent (--load none) */
  unit?: 'request' | 'second';
  thresholds?: VerdictThresholds;
  /** processes of the target that exited and were replaced while it was measured (worker recycling) */
  restarts?: number;
}

export function decideVerdict(input: DecideInput): Verdict {
  const t = input.thresholds ?? DEFAULT_THRESHOLDS;
  const unit = input.unit ?? 'request';
  // Without load the x axis is time: checkpoints are re-read as "requests" = seconds.
  const cps =
    unit === 'second' ? input.checkpoints.map((c) => ({ ...c, requests: c.t / 1000 })) : input.checkpoints;
  const per = unit === 'second' ? 'per second' : 'per request';
  const over = (n: number) => (unit === 'second' ? `${Math.round(n)} s` : `${n} requests`);
  if (cps.length < 4) {
    return {
      kind: 'inconclusive',
      bytesPerRequest: 0,
      ci95: [0, 0],
      basis: 'none',
      unit,
      reason: `Only ${cps.length} post-GC measurement(s) were taken after warm-up; at least 4 are needed. Run longer (more --requests or a longer --duration).`,
    };
  }
  const x = cps.map((c) => c.requests);
  const pssPoints = withoutSnapshotSteps(cps.filter((c) => c.pssBytes !== null));
  const pss = examineSeries(pssPoints, (c) => c.pssBytes as number, t);
  const heap = input.heapKnown
    ? examineSeries(
        withoutSnapshotSteps(
          cps.filter((c) => c.heapBytes !== null),
          'heapBytes',
        ),
        (c) => c.heapBytes as number,
        t,
      )
    : null;
  const main = heap ?? pss;
  const basis: Verdict['basis'] = heap ? 'heap' : pss ? 'pss' : 'none';
  if (!main) {
    return {
      kind: 'inconclusive',
      bytesPerRequest: 0,
      ci95: [0, 0],
      basis: 'none',
      unit,
      reason: 'No memory figures could be read from the target.',
    };
  }
  const requests = x[x.length - 1] - x[0];
  const label = heap ? input.heapLabel : 'process memory (PSS)';
  const perReq = main.fit.slope;
  const ci: [number, number] = [main.fit.ci95[0], main.fit.ci95[1]];
  const pssExtra = pss ? { pssBytesPerRequest: pss.fit.slope, pssCi95: pss.fit.ci95 } : {};
  const top = input.suspects[0];
  const suspectLine = top
    ? ` The top suspect is ${top.name}: ${top.countDelta} new objects kept alive (${top.countPerRequest.toFixed(2)} ${per}), ${fmtBytes(top.retainedSizeDelta)} retained, held by ${top.retainerPath.join(' → ')}.`
    : '';
  const growth = `${label} grew by ${fmtBytes(perReq * main.span)} over ${over(requests)}, ${perReq.toFixed(1)} B ${per} (95% interval ${ci[0].toFixed(1)} to ${ci[1].toFixed(1)})`;

  // what every verdict below shares; each rule overrides what differs
  const measured = {
    bytesPerRequest: perReq,
    ci95: ci,
    basis,
    unit,
    plateau: false,
    offHeapGrowth: false,
    ...pssExtra,
  };
  if (main.significant && main.sustained) {
    return {
      ...measured,
      kind: 'leak',
      reason: `Leak: after each forced garbage collection ${growth}, and it was still growing in the second half of the run.${suspectLine}`,
    };
  }
  if ((main.significant && !main.sustained) || (main.earlyGrowth && !main.sustained)) {
    return {
      ...measured,
      kind: 'no-leak',
      bytesPerRequest: main.late?.slope ?? perReq,
      ci95: main.late ? [main.late.ci95[0], main.late.ci95[1]] : ci,
      plateau: true,
      reason: `No leak: ${label} grew early in the run, then levelled off (${(main.late?.slope ?? 0).toFixed(1)} B ${per} in the second half): a cache or lazy initialisation that filled up, not memory that grows without bound.`,
    };
  }
  // The heap is flat. Does the process still grow?
  // Process memory is noisier than a post-GC heap (allocator arenas, V8 reserving pages
  // under heavy churn), so off-heap growth must also be large: ≥ 4 MiB and ≥ 5% of PSS.
  const firstPss = pssPoints[0]?.pssBytes ?? 0;
  const offHeapMin = Math.max(4 * 1024 * 1024, 0.05 * firstPss);
  if (heap && pss?.significant && pss.sustained && pss.fit.slope * pss.span >= offHeapMin) {
    return {
      ...measured,
      kind: 'inconclusive',
      offHeapGrowth: true,
      reason: `${cap(label)} stayed flat (${perReq.toFixed(1)} B ${per}), but process memory (PSS) grew ${pss.fit.slope.toFixed(1)} B ${per} and kept growing: memory outside the runtime heap (native allocations, buffers held by native code, or allocator fragmentation). A heap snapshot cannot show it; look at native modules and allocator settings.`,
    };
  }
  const upper = ci[1];
  const narrow = upper * main.span < t.minGrowthBytes * 4 || upper < t.minBytesPerRequest * 4;
  // An interval that excludes zero is a measured change, never noise.
  const bigFall = -perReq >= t.minBytesPerRequest && -perReq * main.span >= t.minGrowthBytes;
  if (upper < 0 && !bigFall && !input.restarts) {
    return {
      ...measured,
      kind: 'no-leak',
      reason: `No leak: after each forced garbage collection ${growth}. The whole interval is below zero, so ${label} really fell a little (less than the ${t.minBytesPerRequest} B ${per} and ${fmtBytes(t.minGrowthBytes)} that leakhound calls a leak), and nothing grew.`,
    };
  }
  if (upper < 0) {
    const seen = input.restarts ? ` ${input.restarts} process restart(s) were seen during the run.` : '';
    return {
      ...measured,
      kind: 'inconclusive',
      reason: `Memory fell: after each forced garbage collection ${growth}. The whole interval is below zero, so this is a real fall, not noise; a server's memory falls when its processes restart (gunicorn --max-requests, a master replacing workers) or a cache is emptied.${seen} A falling total cannot rule out a leak (restarts hide one): the growth within each process's life decides.`,
    };
  }
  // Real growth (the interval excludes zero) too small in total to call. A clean V8 heap
  // drifts up 20-50 B/request over a few thousand requests (code and feedback caches) and
  // stays "no leak, growth real, below the threshold"; at a faster rate, or measured too
  // loosely, the run was too short to decide.
  const slowDrift = narrow && upper < t.minBytesPerRequest * 8;
  if (ci[0] > 0 && perReq >= t.minBytesPerRequest) {
    const need = unit === 'second' ? null : Math.ceil(t.minGrowthBytes / perReq);
    const total = `only ${fmtBytes(perReq * main.span)} in all, under the ${fmtBytes(t.minGrowthBytes)}`;
    if (!slowDrift)
      return {
        ...measured,
        kind: 'inconclusive',
        reason: `Inconclusive: after each forced garbage collection ${growth}. The whole interval is above zero, at a leak's rate, but that is ${total} leakhound needs to call a leak: run longer${need ? ` (at this rate, ${need} measured requests or more)` : ''}.`,
      };
    return {
      ...measured,
      kind: 'no-leak',
      reason: `No leak above the threshold: after each forced garbage collection ${growth}. The whole interval is above zero, so the growth is real, but slow (under ${t.minBytesPerRequest * 8} B ${per}) and ${total} over the run that leakhound calls a leak; a slow leak needs a longer run to show${need ? ` (at this rate, ${need} measured requests)` : ''}.`,
    };
  }
  if (ci[0] > 0 && narrow) {
    return {
      ...measured,
      kind: 'no-leak',
      reason: `No leak above the threshold: after each forced garbage collection ${growth}. The whole interval is above zero, so the growth is real but small: under the ${t.minBytesPerRequest} B ${per} and ${fmtBytes(t.minGrowthBytes)} over the run that leakhound calls a leak. A leak slower than that needs a longer run to show.`,
    };
  }
  if (narrow) {
    return {
      ...measured,
      kind: 'no-leak',
      reason: `No leak: after each forced garbage collection ${growth}, which is within noise.`,
    };
  }
  return {
    ...measured,
    kind: 'inconclusive',
    reason: `Inconclusive: ${growth}; the measurements are too noisy to tell. Run more requests.`,
  };
}

/**
 * The heap curve says "leak" but three heap captures found no type that kept growing:
 * growth that no object accounts for (connections piling up between captures, a heap
 * saw-tooth the checkpoints caught at its peaks) is not called a leak without evidence.
 */
export function crossCheck(v: Verdict, suspects: Suspect[], hadThreeCaptures: boolean): Verdict {
  if (v.kind !== 'leak' || suspects.length > 0 || !hadThreeCaptures) return v;
  return {
    ...v,
    kind: 'inconclusive',
    reason: `${v.reason} But no object type kept growing across the three heap captures, so nothing in the heap accounts for it; run longer (more --requests) to tell a slow leak from noise.`,
  };
}
