// Robust statistics for the verdict. Theil–Sen is the median of pairwise slopes: one GC
// that ran late or one snapshot-inflated point cannot tilt it, unlike least squares.

export interface SlopeFit {
  slope: number;
  intercept: number;
  /** 95% interval of the slope (Sen's distribution-free interval via Kendall's tau) */
  ci95: [number, number];
  n: number;
}

const Z95 = 1.959964;

export function theilSen(x: readonly number[], y: readonly number[]): SlopeFit | null {
  const n = Math.min(x.length, y.length);
  if (n < 2) return null;
  const slopes: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[j] - x[i];
      if (dx !== 0) slopes.push((y[j] - y[i]) / dx);
    }
  }
  if (slopes.length === 0) return null;
  slopes.sort((a, b) => a - b);
  const slope = quantileSorted(slopes, 0.5);
  const intercepts = Array.from({ length: n }, (_, i) => y[i] - slope * x[i]).sort((a, b) => a - b);
  const intercept = quantileSorted(intercepts, 0.5);
  const N = slopes.length;
  // Variance of Kendall's S without ties: n(n-1)(2n+5)/18.
  const c = Z95 * Math.sqrt((n * (n - 1) * (2 * n + 5)) / 18);
  const lo = Math.max(0, Math.floor((N - c) / 2));
  const hi = Math.min(N - 1, Math.ceil((N + c) / 2));
  return { slope, intercept, ci95: [slopes[lo], slopes[hi]], n };
}

export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
