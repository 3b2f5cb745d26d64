// A series of unbounded length held in bounded memory: an hour-long hunt samples 18k times,
// and neither the engine nor the live chart may grow with it. Pure (no Node, no DOM), so the
// engine, the API and the renderer share this one algorithm.
//
// The newest `recent` items stay at full resolution. Older ones fall into buckets of
// `stride` consecutive items; when the buckets fill up, neighbours merge and the stride
// doubles, so the past is always spread evenly over the whole run. With a `level`, a bucket
// keeps its lowest and highest item, so spikes, dips and the peak survive any amount of
// thinning; without one it keeps its first item. The very first and last items are always
// kept.
import type { Sample } from './result';

/** what a memory chart plots for a sample: the tree's PSS, or its RSS where PSS is unknown */
export const sampleLevel = (s: Sample): number => s.pssBytes ?? s.rssBytes;

export interface BoundedSeriesOptions<T> {
  /** most items ever held (and returned by values()) */
  max: number;
  /** newest items kept at full resolution */
  recent?: number;
  /** what to preserve the extremes of; without it a bucket keeps its first item */
  level?: (item: T) => number;
}

interface Kept<T> {
  seq: number;
  item: T;
}

interface Bucket<T> {
  lo: Kept<T>;
  /** the highest item; the first item when there is no level */
  hi: Kept<T>;
  count: number;
}

export class BoundedSeries<T> {
  private readonly level: ((item: T) => number) | undefined;
  private readonly recentCap: number;
  private readonly maxBuckets: number;
  private buckets: Bucket<T>[] = [];
  private open: Bucket<T> | null = null;
  private stride = 1;
  /** ring of the newest items; `head` is the oldest */
  private readonly ring: Kept<T>[] = [];
  private head = 0;
  private first: Kept<T> | null = null;
  private lastKept: Kept<T> | null = null;
  private seq = 0;

  constructor(opts: BoundedSeriesOptions<T>) {
    this.level = opts.level;
    this.recentCap = Math.max(0, Math.floor(opts.recent ?? 0));
    // budget: first + last + the open bucket (2) + the ring + closed buckets (2 items each with a level)
    const perBucket = this.level ? 2 : 1;
    const room = Math.floor(opts.max) - 4 - this.recentCap;
    // merging pairs needs an even count, and at least two buckets to merge
    this.maxBuckets = Math.floor(room / perBucket / 2) * 2;
    if (this.maxBuckets < 2)
      throw new RangeError(`BoundedSeries: max ${opts.max} leaves no room beside recent ${this.recentCap}`);
  }

  /** items pushed so far (not the number kept) */
  get pushed(): number {
    return this.seq;
  }

  get last(): T | undefined {
    return this.lastKept?.item;
  }

  push(item: T): void {
    const k: Kept<T> = { seq: this.seq++, item };
    this.first ??= k;
    this.lastKept = k;
    if (this.recentCap === 0) {
      this.intoBuckets(k);
    } else if (this.ring.length < this.recentCap) {
      this.ring.push(k);
    } else {
      const oldest = this.ring[this.head];
      this.ring[this.head] = k;
      this.head = (this.head + 1) % this.recentCap;
      this.intoBuckets(oldest);
    }
  }

  /** kept items, oldest first; a new array each call */
  values(): T[] {
    const out: Kept<T>[] = [];
    const add = (k: Kept<T>) => {
      if (out.length === 0 || out[out.length - 1].seq < k.seq) out.push(k);
    };
    if (this.first) add(this.first);
    for (const b of this.buckets) this.emit(b, add);
    if (this.open) this.emit(this.open, add);
    for (let i = 0; i < this.ring.length; i++) add(this.ring[(this.head + i) % this.ring.length]);
    if (this.lastKept) add(this.lastKept);
    return out.map((k) => k.item);
  }

  private emit(b: Bucket<T>, add: (k: Kept<T>) => void): void {
    if (b.lo.seq <= b.hi.seq) {
      add(b.lo);
      add(b.hi);
    } else {
      add(b.hi);
      add(b.lo);
    }
  }

  private intoBuckets(k: Kept<T>): void {
    const b = this.open;
    if (!b) {
      this.open = { lo: k, hi: k, count: 1 };
    } else {
      if (this.level) {
        const v = this.level(k.item);
        if (v < this.level(b.lo.item)) b.lo = k;
        if (v > this.level(b.hi.item)) b.hi = k;
      }
      b.count++;
    }
    if ((this.open as Bucket<T>).count < this.stride) return;
    this.buckets.push(this.open as Bucket<T>);
    this.open = null;
    if (this.buckets.length >= this.maxBuckets) this.mergePairs();
  }

  private mergePairs(): void {
    const merged: Bucket<T>[] = [];
    for (let i = 0; i < this.buckets.length; i += 2)
      merged.push(this.merge(this.buckets[i], this.buckets[i + 1]));
    this.buckets = merged;
    this.stride *= 2;
  }

  private merge(a: Bucket<T>, b: Bucket<T>): Bucket<T> {
    const level = this.level;
    if (!level) return { lo: a.lo, hi: a.hi, count: a.count + b.count };
    return {
      lo: level(b.lo.item) < level(a.lo.item) ? b.lo : a.lo,
      hi: level(b.hi.item) > level(a.hi.item) ? b.hi : a.hi,
      count: a.count + b.count,
    };
  }
}
