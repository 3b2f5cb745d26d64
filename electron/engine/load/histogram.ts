// Log-linear latency histogram (HdrHistogram's layout): values in whole microseconds, exact
// below 2^bits, then 2^(bits-1) linear sub-buckets per power of two, so any recorded value
// is off by at most 1/2^(bits-1) of itself. With the default 11 bits that is ≤ 0.098 %,
// and percentiles are reported at the bucket midpoint (≤ 0.049 %). Fixed memory, O(1)
// record, and two histograms of the same precision merge by adding counts.

/** Largest value kept exactly in range (≈ 35.8 minutes in µs); larger values are clamped. */
export const MAX_TRACKABLE_US = 2 ** 31 - 1;

export class Histogram {
  readonly bits: number;
  readonly counts: Float64Array;
  private readonly half: number;
  private readonly full: number;
  total = 0;
  /** sum of recorded values (µs), exact */
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  constructor(bits = 11) {
    if (bits < 2 || bits > 20) throw new Error(`histogram precision must be 2..20 bits, got ${bits}`);
    this.bits = bits;
    this.full = 1 << bits;
    this.half = this.full >>> 1;
    this.counts = new Float64Array(this.indexOf(MAX_TRACKABLE_US) + 1);
  }

  indexOf(v: number): number {
    if (v < this.full) return v;
    const shift = 31 - Math.clz32(v) - (this.bits - 1);
    return this.full + (shift - 1) * this.half + ((v >>> shift) - this.half);
  }

  /** lowest value that lands in bucket i */
  lowOf(i: number): number {
    if (i < this.full) return i;
    const k = i - this.full;
    const shift = ((k / this.half) | 0) + 1;
    return (this.half + (k % this.half)) * 2 ** shift;
  }

  /** width of bucket i (1 in the exact range) */
  widthOf(i: number): number {
    if (i < this.full) return 1;
    return 2 ** (((i - this.full) / this.half) | 0) * 2;
  }

  /** record one value in µs (fractions are rounded; negatives count as 0) */
  record(us: number): void {
    let v = Math.round(us);
    if (!(v > 0)) v = 0;
    else if (v > MAX_TRACKABLE_US) v = MAX_TRACKABLE_US;
    this.counts[this.indexOf(v)]++;
    this.total++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  merge(other: Histogram): void {
    if (other.bits !== this.bits) throw new Error('cannot merge histograms of different precision');
    if (other.total === 0) return;
    const a = this.counts;
    const b = other.counts;
    for (let i = 0; i < b.length; i++) if (b[i] !== 0) a[i] += b[i];
    this.total += other.total;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  reset(): void {
    if (this.total === 0) return;
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
  }

  /**
   * Value at percentile p (0..100) in µs, nearest-rank: the smallest recorded value v with
   * at least p % of the values ≤ v, reported as its bucket's midpoint clamped to [min, max].
   */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(100, Math.max(0, p)) / 100) * this.total));
    let seen = 0;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      seen += c[i];
      if (seen >= rank) {
        const mid = this.lowOf(i) + (this.widthOf(i) - 1) / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  /** several percentiles in one pass; ps must be ascending */
  percentiles(ps: readonly number[]): number[] {
    const out = new Array<number>(ps.length).fill(0);
    if (this.total === 0) return out;
    const c = this.counts;
    let seen = 0;
    let j = 0;
    let rank = Math.max(1, Math.ceil((ps[0] / 100) * this.total));
    for (let i = 0; i < c.length && j < ps.length; i++) {
      if (c[i] === 0) continue;
      seen += c[i];
      while (j < ps.length && seen >= rank) {
        const mid = this.lowOf(i) + (this.widthOf(i) - 1) / 2;
        out[j++] = Math.min(this.max, Math.max(this.min, mid));
        if (j < ps.length) rank = Math.max(1, Math.ceil((ps[j] / 100) * this.total));
      }
    }
    while (j < ps.length) out[j++] = this.max;
    return out;
  }

  mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }
}
