// Fewer samples for the screen, same picture: a long run holds 100k+ samples (30+ MB of
// JSON), more than any chart has pixels for. The thinning keeps each stretch's lowest and
// highest memory sample (shared/decimate.ts); on top, every sample where the process set
// changed is kept, so worker restarts still show where they happened.
import { BoundedSeries, sampleLevel } from '../../../shared/decimate';
import type { Sample } from '../../../shared/result';

const pidsOf = (s: Sample) => s.processes.map((p) => p.pid).join(',');

export function decimateSamples(samples: readonly Sample[], max: number): Sample[] {
  const n = samples.length;
  if (n <= max) return samples.slice();
  // indices rather than samples, so the process-change ones can be merged in order
  const thin = new BoundedSeries<number>({ max, level: (i) => sampleLevel(samples[i]) });
  for (let i = 0; i < n; i++) thin.push(i);
  const keep = new Uint8Array(n);
  for (const i of thin.values()) keep[i] = 1;
  let prev = pidsOf(samples[0]);
  for (let i = 1; i < n; i++) {
    const cur = pidsOf(samples[i]);
    if (cur !== prev) keep[i] = 1;
    prev = cur;
  }
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(samples[i]);
  return out;
}
