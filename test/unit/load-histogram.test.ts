import { describe, expect, it } from 'vitest';
import { Histogram } from '../../electron/engine/load/histogram';

/** nearest-rank percentile of sorted values */
function oracle(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** deterministic PRNG so a failure can be replayed */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PS = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

describe('Histogram', () => {
  for (const [name, gen] of [
    ['log-uniform 1 µs .. 10 s', (r: () => number) => Math.round(10 ** (r() * 7))],
    ['sub-millisecond', (r: () => number) => Math.round(50 + r() * 900)],
    [
      'bimodal 300 µs / 2.6 s',
      (r: () => number) => Math.round(r() < 0.9 ? 300 + r() * 40 : 2_600_000 + r() * 1e5),
    ],
  ] as const) {
    it(`matches a sorted-array oracle within 0.1 % (${name})`, () => {
      const r = rng(42);
      const h = new Histogram();
      const values: number[] = [];
      for (let i = 0; i < 50_000; i++) {
        const v = gen(r);
        values.push(v);
        h.record(v);
      }
      values.sort((a, b) => a - b);
      const got = h.percentiles(PS);
      PS.forEach((p, i) => {
        const want = oracle(values, p);
        expect(Math.abs(got[i] - want), `p${p}: got ${got[i]} want ${want}`).toBeLessThanOrEqual(
          want * 0.001,
        );
        expect(h.percentile(p)).toBe(got[i]);
      });
      expect(h.max).toBe(values[values.length - 1]);
      expect(h.min).toBe(values[0]);
      expect(h.total).toBe(values.length);
      expect(h.mean()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6);
    });
  }

  it('is exact below 2048 µs', () => {
    const h = new Histogram();
    for (const v of [1, 2, 3, 999, 1000, 2047]) h.record(v);
    expect(h.percentiles([1, 50, 66, 67, 100])).toEqual([1, 3, 999, 1000, 2047]);
  });

  it('keeps every bucket boundary consistent (lowOf ∘ indexOf)', () => {
    const h = new Histogram();
    for (let v = 0; v < 5_000_000; v += 997) {
      const i = h.indexOf(v);
      expect(h.lowOf(i)).toBeLessThanOrEqual(v);
      expect(h.lowOf(i) + h.widthOf(i)).toBeGreaterThan(v);
      if (v >= 2048) expect(h.widthOf(i) / h.lowOf(i)).toBeLessThanOrEqual(1 / 1024);
      else expect(h.widthOf(i)).toBe(1);
    }
  });

  it('merges: the union of two histograms equals one fed everything', () => {
    const r = rng(7);
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 0; i < 20_000; i++) {
      const v = Math.round(10 ** (r() * 6));
      (i % 3 === 0 ? a : b).record(v);
      all.record(v);
    }
    a.merge(b);
    expect(a.percentiles(PS)).toEqual(all.percentiles(PS));
    expect(a.total).toBe(all.total);
    expect(a.sum).toBe(all.sum);
    expect(() => a.merge(new Histogram(7))).toThrow(/precision/);
  });

  it('rounds fractions, clamps negatives to 0 and huge values to the range', () => {
    const h = new Histogram();
    h.record(-5);
    h.record(0.4);
    h.record(1e12);
    expect(h.total).toBe(3);
    expect(h.min).toBe(0);
    expect(h.max).toBe(2 ** 31 - 1);
  });

  it('reports zeros when empty', () => {
    const h = new Histogram();
    expect(h.percentiles([50, 99])).toEqual([0, 0]);
    expect(h.mean()).toBe(0);
  });
});
