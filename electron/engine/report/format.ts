// Number and text formatting for the report. Pure; the report must read the same on every
// machine, so nothing here depends on the host locale or time zone.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** Groups thousands with a thin space-free comma, e.g. 12,345. */
export function int(n: number): string {
  if (!Number.isFinite(n)) return '–';
  const s = Math.round(Math.abs(n)).toString();
  return (n < 0 && Math.round(n) !== 0 ? '−' : '') + s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number with up to `digits` significant decimals, trailing zeros removed. */
export function num(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1000) return int(n);
  let s = n.toFixed(digits);
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s.startsWith('-') ? `−${s.slice(1)}` : s;
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Decimal units (1 MB = 10^6 B), like the chart's axis, so figures and chart agree. */
export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  const sign = n < 0 ? '−' : '';
  let v = Math.abs(n);
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  const digits = u === 0 ? 0 : v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${sign}${v.toFixed(digits)} ${UNITS[u]}`;
}

/** Signed byte figure, e.g. "+1.20 MB". */
export function signedBytes(n: number): string {
  return n > 0 ? `+${bytes(n)}` : bytes(n);
}

/** Bytes per request with a sensible precision ("412 B", "1.3 KB", "0.4 B"). */
export function bytesPer(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) < 10 && n !== 0) return `${n < 0 ? '−' : ''}${Math.abs(n).toFixed(1)} B`;
  return bytes(n);
}

export function ms(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n < 1) return `${n.toFixed(2)} ms`;
  if (n < 10) return `${n.toFixed(1)} ms`;
  if (n < 10_000) return `${Math.round(n)} ms`;
  return `${(n / 1000).toFixed(1)} s`;
}

/** A duration in words: "48 s", "3 min 20 s", "1 h 5 min". */
export function duration(msTotal: number): string {
  if (!Number.isFinite(msTotal) || msTotal < 0) return '–';
  const s = Math.round(msTotal / 1000);
  if (s < 60) return `${Math.max(s, msTotal > 0 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** "2026-11-25 16:27 UTC": UTC so a report reads the same wherever it is opened. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Axis-friendly compact count: 950, 1.5k, 12k, 1.2M. */
export function compact(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `${num(n / 1e6, a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `${num(n / 1e3, a >= 1e4 ? 0 : 1)}k`;
  return num(n, 1);
}
