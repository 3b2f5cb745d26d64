// How a hunt spends its request budget: warm-up, then equal segments with a post-GC
// checkpoint after each, and the heap snapshots at the first, middle and last checkpoint.
import { DEFAULTS, type RunOptions } from '../../../shared/options';

export interface HuntPlan {
  warmupRequests: number;
  /** request budget of each measured segment (request mode) */
  segmentRequests: number | null;
  /** time of each measured segment (duration mode) */
  segmentMs: number | null;
  segments: number;
  /** after which segment index (0 = right after warm-up) each snapshot is taken */
  snapshotAfter: number[];
}

export const SEGMENTS = 12;

export function makePlan(o: Pick<RunOptions, 'requests' | 'durationMs' | 'warmup' | 'snapshots'>): HuntPlan {
  const segments = SEGMENTS;
  const snapshotAfter =
    o.snapshots >= 3
      ? [0, segments / 2, segments]
      : o.snapshots === 2
        ? [0, segments]
        : o.snapshots === 1
          ? [segments]
          : [];
  if (o.durationMs !== undefined && o.requests === undefined) {
    return {
      warmupRequests: o.warmup ?? 200,
      segmentRequests: null,
      segmentMs: Math.max(200, Math.round(o.durationMs / segments)),
      segments,
      snapshotAfter,
    };
  }
  const total = o.requests ?? DEFAULTS.requests;
  const warmup = o.warmup ?? Math.min(3000, Math.max(100, Math.round(total * 0.15)));
  return {
    warmupRequests: warmup,
    segmentRequests: Math.max(1, Math.floor(total / segments)),
    segmentMs: null,
    segments,
    snapshotAfter,
  };
}
