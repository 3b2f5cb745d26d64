// Thinning samples for the screen keeps the peaks, the dips and every process change.
import { describe, expect, it } from 'vitest';
import { decimateSamples } from '../../electron/engine/api/decimate';
import type { Sample } from '../../shared/result';

const s = (i: number, pss: number, pids = [1]): Sample => ({
  t: i,
  requests: i,
  rssBytes: pss,
  pssBytes: pss,
  heapUsedBytes: null,
  processes: pids.map((pid) => ({ pid, rssBytes: pss, pssBytes: pss })),
});

describe('decimateSamples', () => {
  it('returns short series unchanged', () => {
    const few = [s(0, 1), s(1, 2)];
    expect(decimateSamples(few, 100)).toEqual(few);
  });

  it('keeps first, last, every spike and dip, and process changes within the budget', () => {
    const many = Array.from({ length: 100_000 }, (_, i) =>
      s(i, 1000 + (i % 7), i < 60_000 ? [1, 2] : [1, 3]),
    );
    many[12_345] = s(12_345, 999_999, [1, 2]);
    many[77_777] = s(77_777, 1, [1, 3]);
    const out = decimateSamples(many, 2000);
    expect(out.length).toBeLessThanOrEqual(2002);
    expect(out[0].t).toBe(0);
    expect(out.at(-1)?.t).toBe(99_999);
    const ts = out.map((x) => x.t);
    expect(ts).toContain(12_345);
    expect(ts).toContain(77_777);
    expect(ts).toContain(60_000);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });
});
