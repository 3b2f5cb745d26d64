// Searchable process list for attach, fed by processes.list: runtime, ports, tree, memory.
import { useMemo, useState } from 'react';
import type { ProcessEntry } from '../../../shared/api';
import { fmtBytes, fmtDuration } from '../lib/format';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';
import { ErrorBox, Loading } from './States';
import { type Column, VirtualTable } from './VirtualTable';

interface Row {
  p: ProcessEntry;
  depth: number;
}

/** Parents before children, depth-first, so worker trees read like `ps --forest`. */
function forest(list: ProcessEntry[]): Row[] {
  const byPid = new Map(list.map((p) => [p.pid, p]));
  const out: Row[] = [];
  const seen = new Set<number>();
  const visit = (p: ProcessEntry, depth: number) => {
    if (seen.has(p.pid)) return;
    seen.add(p.pid);
    out.push({ p, depth });
    for (const c of p.children) {
      const child = byPid.get(c);
      if (child) visit(child, depth + 1);
    }
  };
  for (const p of list) if (!byPid.has(p.ppid)) visit(p, 0);
  for (const p of list) visit(p, 0);
  return out;
}

export function ProcessPicker({ value, onPick }: { value: string; onPick: (p: ProcessEntry) => void }) {
  const procs = useAsync(() => call('processes.list', {}), []);
  const [q, setQ] = useState('');
  const [serversOnly, setServersOnly] = useState(true);
  const rows = useMemo(() => {
    const all = forest(procs.data ?? []);
    const needle = q.trim().toLowerCase();
    return all.filter(
      ({ p }) =>
        (!serversOnly || p.runtime !== 'other' || p.ports.length > 0) &&
        (!needle ||
          p.command.toLowerCase().includes(needle) ||
          String(p.pid) === needle ||
          p.ports.some((port) => String(port) === needle)),
    );
  }, [procs.data, q, serversOnly]);

  const columns: Column<Row>[] = [
    { key: 'pid', label: 'PID', width: '70px', align: 'right', render: (r) => r.p.pid },
    {
      key: 'runtime',
      label: 'Runtime',
      width: '84px',
      render: (r) => <span className={`tag rt-${r.p.runtime}`}>{r.p.runtime}</span>,
    },
    { key: 'ports', label: 'Ports', width: '90px', render: (r) => r.p.ports.join(', ') || '–' },
    { key: 'rss', label: 'RSS', width: '80px', align: 'right', render: (r) => fmtBytes(r.p.rssBytes) },
    { key: 'pss', label: 'PSS', width: '80px', align: 'right', render: (r) => fmtBytes(r.p.pssBytes) },
    { key: 'up', label: 'Uptime', width: '70px', align: 'right', render: (r) => fmtDuration(r.p.uptimeMs) },
    {
      key: 'cmd',
      label: 'Command',
      width: 'minmax(200px, 1fr)',
      render: (r) => (
        <span className="mono ellipsis" style={{ paddingLeft: r.depth * 14 }} title={r.p.command}>
          {r.depth > 0 ? '└ ' : ''}
          {r.p.command}
        </span>
      ),
    },
  ];

  return (
    <div className="picker">
      <div className="toolbar">
        <input
          type="search"
          placeholder="Filter by command, pid or port"
          aria-label="Filter processes"
          value={q}
          onChange={(e) => setQ(e.target.value)}
        />
        <label className="check">
          <input type="checkbox" checked={serversOnly} onChange={(e) => setServersOnly(e.target.checked)} />
          Node, Python or listening only
        </label>
        <button type="button" onClick={procs.reload}>
          Refresh
        </button>
        <span className="muted">{procs.data ? `${rows.length} of ${procs.data.length}` : ''}</span>
      </div>
      {procs.error ? (
        <ErrorBox
          error={procs.error}
          action={
            <button type="button" onClick={procs.reload}>
              Try again
            </button>
          }
        />
      ) : procs.loading && !procs.data ? (
        <Loading what="Listing processes…" />
      ) : rows.length === 0 ? (
        <div className="state state-empty">No matching process. Start your server, then press Refresh.</div>
      ) : (
        <div className="picker-table">
          <VirtualTable
            label="Processes"
            rows={rows}
            columns={columns}
            rowKey={(r) => String(r.p.pid)}
            selected={value || null}
            onSelect={(r) => onPick(r.p)}
            testId="process-picker"
          />
        </div>
      )}
    </div>
  );
}
