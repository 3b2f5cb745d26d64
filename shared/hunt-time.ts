// The one duration a run is shown with, in the UI, the reports and the CLI: "hunt time",
// from the first request sent (warm-up included) to the last post-GC measurement. Target
// start-up before it and the heap analysis after it are left out: they depend on the
// machine and the heap size, not on how long the server was exercised. The run panel used
// to show the load generator's busy time and the report the folder's wall time, 1 s and
// 5 s for the same run.
import type { Result } from './result';

export const HUNT_TIME_LABEL = 'Hunt time';
export const HUNT_TIME_MEANS = 'from the first request to the last measurement';

type Timed = Pick<Result, 'span' | 'samples' | 'checkpoints' | 'load'>;

/** ms from the first request (or, with no load sent, the first measurement) to the last measurement. */
export function huntTimeMs(r: Timed): number | null {
  const last = r.span?.lastMeasurementT ?? r.checkpoints.at(-1)?.t ?? r.samples.at(-1)?.t ?? null;
  // Runs written before `span` existed: the first sample that saw a request, within one
  // sampling interval of it.
  const first =
    r.span?.firstRequestT ??
    r.samples.find((s) => s.requests > 0)?.t ??
    r.checkpoints[0]?.t ??
    r.samples[0]?.t ??
    null;
  if (first === null || last === null || last < first) return r.load?.durationMs ?? null;
  return last - first;
}

/** "4.2 s", "42 s", "3 min 20 s", "1 h 5 min"; "–" when unknown. */
export function huntTimeText(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** The line the CLI prints and the report's figure reads the same way. */
export function huntTimeLine(r: Timed): string {
  return `${HUNT_TIME_LABEL.toLowerCase()} ${huntTimeText(huntTimeMs(r))} (${HUNT_TIME_MEANS})`;
}
