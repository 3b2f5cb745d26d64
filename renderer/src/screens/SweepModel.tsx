// Pure helpers of the Sweep screens: the form ↔ sweeps.start params, sorting the comparison
// table, and the overlaid curves' columns. No React state here, so they can be reasoned about alone.
import type { ApiParams, SweepRowInfo } from '../../../shared/api';
import type { Sample } from '../../../shared/result';

export type Goal = 'p90' | 'p99' | 'rps' | 'pss';

export interface SweepForm {
  spawn: string;
  grid: { name: string; values: string }[];
  url: string;
  requests: string;
  concurrency: string;
  goal: Goal;
}

export const defaultSweepForm: SweepForm = {
  spawn: '',
  grid: [{ name: 'workers', values: '2,4' }],
  url: 'http://127.0.0.1:{port}/',
  requests: '3000',
  concurrency: '10',
  goal: 'p90',
};

export const GOAL_TEXT: Record<Goal, string> = {
  p90: 'lowest p90',
  p99: 'lowest p99',
  rps: 'highest req/s',
  pss: 'lowest PSS',
};

export const goalSentence = (g: Goal) => `${GOAL_TEXT[g]} with no leak and < 0.1% errors`;

const KEY = 'leakhound.sweepForm';

export function loadSweepForm(): SweepForm {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? 'null');
    return raw && Array.isArray(raw.grid) ? { ...defaultSweepForm, ...raw } : defaultSweepForm;
  } catch {
    return defaultSweepForm;
  }
}

export function saveSweepForm(f: SweepForm): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(f));
  } catch {
    // private mode or full storage: the form just is not remembered
  }
}

const positive = (label: string, s: string): number | undefined => {
  if (!s.trim()) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${label} must be a whole number above 0 (got "${s}")`);
  return n;
};

/** The form as sweeps.start params; throws an Error with one line saying what to fix. */
export function formToSweep(f: SweepForm): ApiParams<'sweeps.start'> {
  const spawn = f.spawn.trim();
  if (!spawn) throw new Error('type the command to start, with {name} for each grid row and {port}');
  const rows = f.grid.filter((g) => g.name.trim() || g.values.trim());
  if (!rows.length) throw new Error('add at least one grid row: a name and its values, e.g. workers = 2,4');
  const seen = new Set<string>();
  const grid = rows.map((g, i) => {
    const name = g.name.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`grid row ${i + 1}: the name must be letters, digits or _ (got "${name}")`);
    if (seen.has(name)) throw new Error(`grid row "${name}" is given twice: put all its values in one row`);
    seen.add(name);
    const values = g.values.split(',').map((v) => v.trim());
    if (values.some((v) => !v))
      throw new Error(`grid row "${name}": give comma-separated values, none empty`);
    if (!spawn.includes(`{${name}}`))
      throw new Error(`the command has no {${name}}: put {${name}} where its value goes`);
    return { name, values };
  });
  if (!f.url.trim()) throw new Error('type the URL to load, with {port} for the port leakhound picks');
  return {
    spawn,
    grid,
    url: f.url.trim(),
    requests: positive('Requests per configuration', f.requests),
    concurrency: positive('Connections', f.concurrency),
    goal: f.goal,
  };
}

export const combos = (grid: { values: string[] }[]) => grid.reduce((n, g) => n * g.values.length, 1);

export const paramsText = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

export type SortKey = `param:${string}` | keyof SweepRowInfo;

export function sortSweepRows(
  rows: readonly SweepRowInfo[],
  key: SortKey,
  dir: 'asc' | 'desc',
): SweepRowInfo[] {
  const val = (r: SweepRowInfo): string | number | null => {
    if (key.startsWith('param:')) {
      const v = r.params[key.slice(6)] ?? null;
      // numeric grid values (workers=2,10) sort as numbers
      return v !== null && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
    }
    const v = r[key as keyof SweepRowInfo];
    return typeof v === 'number' || typeof v === 'string' ? v : null;
  };
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: val(r) }))
    .sort((a, b) => {
      if (a.v === null && b.v === null) return a.i - b.i;
      if (a.v === null) return 1;
      if (b.v === null) return -1;
      const c =
        typeof a.v === 'number' && typeof b.v === 'number'
          ? a.v - b.v
          : String(a.v).localeCompare(String(b.v));
      return c === 0 ? a.i - b.i : c * sign;
    })
    .map((x) => x.r);
}

/** N runs on one requests axis: union of x, each run null where it has no sample. */
export function overlayColumns(runs: readonly (readonly Sample[])[]): [number[], ...(number | null)[][]] {
  const xs = Array.from(new Set(runs.flatMap((s) => s.map((x) => x.requests)))).sort((a, b) => a - b);
  const cols = runs.map((samples) => {
    const pss = samples.some((s) => s.pssBytes != null);
    const byX = new Map<number, number | null>();
    for (const s of samples) byX.set(s.requests, pss ? s.pssBytes : s.rssBytes);
    return xs.map((x) => byX.get(x) ?? null);
  });
  return [xs, ...cols];
}

export const PALETTE = [
  '#6d5dfc',
  '#f59e0b',
  '#10b981',
  '#ef4444',
  '#0ea5e9',
  '#a855f7',
  '#84cc16',
  '#ec4899',
];
export const DASHES: (number[] | undefined)[] = [undefined, [8, 4], [2, 3], [10, 3, 2, 3]];
