// Run history: every run folder in the data directory. Open one (offline: it is all on
// disk), delete it, or tick two and compare their curves.
import { useMemo, useState } from 'react';
import type { RunSummary } from '../../../shared/api';
import { Empty, ErrorBox, Loading } from '../components/States';
import { type Column, nextSort, type SortState, sortRows, VirtualTable } from '../components/VirtualTable';
import { fmtDate, fmtDeltaBytes, fmtInt, verdictLabel } from '../lib/format';
import { go } from '../lib/router';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';

export function Runs() {
  const runs = useAsync(() => call('runs.list', {}), []);
  const [picked, setPicked] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortState>({ key: 'startedAt', dir: 'desc' });

  const rows = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const all = (runs.data ?? []).filter(
      (r) => !needle || r.command.toLowerCase().includes(needle) || r.id.toLowerCase().includes(needle),
    );
    return sortRows(all, sort, (r, k) => r[k as keyof RunSummary]);
  }, [runs.data, filter, sort]);

  const togglePick = (id: string) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));

  const remove = async (id: string) => {
    setError(null);
    try {
      await call('runs.delete', { id });
      setPicked((p) => p.filter((x) => x !== id));
      setConfirm(null);
      runs.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const columns: Column<RunSummary>[] = [
    {
      key: 'pick',
      label: '⇄',
      width: '40px',
      title: 'Tick two runs to compare',
      render: (r) => (
        <input
          type="checkbox"
          aria-label={`Compare ${r.id}`}
          checked={picked.includes(r.id)}
          onMouseDown={(e) => e.stopPropagation()}
          onChange={() => togglePick(r.id)}
        />
      ),
    },
    { key: 'startedAt', label: 'Started', width: '180px', render: (r) => fmtDate(r.startedAt) },
    {
      key: 'command',
      label: 'Command',
      width: 'minmax(200px, 1fr)',
      render: (r) => (
        <a className="mono ellipsis" href={`#/runs/${encodeURIComponent(r.id)}/verdict`} title={r.id}>
          {r.command || r.id}
        </a>
      ),
    },
    {
      key: 'status',
      label: 'Status',
      width: '100px',
      render: (r) => <span className={`status status-${r.status}`}>{r.status}</span>,
    },
    {
      key: 'verdict',
      label: 'Verdict',
      width: '110px',
      render: (r) =>
        r.verdict ? <span className={`verdict-chip v-${r.verdict}`}>{verdictLabel[r.verdict]}</span> : '–',
    },
    {
      key: 'bytesPerRequest',
      label: 'Bytes / req',
      width: '96px',
      align: 'right',
      render: (r) => fmtDeltaBytes(r.bytesPerRequest),
    },
    { key: 'requests', label: 'Requests', width: '84px', align: 'right', render: (r) => fmtInt(r.requests) },
    {
      key: 'actions',
      label: '',
      width: '130px',
      render: (r) =>
        confirm === r.id ? (
          <span className="inline">
            <button type="button" className="danger small-btn" onClick={() => remove(r.id)}>
              Delete
            </button>
            <button type="button" className="small-btn" onClick={() => setConfirm(null)}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="small-btn ghost"
            aria-label={`Delete run ${r.id}`}
            onMouseDown={(e) => e.stopPropagation()}
            onClick={() => setConfirm(r.id)}
            disabled={r.status === 'running'}
          >
            Delete…
          </button>
        ),
    },
  ];

  return (
    <div className="page runs">
      <div className="page-head">
        <h1>Runs</h1>
        <div className="inline">
          <input
            type="search"
            placeholder="Filter by command or id"
            aria-label="Filter runs"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <button
            type="button"
            disabled={picked.length !== 2}
            title={picked.length === 2 ? 'Compare the two ticked runs' : 'Tick two runs to compare'}
            onClick={() => go({ name: 'compare', a: picked[0], b: picked[1] })}
          >
            Compare {picked.length}/2
          </button>
          <button type="button" onClick={runs.reload}>
            Refresh
          </button>
        </div>
      </div>
      {error ? (
        <div className="state state-error" role="alert">
          {error}
        </div>
      ) : null}
      {runs.error ? (
        <ErrorBox
          error={runs.error}
          action={
            <button type="button" onClick={runs.reload}>
              Try again
            </button>
          }
        />
      ) : runs.loading && !runs.data ? (
        <Loading what="Reading the run folders…" />
      ) : (runs.data ?? []).length === 0 ? (
        <Empty title="No runs yet.">
          Start one from <a href="#/new">New hunt</a>, or from a terminal with{' '}
          <code>leakhound run --spawn "node server.js" --url http://127.0.0.1:{'{port}'}/</code>.
        </Empty>
      ) : (
        <div className="runs-table">
          <VirtualTable
            label="Runs"
            rows={rows}
            columns={columns}
            rowKey={(r) => r.id}
            selected={selected}
            onSelect={(r) => setSelected(r.id)}
            onActivate={(r) => go({ name: 'run', id: r.id, tab: 'verdict' })}
            sort={sort}
            onSort={(k) => setSort((s) => nextSort(s, k, k === 'bytesPerRequest' || k === 'requests'))}
            rowHeight={28}
            testId="runs-table"
          />
          <p className="hint">Click a command to open the run; ↑/↓ to move, Enter opens.</p>
        </div>
      )}
    </div>
  );
}
