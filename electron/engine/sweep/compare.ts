// One row per configuration, and the best one for the chosen goal: the table ops staff
// used to fill by hand, one 15-minute run at a time.
import type { Result } from '../../../shared/result';
import type { Combo } from './grid';

export interface SweepRow {
  id: string;
  params: Combo;
  status: string;
  rps: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  errorRate: number | null;
  pssTotalBytes: number | null;
  pssPerProcessBytes: number | null;
  processes: number;
  bytesPerRequest: number | null;
  /** growth within each worker's life (recycled workers), beside PSS: does max-requests hide a leak */
  lifetimeBytesPerRequest?: number | null;
  /** requests a worker served before it was recycled (median), when workers were recycled */
  recycledEvery?: number | null;
  verdict: string | null;
  restarts: number;
  runDir: string;
}

export function rowOf(id: string, params: Combo, runDir: string, r: Result | null, status: string): SweepRow {
  const cp = r?.checkpoints[r.checkpoints.length - 1];
  const live = r?.target.processes?.filter((p) => !p.exited).length ?? 0;
  const load = r?.load ?? null;
  return {
    id,
    params,
    status,
    rps: load?.rps ?? null,
    p50: load?.latencyMs.p50 ?? null,
    p90: load?.latencyMs.p90 ?? null,
    p99: load?.latencyMs.p99 ?? null,
    errorRate: load && load.requests > 0 ? load.errors / load.requests : null,
    pssTotalBytes: cp?.pssBytes ?? null,
    pssPerProcessBytes: cp?.pssBytes != null && live > 0 ? cp.pssBytes / live : null,
    processes: live,
    bytesPerRequest: r?.verdict.bytesPerRequest ?? null,
    lifetimeBytesPerRequest: r?.verdict.lifetimes?.bytesPerRequest ?? null,
    recycledEvery: r?.verdict.lifetimes?.recycledEvery ?? null,
    verdict: r?.verdict.kind ?? null,
    restarts: r?.target.restarts ?? 0,
    runDir,
  };
}

export type Goal = 'p90' | 'p99' | 'rps' | 'pss';

/** Best row: no leak, < 0.1% errors, then the goal (lowest latency or PSS, highest rps). */
export function bestRow(rows: SweepRow[], goal: Goal = 'p90', maxErrorRate = 0.001): SweepRow | null {
  const ok = rows.filter(
    (r) =>
      r.status === 'finished' && r.verdict !== 'leak' && r.errorRate !== null && r.errorRate < maxErrorRate,
  );
  const key = (r: SweepRow): number =>
    goal === 'rps' ? -(r.rps ?? 0) : goal === 'pss' ? (r.pssTotalBytes ?? Infinity) : (r[goal] ?? Infinity);
  return ok.sort((a, b) => key(a) - key(b))[0] ?? null;
}

const mb = (b: number | null) => (b === null ? '-' : `${(b / 1048576).toFixed(1)}`);
const num = (n: number | null, d = 1) => (n === null ? '-' : n.toFixed(d));

export function formatTable(rows: SweepRow[], best: SweepRow | null): string {
  const names = Object.keys(rows[0]?.params ?? {});
  const head = [
    ...names,
    'rps',
    'p50 ms',
    'p90 ms',
    'p99 ms',
    'err %',
    'PSS MB',
    'PSS/proc MB',
    'in-life B/req',
    'recycled every',
    'B/req',
    'verdict',
    'restarts',
  ];
  const body = rows.map((r) => [
    ...names.map((n) => r.params[n]),
    num(r.rps, 0),
    num(r.p50, 2),
    num(r.p90, 2),
    num(r.p99, 2),
    r.errorRate === null ? '-' : (r.errorRate * 100).toFixed(2),
    mb(r.pssTotalBytes),
    mb(r.pssPerProcessBytes),
    num(r.lifetimeBytesPerRequest ?? null, 1),
    num(r.recycledEvery ?? null, 0),
    num(r.bytesPerRequest, 1),
    `${r.verdict ?? r.status}${best?.id === r.id ? ' ★' : ''}`,
    String(r.restarts),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}
