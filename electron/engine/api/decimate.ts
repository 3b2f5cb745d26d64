// Fewer samples for the screen, same picture: a long run holds 100k+ samples (30+ MB of
// JSON), more than any chart has pixels for. Per bucket keep the lowest and highest memory
// sample (spikes and dips survive), and every sample where the process set changed (so
// worker restarts still show).
import type { Sample } from '../../../shared/result';

const level = (s: Sample) => s.pssBytes ?? s.rssBytes;
const pidsOf = (s: Sample) => s.processes.map((p) => p.pid).join(',');

export function decimateSamples(samples: readonly Sample[], max: number): Sample[] {
  const n = samples.length;
  if (n <= max) return samples.slice();
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  const buckets = Math.max(1, Math.floor((max - 2) / 2));
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor(b * size);
    const to = Math.min(n, Math.floor((b + 1) * size));
    let lo = from;
    let hi = from;
    for (let i = from + 1; i < to; i++) {
      if (level(samples[i]) < level(samples[lo])) lo = i;
      if (level(samples[i]) > level(samples[hi])) hi = i;
    }
    keep[lo] = 1;
    keep[hi] = 1;
  }
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
