// The comparison table: one row per configuration, sortable by any column, the best one
// starred. Few rows (a grid is rarely over a hundred), so a plain table, not the virtual one.
import { useState } from 'react';
import type { SweepRowInfo } from '../../../shared/api';
import { fmtBytes, fmtDeltaBytes, fmtInt, fmtMs, verdictLabel } from '../lib/format';
import { PALETTE, type SortKey, sortSweepRows } from './SweepModel';

interface Col {
  key: SortKey;
  label: string;
  num?: boolean;
  render: (r: SweepRowInfo) => string;
}

const COLS: Col[] = [
  { key: 'rps', label: 'req/s', num: true, render: (r) => fmtInt(r.rps) },
  { key: 'p50', label: 'p50', num: true, render: (r) => fmtMs(r.p50) },
  { key: 'p90', label: 'p90', num: true, render: (r) => fmtMs(r.p90) },
  { key: 'p99', label: 'p99', num: true, render: (r) => fmtMs(r.p99) },
  {
    key: 'errorRate',
    label: 'errors',
    num: true,
    render: (r) => (r.errorRate == null ? '–' : `${(r.errorRate * 100).toFixed(2)}%`),
  },
  { key: 'pssTotalBytes', label: 'PSS total', num: true, render: (r) => fmtBytes(r.pssTotalBytes) },
  {
    key: 'pssPerProcessBytes',
    label: 'PSS / process',
    num: true,
    render: (r) => `${fmtBytes(r.pssPerProcessBytes)}${r.processes ? ` ×${r.processes}` : ''}`,
  },
  {
    key: 'bytesPerRequest',
    label: 'growth / req',
    num: true,
    render: (r) => fmtDeltaBytes(r.bytesPerRequest),
  },
  { key: 'restarts', label: 'restarts', num: true, render: (r) => String(r.restarts) },
];

// recycled workers: the growth within a worker's life beside PSS answers whether the setting
// hides a leak, and what it costs in memory (shown only when some configuration recycled)
const LIFE_COLS: Col[] = [
  {
    key: 'lifetimeBytesPerRequest',
    label: 'in-life growth / req',
    num: true,
    render: (r) => (r.lifetimeBytesPerRequest == null ? '–' : fmtDeltaBytes(r.lifetimeBytesPerRequest)),
  },
  {
    key: 'recycledEvery',
    label: 'recycled every',
    num: true,
    render: (r) => (r.recycledEvery == null ? '–' : `${fmtInt(r.recycledEvery)} req`),
  },
];

export function SweepTable({
  rows,
  names,
  bestId,
}: {
  rows: readonly SweepRowInfo[];
  names: string[];
  bestId: string | null;
}) {
  const [sort, setSort] = useState<{ key: SortKey; dir: 'asc' | 'desc' } | null>(null);
  // colours follow the sweep's order, so a row and its curve match whatever the sort
  const colour = new Map(rows.map((r, i) => [r.id, PALETTE[i % PALETTE.length]]));
  const shown = sort ? sortSweepRows(rows, sort.key, sort.dir) : rows;
  const cols = rows.some((r) => r.recycledEvery != null)
    ? [...COLS.slice(0, -1), ...LIFE_COLS, ...COLS.slice(-1)]
    : COLS;
  const click = (key: SortKey, numeric: boolean) =>
    setSort((s) =>
      s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: numeric ? 'asc' : 'asc' },
    );
  const head = (key: SortKey, label: string, numeric: boolean) => {
    const on = sort?.key === key;
    return (
      <th
        key={key}
        className={numeric ? 'num' : undefined}
        aria-sort={on ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
      >
        <button type="button" className={on ? 'active' : undefined} onClick={() => click(key, numeric)}>
          {label}
          {on ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
        </button>
      </th>
    );
  };
  return (
    <div className="sweep-table-wrap">
      <table className="sweep-table" data-testid="sweep-table">
        <thead>
          <tr>
            {names.map((n) => head(`param:${n}`, n, false))}
            {cols.map((c) => head(c.key, c.label, !!c.num))}
            {head('verdict', 'verdict', false)}
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => {
            const best = r.id === bestId;
            return (
              <tr key={r.id} className={best ? 'best' : undefined} data-testid="sweep-row" data-best={best}>
                {names.map((n, i) => (
                  <td key={n} className="mono">
                    {i === 0 ? (
                      <>
                        <span className="sweep-swatch" style={{ background: colour.get(r.id) }} />
                        {best ? (
                          <span className="sweep-star" title="best for the goal">
                            ★
                          </span>
                        ) : null}
                      </>
                    ) : null}
                    {r.runId ? (
                      <a
                        href={`#/runs/${encodeURIComponent(r.runId)}/verdict`}
                        title="Open this configuration's run"
                      >
                        {r.params[n]}
                      </a>
                    ) : (
                      r.params[n]
                    )}
                  </td>
                ))}
                {cols.map((c) => (
                  <td key={c.key} className="num">
                    {c.render(r)}
                  </td>
                ))}
                <td>
                  {r.verdict ? (
                    <span className={`verdict-chip v-${r.verdict}`}>
                      {verdictLabel[r.verdict] ?? r.verdict}
                    </span>
                  ) : (
                    <span className={`status status-${r.status}`}>{r.status}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
