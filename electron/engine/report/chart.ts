// The growth charts as inline SVG against requests served, drawn without a charting library
// so the report stays one self-contained file that prints as vectors. Two panels, as the
// UI's run view: process memory (PSS/RSS, y from zero) and the heap after GC (y zoomed to
// the heap's range) with the verdict's fitted line and its 95% interval. A heap that grows
// 2 MB lay flat at the bottom of a 0–100 MB axis when both shared one panel.
// Series differ by dash pattern and weight, not only by colour, so a greyscale print reads.
import type { Checkpoint, Sample, SnapshotRef } from '../../../shared/result';
import { bytesPer, compact, esc, num } from './format';

export interface ChartInput {
  samples: Sample[];
  checkpoints: Checkpoint[];
  snapshots: SnapshotRef[];
}

export type Point = readonly [x: number, y: number];

export interface Series {
  label: string;
  kind: 'total' | 'rss' | 'process' | 'heap' | 'gc' | 'gc-pss';
  points: Point[];
  stroke: string;
  width: number;
  dash?: string;
  /** draw a marker at every point (few points: checkpoints) */
  marker?: 'square' | 'circle';
}

export interface ChartOptions {
  width?: number;
  /** plot height, without legend */
  height?: number;
  /** most per-process lines drawn; the rest are named in the legend as a count */
  maxProcesses?: number;
  /**
   * 'memory': process memory (PSS/RSS of the tree and per process), y from zero;
   * 'heap': only the runtime heap, y zoomed to its range so a slow leak is visible.
   */
  view?: 'memory' | 'heap';
  /** the verdict's fitted slope, drawn through the post-GC series it was fitted on */
  fit?: FitMark | null;
}

export interface FitMark {
  /** bytes per request (the verdict's figure) */
  slope: number;
  ci95: readonly [number, number];
  /** the checkpoints it was fitted on: heap after GC, or PSS after GC (drawn in the memory view) */
  on: 'gc' | 'gc-pss';
}

const MB = 1e6;
const PROCESS_STYLES: { stroke: string; dash: string }[] = [
  { stroke: '#6b7280', dash: '1.5 2.5' },
  { stroke: '#4b5563', dash: '7 2 1.5 2' },
  { stroke: '#9ca3af', dash: '4 2' },
  { stroke: '#374151', dash: '10 3' },
  { stroke: '#6b7280', dash: '2 2 6 2' },
  { stroke: '#9ca3af', dash: '1 1.5' },
];

/** 1-2-5 ticks covering [min, max]. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!(max > min)) max = min + 1;
  const raw = (max - min) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.floor(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

/**
 * Keeps at most ~2 points per x bucket (the lowest and highest, in order), so a long run's
 * thousands of samples draw as the same envelope with a path a few KB long.
 */
export function decimate(points: Point[], buckets = 400): Point[] {
  if (points.length <= buckets * 2) return points;
  let x0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  for (const [x] of points) {
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
  }
  const span = x1 - x0 || 1;
  const out: Point[] = [];
  let cur = -1;
  let lo: Point | null = null;
  let hi: Point | null = null;
  let loI = 0;
  let hiI = 0;
  const flush = () => {
    if (!lo || !hi) return;
    if (lo === hi) out.push(lo);
    else if (loI < hiI) out.push(lo, hi);
    else out.push(hi, lo);
  };
  points.forEach((p, i) => {
    const b = Math.min(buckets - 1, Math.floor(((p[0] - x0) / span) * buckets));
    if (b !== cur) {
      flush();
      cur = b;
      lo = hi = p;
      loI = hiI = i;
      return;
    }
    if (p[1] < lo![1]) {
      lo = p;
      loI = i;
    }
    if (p[1] > hi![1]) {
      hi = p;
      hiI = i;
    }
  });
  flush();
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

/** The series the report draws, from the run's samples and checkpoints. Pure. */
export function chartSeries(
  input: ChartInput,
  maxProcesses = 6,
): { series: Series[]; hiddenProcesses: number } {
  const series: Series[] = [];
  const { samples, checkpoints } = input;
  const hasPss = samples.some((s) => s.pssBytes !== null);
  const total = samples
    .map((s) => (hasPss ? s.pssBytes : s.rssBytes))
    .map((v, i): Point | null => (v === null ? null : [samples[i]!.requests, v / MB]))
    .filter((p): p is Point => p !== null);
  if (total.length) {
    series.push({
      label: hasPss ? 'PSS, whole process tree' : 'RSS, whole process tree',
      kind: 'total',
      points: total,
      stroke: '#1e3a8a',
      width: 2.2,
    });
  }

  if (hasPss && samples.length) {
    // RSS beside PSS, as the UI draws it: the gap is memory shared between processes
    series.push({
      label: 'RSS, whole process tree',
      kind: 'rss',
      points: samples.map((s): Point => [s.requests, s.rssBytes / MB]),
      stroke: '#0369a1',
      width: 1,
      dash: '4 3',
    });
  }

  // Per process only when there is more than one: with one process it repeats the total.
  const byPid = new Map<number, { points: Point[]; peak: number; pss: boolean }>();
  for (const s of samples) {
    for (const p of s.processes) {
      let e = byPid.get(p.pid);
      if (!e) {
        e = { points: [], peak: 0, pss: false };
        byPid.set(p.pid, e);
      }
      if (p.pssBytes !== null) e.pss = true;
    }
  }
  for (const s of samples) {
    for (const p of s.processes) {
      const e = byPid.get(p.pid)!;
      const v = e.pss ? p.pssBytes : p.rssBytes;
      if (v === null) continue;
      e.points.push([s.requests, v / MB]);
      if (v > e.peak) e.peak = v;
    }
  }
  let hiddenProcesses = 0;
  if (byPid.size > 1) {
    const ranked = [...byPid.entries()].sort((a, b) => b[1].peak - a[1].peak);
    ranked.slice(0, maxProcesses).forEach(([pid, e], i) => {
      const st = PROCESS_STYLES[i % PROCESS_STYLES.length]!;
      series.push({
        label: `pid ${pid} (${e.pss ? 'PSS' : 'RSS'})`,
        kind: 'process',
        points: e.points,
        stroke: st.stroke,
        width: 1.1,
        dash: st.dash,
      });
    });
    hiddenProcesses = Math.max(0, ranked.length - maxProcesses);
  }

  const heap = samples
    .filter((s) => s.heapUsedBytes !== null)
    .map((s): Point => [s.requests, s.heapUsedBytes! / MB]);
  if (heap.length) {
    series.push({
      label: 'Runtime heap used',
      kind: 'heap',
      points: heap,
      stroke: '#b45309',
      width: 1.4,
      dash: '6 3',
    });
  }
  const gcHeap = checkpoints
    .filter((c) => c.heapBytes !== null)
    .map((c): Point => [c.requests, c.heapBytes! / MB]);
  if (gcHeap.length) {
    series.push({
      label: 'Heap after forced GC (checkpoints)',
      kind: 'gc',
      points: gcHeap,
      stroke: '#111827',
      width: 1,
      dash: '2 2',
      marker: 'square',
    });
  }
  const gcPss = checkpoints
    .filter((c) => c.pssBytes !== null)
    .map((c): Point => [c.requests, c.pssBytes! / MB]);
  if (gcPss.length) {
    series.push({
      label: 'PSS after forced GC (checkpoints)',
      kind: 'gc-pss',
      points: gcPss,
      stroke: '#111827',
      width: 1,
      dash: '2 2',
      marker: 'square',
    });
  }
  return { series, hiddenProcesses };
}

/** The fitted line and its 95% band in chart units (MB), over the x range of `points`. Pure. */
export function fitLines(
  points: readonly Point[],
  fit: FitMark,
): { x0: number; x1: number; at: (x: number, slope?: number) => number } | null {
  if (points.length < 2) return null;
  const s = fit.slope / MB;
  // Theil–Sen's intercept for the verdict's slope: the median of y − s·x, so the line runs
  // through the points the way the fit does.
  const med = (v: number[]) => {
    const a = [...v].sort((p, q) => p - q);
    const m = a.length >> 1;
    return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
  };
  const a = med(points.map(([x, y]) => y - s * x));
  const xm = med(points.map(([x]) => x));
  const ym = a + s * xm;
  const xs = points.map(([x]) => x);
  return {
    x0: Math.min(...xs),
    x1: Math.max(...xs),
    // the interval's slopes pivot on the middle of the data, where the fit is surest
    at: (x, slope = fit.slope) => ym + (slope / MB) * (x - xm),
  };
}

/** "fit +363.7 B/request (95% CI 359.1 B … 380.9 B)" */
export function fitLabel(fit: FitMark): string {
  const sign = fit.slope > 0 ? '+' : '';
  return `fit ${sign}${bytesPer(fit.slope)}/request (95% CI ${bytesPer(fit.ci95[0])} … ${bytesPer(fit.ci95[1])})`;
}

const f1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** The whole chart as one `<svg>` element string ('' for a heap view without heap data). Pure. */
export function growthChartSvg(input: ChartInput, opts: ChartOptions = {}): string {
  const W = opts.width ?? 700;
  const H = opts.height ?? 290;
  const heapView = opts.view === 'heap';
  const all = chartSeries(input, opts.maxProcesses ?? 6);
  const fitOn = opts.fit?.on;
  const series = all.series.filter((s) =>
    heapView
      ? s.kind === 'heap' || s.kind === 'gc'
      : s.kind === 'total' ||
        s.kind === 'rss' ||
        s.kind === 'process' ||
        (s.kind === 'gc-pss' && fitOn === 'gc-pss'),
  );
  const hiddenProcesses = heapView ? 0 : all.hiddenProcesses;
  if (heapView && !series.length) return '';
  const fitSeries = opts.fit ? series.find((s) => s.kind === opts.fit!.on) : undefined;
  const fit = opts.fit && fitSeries ? fitLines(fitSeries.points, opts.fit) : null;
  const m = { left: 58, right: 18, top: 40, bottom: 44 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;

  let xMax = 0;
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = 0;
  for (const s of series) {
    for (const [x, y] of s.points) {
      if (x > xMax) xMax = x;
      if (y > yMax) yMax = y;
      if (y < yMin) yMin = y;
    }
  }
  for (const snap of input.snapshots) xMax = Math.max(xMax, snap.atRequests);
  if (fit && opts.fit) {
    // the interval's band must fit in the panel too
    for (const x of [fit.x0, fit.x1])
      for (const sl of [opts.fit.ci95[0], opts.fit.ci95[1], opts.fit.slope]) {
        const y = fit.at(x, sl);
        if (y > yMax) yMax = y;
        if (y < yMin) yMin = y;
      }
  }
  // The memory view starts at zero (growth in true proportion to the total); the heap view
  // zooms to the heap's own range, with a margin so a flat line does not look like a cliff.
  const pad = Math.max((yMax - yMin) * 0.1, 0.05);
  const xTicks = niceTicks(0, Math.max(xMax, 1), 6);
  const yTicks = heapView
    ? niceTicks(Math.max(0, yMin - pad), yMax + pad, 4)
    : niceTicks(0, Math.max(yMax, 0.1), 5);
  const xTop = xTicks[xTicks.length - 1]!;
  const yBottom = yTicks[0]!;
  const yTop = yTicks[yTicks.length - 1]!;
  const sx = (x: number) => m.left + (x / xTop) * pw;
  const sy = (y: number) => m.top + ph - ((y - yBottom) / (yTop - yBottom)) * ph;

  // a half-width panel (two side by side) keeps its legend in one column
  const legendCols = W < 500 ? 1 : 2;
  const legendItems: { label: string; svg: (x: number, y: number) => string }[] = series.map((s) => ({
    label: s.label,
    svg: (x, y) =>
      `<line x1="${x}" y1="${y}" x2="${x + 26}" y2="${y}" stroke="${s.stroke}" stroke-width="${s.width}"${
        s.dash ? ` stroke-dasharray="${s.dash}"` : ''
      }/>${s.marker ? markerSvg(s, x + 13, y) : ''}`,
  }));
  if (input.snapshots.length && !heapView) {
    legendItems.push({
      label: `Heap snapshot${input.snapshots.length > 1 ? 's' : ''} (${input.snapshots.map((s, i) => `S${i + 1} ${s.label}`).join(', ')})`,
      svg: (x, y) =>
        `<line x1="${x + 13}" y1="${y - 6}" x2="${x + 13}" y2="${y + 6}" stroke="#111827" stroke-width="1" stroke-dasharray="3 2"/>`,
    });
  }
  if (fit && opts.fit) {
    legendItems.push({
      label: `Fitted line (the verdict's slope) and its 95% interval`,
      svg: (x, y) =>
        `<rect x="${x}" y="${y - 4}" width="26" height="8" fill="#f59e0b" fill-opacity="0.22"/><line x1="${x}" y1="${y}" x2="${x + 26}" y2="${y}" stroke="#b91c1c" stroke-width="1.6"/>`,
    });
  }
  if (hiddenProcesses > 0) {
    legendItems.push({ label: `${hiddenProcesses} more process(es) not drawn`, svg: () => '' });
  }
  const legendRowH = 16;
  const legendRows = Math.ceil(legendItems.length / legendCols);
  const totalH = H + 8 + legendRows * legendRowH;

  const parts: string[] = [];
  parts.push(
    `<svg class="chart chart-${heapView ? 'heap' : 'memory'}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${totalH}" width="${W}" height="${totalH}" role="img" aria-label="${heapView ? 'Heap after garbage collection' : 'Process memory'} against requests served">`,
    `<text x="${m.left}" y="14" class="panel-title">${esc(panelTitle(series, heapView, fit !== null))}</text>`,
  );
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="#ffffff" stroke="#9ca3af" stroke-width="0.8"/>`,
  );
  for (const t of yTicks) {
    const y = f1(sy(t));
    parts.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e7eb" stroke-width="0.6"/>`,
    );
    parts.push(
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" class="tick" data-y="${t}">${num(t, 2)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = f1(sx(t));
    parts.push(
      `<line x1="${x}" y1="${m.top + ph}" x2="${x}" y2="${m.top + ph + 4}" stroke="#6b7280" stroke-width="0.8"/>`,
    );
    parts.push(
      `<text x="${x}" y="${m.top + ph + 15}" text-anchor="middle" class="tick">${compact(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + pw / 2}" y="${m.top + ph + 34}" text-anchor="middle" class="axis">Requests served</text>`,
    `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" class="axis">${heapView ? 'Heap (MB)' : 'Memory (MB)'}</text>`,
  );

  input.snapshots.forEach((snap, i) => {
    const x = f1(sx(snap.atRequests));
    parts.push(
      `<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#111827" stroke-width="1" stroke-dasharray="3 2"/>`,
      `<text x="${x}" y="${m.top - 6}" text-anchor="middle" class="snap">S${i + 1}</text>`,
    );
  });

  for (const s of series) {
    const pts = decimate(s.points);
    if (!pts.length) continue;
    const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${f1(sx(x))} ${f1(sy(y))}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.stroke}" stroke-width="${s.width}" stroke-linejoin="round"${
        s.dash ? ` stroke-dasharray="${s.dash}"` : ''
      }/>`,
    );
    if (s.marker && pts.length <= 200) for (const [x, y] of pts) parts.push(markerSvg(s, sx(x), sy(y)));
  }
  if (fit && opts.fit) {
    const { x0, x1 } = fit;
    const [lo, hi] = opts.fit.ci95;
    const band = [
      [x0, fit.at(x0, lo)],
      [x1, fit.at(x1, lo)],
      [x1, fit.at(x1, hi)],
      [x0, fit.at(x0, hi)],
    ]
      .map(([x, y]) => `${f1(sx(x!))},${f1(sy(y!))}`)
      .join(' ');
    parts.push(
      `<polygon class="fit-band" points="${band}" fill="#f59e0b" fill-opacity="0.22" stroke="none"/>`,
      `<line class="fit-line" x1="${f1(sx(x0))}" y1="${f1(sy(fit.at(x0)))}" x2="${f1(sx(x1))}" y2="${f1(sy(fit.at(x1)))}" stroke="#b91c1c" stroke-width="1.6"/>`,
      // in the corner a climbing line leaves empty (bottom right; top right for a falling one)
      `<text x="${m.left + pw - 6}" y="${opts.fit.slope >= 0 ? m.top + ph - 7 : m.top + 13}" text-anchor="end" class="fit-label">${esc(fitLabel(opts.fit))}</text>`,
    );
  }
  if (!series.length) {
    parts.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle" class="axis">No memory samples were recorded</text>`,
    );
  }

  const colW = pw / legendCols;
  legendItems.forEach((item, i) => {
    const x = m.left + (i % legendCols) * colW;
    const y = H + 8 + Math.floor(i / legendCols) * legendRowH;
    parts.push(
      item.svg(x, y),
      `<text x="${x + 32}" y="${y}" dominant-baseline="middle" class="legend">${esc(item.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function panelTitle(series: Series[], heapView: boolean, fitted: boolean): string {
  if (heapView) return `Heap after garbage collection${fitted ? ', fitted line' : ''}`;
  const total = series.find((s) => s.kind === 'total');
  const what = total?.label.startsWith('PSS') ? 'PSS' : 'RSS';
  return `Process memory: ${what}${series.some((s) => s.kind === 'process') ? ', per process' : ''}${series.some((s) => s.kind === 'rss') ? ' and RSS' : ''}${fitted ? ', fitted line' : ''}`;
}

function markerSvg(s: Series, x: number, y: number): string {
  if (s.marker === 'circle') return `<circle cx="${f1(x)}" cy="${f1(y)}" r="2.6" fill="${s.stroke}"/>`;
  return `<rect x="${f1(x - 2.5)}" y="${f1(y - 2.5)}" width="5" height="5" fill="${s.stroke}"/>`;
}
