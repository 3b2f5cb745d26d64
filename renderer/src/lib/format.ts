// Number formatting shared by every screen: binary units like DevTools, signs on deltas.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function fmtBytes(n: number | null | undefined, digits = 1): string {
  if (n == null || !Number.isFinite(n)) return '–';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sign}${i === 0 ? Math.round(v) : v.toFixed(digits)} ${UNITS[i]}`;
}

export function fmtDeltaBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  return n > 0 ? `+${fmtBytes(n)}` : fmtBytes(n);
}

export function fmtInt(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  return Math.round(n).toLocaleString('en-US');
}

export function fmtDeltaInt(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  return n > 0 ? `+${fmtInt(n)}` : fmtInt(n);
}

export function fmtNum(n: number | null | undefined, digits = 2): string {
  if (n == null || !Number.isFinite(n)) return '–';
  return n.toFixed(digits);
}

export function fmtMs(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n)) return '–';
  if (n < 1) return `${(n * 1000).toFixed(0)} µs`;
  if (n < 1000) return `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  return `${(n / 1000).toFixed(2)} s`;
}

export function fmtDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function fmtDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export const verdictLabel: Record<string, string> = {
  leak: 'leak',
  'no-leak': 'no leak',
  inconclusive: 'inconclusive',
};

/** Axis ticks in one unit with just enough decimals that neighbouring ticks differ. */
export function fmtByteTicks(vals: number[]): string[] {
  const finite = vals.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return vals.map(() => '');
  const max = Math.max(...finite.map(Math.abs));
  let i = 0;
  while (max >= 1024 ** (i + 1) && i < UNITS.length - 1) i++;
  const unit = 1024 ** i;
  const step = finite.length > 1 ? Math.abs(finite[1] - finite[0]) / unit : 1;
  const digits = i === 0 || step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
  return vals.map((v) =>
    v == null || !Number.isFinite(v) ? '' : `${(v / unit).toFixed(digits)} ${UNITS[i]}`,
  );
}
