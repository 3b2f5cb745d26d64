// The sweep's overlaid curves as inline SVG: process-tree PSS (RSS where PSS is unknown)
// against requests served, one line per configuration. Lines differ by dash and weight as
// well as colour so a greyscale print still tells them apart; the best one is drawn thickest.
import type { Sample } from '../../../shared/result';
import { decimate, niceTicks, type Point } from './chart';
import { compact, esc, num } from './format';

export interface SweepCurve {
  label: string;
  samples: readonly Sample[];
  best?: boolean;
}

export const SWEEP_STYLES: { stroke: string; dash?: string }[] = [
  { stroke: '#1e3a8a' },
  { stroke: '#b45309', dash: '7 3' },
  { stroke: '#047857', dash: '2 2.5' },
  { stroke: '#7c3aed', dash: '9 2 2 2' },
  { stroke: '#be123c', dash: '4 2' },
  { stroke: '#374151', dash: '1 2' },
  { stroke: '#0e7490', dash: '12 3' },
  { stroke: '#a16207', dash: '3 3 8 3' },
];

const MB = 1e6;
const f1 = (n: number) => (Math.round(n * 10) / 10).toString();

/** Points (requests, MB) of one run: PSS total when any sample has it, else RSS. Pure. */
export function pssPoints(samples: readonly Sample[]): { points: Point[]; pss: boolean } {
  const pss = samples.some((s) => s.pssBytes !== null);
  const points: Point[] = [];
  for (const s of samples) {
    const v = pss ? s.pssBytes : s.rssBytes;
    if (v !== null) points.push([s.requests, v / MB]);
  }
  return { points, pss };
}

export function sweepChartSvg(curves: readonly SweepCurve[], opts: { width?: number; height?: number } = {}) {
  const W = opts.width ?? 700;
  const H = opts.height ?? 260;
  const m = { left: 58, right: 18, top: 16, bottom: 44 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const lines = curves.map((c, i) => ({
    ...c,
    ...pssPoints(c.samples),
    style: SWEEP_STYLES[i % SWEEP_STYLES.length]!,
  }));
  let xMax = 0;
  let yMax = 0;
  for (const l of lines)
    for (const [x, y] of l.points) {
      if (x > xMax) xMax = x;
      if (y > yMax) yMax = y;
    }
  const xTicks = niceTicks(0, Math.max(xMax, 1), 6);
  const yTicks = niceTicks(0, Math.max(yMax, 0.1), 5);
  const xTop = xTicks[xTicks.length - 1]!;
  const yTop = yTicks[yTicks.length - 1]!;
  const sx = (x: number) => m.left + (x / xTop) * pw;
  const sy = (y: number) => m.top + ph - (y / yTop) * ph;
  const legendRowH = 16;
  const legendRows = Math.ceil(lines.length / 2);
  const totalH = H + 8 + legendRows * legendRowH;
  const anyRss = lines.some((l) => l.points.length && !l.pss);

  const parts: string[] = [
    `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${totalH}" width="${W}" height="${totalH}" role="img" aria-label="Memory of each configuration against requests served">`,
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="#ffffff" stroke="#9ca3af" stroke-width="0.8"/>`,
  ];
  for (const t of yTicks) {
    const y = f1(sy(t));
    parts.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#e5e7eb" stroke-width="0.6"/>`,
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" class="tick">${num(t, 2)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = f1(sx(t));
    parts.push(
      `<line x1="${x}" y1="${m.top + ph}" x2="${x}" y2="${m.top + ph + 4}" stroke="#6b7280" stroke-width="0.8"/>`,
      `<text x="${x}" y="${m.top + ph + 15}" text-anchor="middle" class="tick">${compact(t)}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + pw / 2}" y="${m.top + ph + 34}" text-anchor="middle" class="axis">Requests served</text>`,
    `<text transform="translate(14 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle" class="axis">${anyRss ? 'PSS or RSS (MB)' : 'PSS, whole tree (MB)'}</text>`,
  );
  const width = (l: (typeof lines)[number]) => (l.best ? 2.8 : 1.5);
  for (const l of lines) {
    const pts = decimate(l.points);
    if (!pts.length) continue;
    const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${f1(sx(x))} ${f1(sy(y))}`).join('');
    parts.push(
      `<path d="${d}" fill="none" stroke="${l.style.stroke}" stroke-width="${width(l)}" stroke-linejoin="round"${
        l.style.dash ? ` stroke-dasharray="${l.style.dash}"` : ''
      }><title>${esc(l.label)}</title></path>`,
    );
  }
  if (!lines.some((l) => l.points.length))
    parts.push(
      `<text x="${m.left + pw / 2}" y="${m.top + ph / 2}" text-anchor="middle" class="axis">No memory samples were recorded</text>`,
    );
  const colW = pw / 2;
  lines.forEach((l, i) => {
    const x = m.left + (i % 2) * colW;
    const y = H + 8 + Math.floor(i / 2) * legendRowH;
    parts.push(
      `<line x1="${x}" y1="${y}" x2="${x + 26}" y2="${y}" stroke="${l.style.stroke}" stroke-width="${width(l)}"${
        l.style.dash ? ` stroke-dasharray="${l.style.dash}"` : ''
      }/>`,
      `<text x="${x + 32}" y="${y}" dominant-baseline="middle" class="legend">${esc(l.label)}${l.best ? ' ★' : ''}${
        l.points.length ? '' : ' (no samples)'
      }</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}
