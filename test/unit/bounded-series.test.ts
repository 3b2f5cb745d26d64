// The live chart, the API and the hunt hold long series through one bounded thinning
// (shared/decimate.ts): memory stays flat however long the run, and the picture stays true.
import { describe, expect, it } from 'vitest';
import { BoundedSeries, sampleLevel } from '../../shared/decimate';
import type { Sample } from '../../shared/result';

const sample = (i: number, pss: number): Sample => ({
  t: i * 200,
  requests: i * 40,
  rssBytes: pss + 5e6,
  pssBytes: pss,
  heapUsedBytes: pss / 2,
  processes: [{ pid: 7, rssBytes: pss + 5e6, pssBytes: pss }],
});

// a leak: a ramp with GC sawtooth noise, one spike and one dip
const leakCurve = (i: number) => 50e6 + i * 100 + (i % 37) * 1000;
const SPIKE = 61_234;
const DIP = 23_456;

function liveRun(n: number, max = 3000, recent = 600) {
  const series = new BoundedSeries<Sample>({ max, recent, level: sampleLevel });
  for (let i = 0; i < n; i++) {
    const pss = i === SPIKE ? 400e6 : i === DIP ? 10e6 : leakCurve(i);
    series.push(sample(i, pss));
  }
  return series;
}

describe('BoundedSeries (the live chart series)', () => {
  it('holds 100k samples in a bounded, ordered set that keeps first, last, peak and dip', () => {
    const series = liveRun(100_000);
    const kept = series.values();
    expect(series.pushed).toBe(100_000);
    expect(kept.length).toBeLessThanOrEqual(3000);
    expect(kept.length).toBeGreaterThan(1500);
    expect(kept[0].t).toBe(0);
    expect(kept.at(-1)?.t).toBe(99_999 * 200);
    expect(series.last?.t).toBe(99_999 * 200);
    const ts = kept.map((s) => s.t);
    expect(new Set(ts).size).toBe(ts.length);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(Math.max(...kept.map(sampleLevel))).toBe(400e6);
    expect(Math.min(...kept.map(sampleLevel))).toBe(10e6);
    expect(ts).toContain(SPIKE * 200);
    expect(ts).toContain(DIP * 200);
  });

  it('keeps the newest samples at full resolution and spreads the rest over the whole run', () => {
    const kept = liveRun(100_000).values();
    const tail = kept.slice(-600).map((s) => s.t / 200);
    expect(tail).toEqual(Array.from({ length: 600 }, (_, k) => 99_400 + k));
    // no stretch of the past is left out: the widest gap is a bucket or two, not a window
    const past = kept.slice(0, -600).map((s) => s.t / 200);
    let widest = 0;
    for (let i = 1; i < past.length; i++) widest = Math.max(widest, past[i] - past[i - 1]);
    expect(widest).toBeLessThan(200);
    // and each half of the run gets a fair share of the points
    const firstHalf = past.filter((i) => i < 50_000).length;
    expect(firstHalf / past.length).toBeGreaterThan(0.4);
    expect(firstHalf / past.length).toBeLessThan(0.6);
  });

  it('still draws the leak: the thinned curve follows the ramp', () => {
    const kept = liveRun(100_000)
      .values()
      .filter((s) => s.t / 200 !== SPIKE && s.t / 200 !== DIP);
    for (const s of kept) {
      const i = s.t / 200;
      expect(Math.abs(sampleLevel(s) - (50e6 + i * 100))).toBeLessThanOrEqual(36_000);
    }
  });

  it('never holds more than max at any point of the stream', () => {
    const series = new BoundedSeries<number>({ max: 64, recent: 10, level: (v) => v });
    for (let i = 0; i < 20_000; i++) {
      series.push(Math.sin(i) * 100);
      if (i % 97 === 0) expect(series.values().length).toBeLessThanOrEqual(64);
    }
  });

  it('returns a short series whole, and refuses a budget with no room for the past', () => {
    const series = new BoundedSeries<number>({ max: 100, recent: 20, level: (v) => v });
    for (let i = 0; i < 50; i++) series.push(i);
    expect(series.values()).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => new BoundedSeries<number>({ max: 10, recent: 8 })).toThrow(RangeError);
  });
});
