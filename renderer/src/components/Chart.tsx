// A thin React wrapper around uPlot (canvas, built for 100k+ points). Data updates reuse the
// plot (setData); only a change of series or axis rebuilds it. Markers (snapshots, worker
// restarts) and post-GC checkpoints are drawn in the draw hook so they cost nothing per point.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtBytes, fmtByteTicks } from '../lib/format';
import type { Marker } from '../lib/series';

export interface ChartSeries {
  label: string;
  color: string;
  width?: number;
  dash?: number[];
  spanGaps?: boolean;
}

export interface ChartProps {
  title: string;
  xLabel: string;
  data: uPlot.AlignedData;
  series: ChartSeries[];
  markers?: Marker[];
  points?: { x: number; y: number }[];
  height?: number;
  testId?: string;
  /** smallest y span shown, so noise on a flat line does not fill the plot */
  yMinSpan?: number;
}

// Tick steps that are round in binary units (1 MiB, 2 MiB, 5 MiB …) rather than round in bytes.
const BYTE_INCRS = [1, 1024, 1024 ** 2, 1024 ** 3, 1024 ** 4].flatMap((u) =>
  [0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 25, 50, 100, 200, 250, 500].map((m) => m * u),
);

const cssVar = (name: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

const markerColor = (k: Marker['kind']) =>
  k === 'snapshot' ? cssVar('--accent') : k === 'restart' ? cssVar('--warn') : cssVar('--muted');

export function Chart({
  title,
  xLabel,
  data,
  series,
  markers,
  points,
  height = 220,
  testId,
  yMinSpan,
}: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const overlay = useRef({ markers, points, yMinSpan });
  overlay.current = { markers, points, yMinSpan };
  const signature = `${xLabel}|${series.map((s) => `${s.label}:${s.color}`).join(',')}`;

  // biome-ignore lint/correctness/useExhaustiveDependencies: rebuilt only when the signature changes
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const axisStroke = cssVar('--muted');
    const grid = { stroke: cssVar('--grid'), width: 1 };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false }, points: { size: 5 } },
      scales: {
        x: { time: false },
        y: {
          // the overlay dots (post-GC checkpoints) must fit in the range too
          range: (_u, min, max) => {
            let lo = min;
            let hi = max;
            for (const p of overlay.current.points ?? []) {
              lo = Math.min(lo, p.y);
              hi = Math.max(hi, p.y);
            }
            if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
            const want = overlay.current.yMinSpan ?? 0;
            if (hi - lo < want) {
              const mid = (hi + lo) / 2;
              lo = mid - want / 2;
              hi = mid + want / 2;
            }
            const pad = (hi - lo) * 0.08 || Math.abs(hi) * 0.05 || 1;
            return [Math.max(0, lo - pad), hi + pad];
          },
        },
      },
      axes: [
        {
          stroke: axisStroke,
          grid,
          ticks: grid,
          label: xLabel,
          labelSize: 18,
          font: '11px system-ui, sans-serif',
          labelFont: '11px system-ui, sans-serif',
        },
        {
          stroke: axisStroke,
          grid,
          ticks: grid,
          size: 64,
          incrs: BYTE_INCRS,
          font: '11px system-ui, sans-serif',
          values: (_u, vals) => fmtByteTicks(vals),
        },
      ],
      series: [
        { label: xLabel, value: (_u, v) => (v == null ? '–' : v.toLocaleString('en-US')) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width ?? 1.5,
          dash: s.dash,
          spanGaps: s.spanGaps ?? false,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => fmtBytes(v),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const { markers: ms, points: ps } = overlay.current;
            const ctx = u.ctx;
            const { top, height: h, left, width } = u.bbox;
            ctx.save();
            ctx.beginPath();
            ctx.rect(left, top, width, h);
            ctx.clip();
            for (const m of ms ?? []) {
              const px = u.valToPos(m.x, 'x', true);
              ctx.strokeStyle = markerColor(m.kind);
              ctx.lineWidth = m.kind === 'snapshot' ? 1.5 * devicePixelRatio : devicePixelRatio;
              ctx.setLineDash(m.kind === 'snapshot' ? [] : [4 * devicePixelRatio, 3 * devicePixelRatio]);
              ctx.beginPath();
              ctx.moveTo(px, top);
              ctx.lineTo(px, top + h);
              ctx.stroke();
              if (m.kind === 'snapshot') {
                ctx.fillStyle = markerColor(m.kind);
                ctx.font = `${10 * devicePixelRatio}px system-ui, sans-serif`;
                // uPlot leaves its axis text alignment on the context
                ctx.textAlign = 'left';
                ctx.textBaseline = 'alphabetic';
                const w = ctx.measureText(m.label).width;
                // labels near the right edge go on the line's left so they stay readable
                const lx =
                  px + 4 * devicePixelRatio + w > left + width
                    ? px - 4 * devicePixelRatio - w
                    : px + 4 * devicePixelRatio;
                ctx.fillText(m.label, lx, top + 11 * devicePixelRatio);
              }
            }
            ctx.setLineDash([]);
            ctx.fillStyle = cssVar('--danger');
            for (const p of ps ?? []) {
              const px = u.valToPos(p.x, 'x', true);
              const py = u.valToPos(p.y, 'y', true);
              ctx.beginPath();
              ctx.arc(px, py, 3.5 * devicePixelRatio, 0, Math.PI * 2);
              ctx.fill();
            }
            ctx.restore();
          },
        ],
      },
    };
    const u = new uPlot(opts, data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [signature, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the draw hook reads them from a ref; redraw when they change
  useEffect(() => {
    plot.current?.redraw(false, false);
  }, [markers, points]);

  return (
    <figure className="chart" data-testid={testId} data-points={data[0]?.length ?? 0}>
      <figcaption>{title}</figcaption>
      <div ref={host} className="chart-host" />
    </figure>
  );
}
