import { describe, expect, it } from 'vitest';
import {
  chartSeries,
  decimate,
  growthChartSvg,
  niceTicks,
  type Point,
} from '../../electron/engine/report/chart';
import type { Sample } from '../../shared/result';

function samples(n: number, pids: number[], pss = true): Sample[] {
  return Array.from({ length: n }, (_, i) => {
    const processes = pids.map((pid, k) => ({
      pid,
      rssBytes: (10 + k + i / 10) * 1e6,
      pssBytes: pss ? (8 + k + i / 10) * 1e6 : null,
    }));
    return {
      t: i * 100,
      requests: i * 10,
      rssBytes: processes.reduce((a, p) => a + p.rssBytes, 0),
      pssBytes: pss ? processes.reduce((a, p) => a + p.pssBytes!, 0) : null,
      heapUsedBytes: (4 + i / 20) * 1e6,
      processes,
    };
  });
}

describe('niceTicks', () => {
  it('covers the range with 1-2-5 steps', () => {
    expect(niceTicks(0, 3000, 6)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000]);
    expect(niceTicks(0, 47.3, 5)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(0, 0.37, 5)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });
  it('survives an empty range', () => {
    const t = niceTicks(0, 0);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]).toBeGreaterThan(0);
  });
});

describe('decimate', () => {
  it('leaves short series alone', () => {
    const pts: Point[] = [
      [0, 1],
      [1, 2],
    ];
    expect(decimate(pts, 10)).toBe(pts);
  });
  it('keeps the envelope (every bucket min and max) and the last point', () => {
    const pts: Point[] = Array.from({ length: 10_000 }, (_, i) => [i, i % 97 === 0 ? 500 : Math.sin(i / 50)]);
    const out = decimate(pts, 100);
    expect(out.length).toBeLessThanOrEqual(201);
    expect(Math.max(...out.map((p) => p[1]))).toBe(500);
    expect(Math.min(...out.map((p) => p[1]))).toBeCloseTo(Math.min(...pts.map((p) => p[1])), 9);
    expect(out[out.length - 1]).toBe(pts[pts.length - 1]);
    for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThanOrEqual(out[i - 1]![0]);
  });
});

describe('chartSeries', () => {
  it('draws one line per process only when there are several', () => {
    const one = chartSeries({ samples: samples(20, [1]), checkpoints: [], snapshots: [] }).series;
    expect(one.map((s) => s.label)).toEqual([
      'PSS, whole process tree',
      'RSS, whole process tree',
      'Runtime heap used',
    ]);
    const three = chartSeries({ samples: samples(20, [1, 2, 3]), checkpoints: [], snapshots: [] }).series;
    expect(three.map((s) => s.label)).toEqual([
      'PSS, whole process tree',
      'RSS, whole process tree',
      'pid 3 (PSS)',
      'pid 2 (PSS)',
      'pid 1 (PSS)',
      'Runtime heap used',
    ]);
    // x = requests served, y = MB
    const [x, y] = three[0]!.points[19]!;
    expect(x).toBe(190);
    expect(y).toBeCloseTo(8 + 9 + 10 + 3 * 1.9, 9);
  });
  it('falls back to RSS when PSS was never read, and caps the number of process lines', () => {
    const { series, hiddenProcesses } = chartSeries(
      { samples: samples(5, [1, 2, 3, 4], false), checkpoints: [], snapshots: [] },
      2,
    );
    expect(series[0]!.label).toBe('RSS, whole process tree');
    expect(series.filter((s) => s.label.startsWith('pid')).map((s) => s.label)).toEqual([
      'pid 4 (RSS)',
      'pid 3 (RSS)',
    ]);
    expect(hiddenProcesses).toBe(2);
  });
});

describe('growthChartSvg', () => {
  const input = {
    samples: samples(301, [7]),
    checkpoints: [0, 1500, 3000].map((r) => ({
      t: r,
      requests: r,
      heapBytes: 5e6 + r * 400,
      pssBytes: null,
      rssBytes: 1,
    })),
    snapshots: [
      { file: 'a', label: 'baseline', atRequests: 0, bytes: 1 },
      { file: 'b', label: 'middle', atRequests: 1500, bytes: 1 },
      { file: 'c', label: 'final', atRequests: 3000, bytes: 1 },
    ],
  };
  const svg = growthChartSvg(input, { width: 700, height: 290 });

  it('is one svg element with axis titles, ticks and a path per series', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(svg).toContain('>Requests served</text>');
    expect(svg).toContain('>Memory (MB)</text>');
    expect(svg).toContain('>1.5k</text>');
    expect(svg).toContain('>Process memory: PSS and RSS</text>');
    // process memory only: PSS and RSS; the heap has its own panel
    expect(svg.match(/<path d="M/g)?.length).toBe(2);
    expect(svg).not.toContain('Runtime heap used');
    expect(svg).not.toMatch(/width="5" height="5"/);
  });

  it('puts snapshot markers at their request counts (S2 halfway along x)', () => {
    const xs = [
      ...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="middle" class="snap">S(\d)<\/text>/g),
    ].map((m) => Number(m[1]));
    expect(xs).toHaveLength(3);
    const [x0, x1, x2] = xs as [number, number, number];
    expect(x1 - x0).toBeCloseTo(x2 - x1, 0);
    expect(svg).toContain('S1 baseline, S2 middle, S3 final');
  });

  it('uses dash patterns so series differ without colour', () => {
    const dashesOf = (svgText: string) =>
      [...svgText.matchAll(/<path [^>]*?(stroke-dasharray="[^"]+")?\/>/g)].map((m) => m[1] ?? 'solid');
    expect(new Set(dashesOf(svg)).size).toBe(2); // PSS, RSS
    expect(new Set(dashesOf(growthChartSvg(input, { view: 'heap' }))).size).toBe(2); // heap, after GC
  });

  it('zooms the heap view to the heap range, without the process lines', () => {
    const heap = growthChartSvg(input, { view: 'heap' });
    expect(heap).toContain('>Heap (MB)</text>');
    expect(heap.match(/<path d="M/g)?.length).toBe(2); // heap used, heap after GC
    expect(heap.match(/<rect x="[\d.]+" y="[\d.]+" width="5" height="5"/g)?.length).toBe(4); // 3 checkpoints + the legend's sample
    expect(heap).not.toContain('PSS, whole process tree');
    // A heap creeping from 50 to 52 MB: the axis starts near 50, not at 0.
    const creeping = {
      ...input,
      samples: input.samples.map((s, i) => ({ ...s, heapUsedBytes: 50e6 + i * 6000 })),
      checkpoints: [],
    };
    const yLabels = [
      ...growthChartSvg(creeping, { view: 'heap' }).matchAll(
        /text-anchor="end" dominant-baseline="middle" class="tick" data-y="[\d.]+">([\d.]+)</g,
      ),
    ].map((m) => Number(m[1]));
    expect(yLabels[0]).toBeGreaterThanOrEqual(49);
    expect(yLabels[0]).toBeLessThanOrEqual(50);
    expect(yLabels[yLabels.length - 1]).toBeGreaterThanOrEqual(51.8);
    expect(yLabels[yLabels.length - 1]).toBeLessThanOrEqual(53);
    expect(growthChartSvg({ ...input, samples: [], checkpoints: [] }, { view: 'heap' })).toBe('');
  });

  it("draws the verdict's fitted line through the post-GC squares, with its 95% band and label", () => {
    const fit = { slope: 400, ci95: [380, 430] as const, on: 'gc' as const };
    const heap = growthChartSvg(input, { view: 'heap', fit });
    expect(heap).toContain('>fit +400 B/request (95% CI 380 B … 430 B)</text>');
    expect(heap).toContain('>Heap after garbage collection, fitted line</text>');
    // the line runs from the first to the last checkpoint through their values (5 → 6.2 MB)
    const line = /<line class="fit-line" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"/.exec(heap)!;
    const squares = [...heap.matchAll(/<rect x="([\d.]+)" y="([\d.]+)" width="5" height="5"/g)].slice(0, 3);
    const centre = (m: RegExpMatchArray) => [Number(m[1]) + 2.5, Number(m[2]) + 2.5];
    const [first, , last] = squares.map(centre) as [number[], number[], number[]];
    expect(Number(line[1])).toBeCloseTo(first[0]!, 0);
    expect(Number(line[2])).toBeCloseTo(first[1]!, 0);
    expect(Number(line[3])).toBeCloseTo(last[0]!, 0);
    expect(Number(line[4])).toBeCloseTo(last[1]!, 0);
    // the band is wider at the ends than the line: four corners around it
    const band = /<polygon class="fit-band" points="([^"]+)"/.exec(heap)![1]!.split(' ');
    expect(band).toHaveLength(4);
    // no fit asked, none drawn; a fit on PSS draws PSS squares in the memory panel instead
    expect(growthChartSvg(input, { view: 'heap' })).not.toContain('fit-line');
    const pssInput = {
      ...input,
      checkpoints: input.checkpoints.map((c) => ({ ...c, pssBytes: 20e6 + c.requests * 900 })),
    };
    const mem = growthChartSvg(pssInput, { fit: { slope: 900, ci95: [850, 950], on: 'gc-pss' } });
    expect(mem).toContain('PSS after forced GC (checkpoints)');
    expect(mem).toContain('>fit +900 B/request (95% CI 850 B … 950 B)</text>');
  });

  it('says so when there is nothing to draw', () => {
    expect(growthChartSvg({ samples: [], checkpoints: [], snapshots: [] })).toContain(
      'No memory samples were recorded',
    );
  });
});
