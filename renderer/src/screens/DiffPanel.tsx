// Diff of two snapshots by class (DevTools' Comparison view), then the instances of the
// selected class, then the retainer tree of the selected instance.
import { useEffect, useMemo, useState } from 'react';
import type { DiffRow, RetainerNode } from '../../../shared/api';
import { RetainerTree } from '../components/RetainerTree';
import { Empty, ErrorBox, Loading } from '../components/States';
import { type Column, nextSort, type SortState, sortRows, VirtualTable } from '../components/VirtualTable';
import { fmtBytes, fmtDeltaBytes, fmtDeltaInt, fmtInt, fmtNum } from '../lib/format';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';
import type { RunState } from '../lib/useRun';

const NUMERIC = new Set([
  'added',
  'deleted',
  'countDelta',
  'perRequest',
  'selfSizeDelta',
  'retainedSizeDelta',
]);

const columns: Column<DiffRow>[] = [
  {
    key: 'name',
    label: 'Constructor',
    width: 'minmax(220px, 1fr)',
    render: (r) => <span className="mono ellipsis">{r.name}</span>,
  },
  { key: 'added', label: '# New', width: '84px', align: 'right', render: (r) => fmtInt(r.added) },
  { key: 'deleted', label: '# Deleted', width: '92px', align: 'right', render: (r) => fmtInt(r.deleted) },
  {
    key: 'countDelta',
    label: '# Delta',
    width: '80px',
    align: 'right',
    render: (r) => <span className={r.countDelta > 0 ? 'pos' : ''}>{fmtDeltaInt(r.countDelta)}</span>,
  },
  {
    key: 'perRequest',
    label: 'Per request',
    width: '100px',
    align: 'right',
    title: 'count delta divided by the requests served between the two snapshots',
    render: (r) => fmtNum(r.perRequest, 3),
  },
  {
    key: 'selfSizeDelta',
    label: 'Self Δ',
    width: '96px',
    align: 'right',
    render: (r) => fmtDeltaBytes(r.selfSizeDelta),
  },
  {
    key: 'retainedSizeDelta',
    label: 'Retained Δ',
    width: '104px',
    align: 'right',
    render: (r) => fmtDeltaBytes(r.retainedSizeDelta),
  },
];

const instanceColumns: Column<RetainerNode>[] = [
  {
    key: 'name',
    label: 'Object',
    width: 'minmax(120px, 1fr)',
    render: (r) => (
      <span className="mono ellipsis">
        {r.name} <span className="muted">@{r.nodeId}</span>
      </span>
    ),
  },
  { key: 'distance', label: 'Dist.', width: '50px', align: 'right', render: (r) => r.distance },
  { key: 'self', label: 'Self', width: '72px', align: 'right', render: (r) => fmtBytes(r.selfSize) },
  {
    key: 'retained',
    label: 'Retained',
    width: '80px',
    align: 'right',
    render: (r) => fmtBytes(r.retainedSize),
  },
];

function Instances({
  runId,
  snapshot,
  since,
  name,
}: {
  runId: string;
  snapshot: number;
  since: number;
  name: string;
}) {
  const [onlyNew, setOnlyNew] = useState(true);
  const [limit, setLimit] = useState(100);
  const [selected, setSelected] = useState<RetainerNode | null>(null);
  const [reveal, setReveal] = useState(false);
  const inst = useAsync(
    () =>
      call('analysis.instances', {
        id: runId,
        snapshot,
        name,
        onlyNew: onlyNew && since < snapshot,
        since: since < snapshot ? since : undefined,
        offset: 0,
        limit,
        revealStrings: reveal,
      }),
    [runId, snapshot, since, name, onlyNew, limit, reveal],
  );
  const items = inst.data?.items ?? [];
  return (
    <div className="split-bottom">
      <div className="instances" data-testid="instances">
        <div className="toolbar">
          <strong className="mono ellipsis">{name}</strong>
          <label className="check">
            <input type="checkbox" checked={onlyNew} onChange={(e) => setOnlyNew(e.target.checked)} />
            only new
          </label>
          <label
            className="check"
            title="Heap strings can hold tokens and passwords; they stay hidden unless you ask"
          >
            <input type="checkbox" checked={reveal} onChange={(e) => setReveal(e.target.checked)} />
            reveal strings
          </label>
          <span className="muted">
            {inst.data ? `${fmtInt(items.length)} of ${fmtInt(inst.data.total)}` : ''}
          </span>
        </div>
        {inst.error ? (
          <ErrorBox error={inst.error} />
        ) : inst.loading && !inst.data ? (
          <Loading what="Finding instances…" />
        ) : items.length === 0 ? (
          <Empty title="No instances.">
            {onlyNew ? 'Untick “only new” to see older objects of this class.' : null}
          </Empty>
        ) : (
          <>
            <VirtualTable
              label="Instances"
              rows={items}
              columns={instanceColumns}
              rowKey={(r) => String(r.nodeId)}
              selected={selected ? String(selected.nodeId) : null}
              onSelect={setSelected}
              testId="instances-table"
            />
            {inst.data && inst.data.total > items.length && limit < 1000 ? (
              <button type="button" className="more" onClick={() => setLimit((l) => Math.min(1000, l + 200))}>
                Show more
              </button>
            ) : null}
          </>
        )}
      </div>
      <div className="retainer-pane">
        {selected ? (
          <RetainerTree runId={runId} snapshot={snapshot} root={selected} reveal={reveal} />
        ) : (
          <Empty title="Select an instance">Its retainers show here, expandable towards the GC roots.</Empty>
        )}
      </div>
    </div>
  );
}

export function DiffPanel({
  id,
  state,
  initialClass,
}: {
  id: string;
  state: RunState;
  initialClass?: string;
}) {
  const snaps = state.result?.snapshots ?? [];
  const [from, setFrom] = useState(0);
  const [to, setTo] = useState(Math.max(0, snaps.length - 1));
  const [filter, setFilter] = useState(initialClass ?? '');
  const [suspectsOnly, setSuspectsOnly] = useState(false);
  const suspectNames = useMemo(() => new Set(state.result?.suspects.map((s) => s.name)), [state.result]);
  const [sort, setSort] = useState<SortState>({ key: 'retainedSizeDelta', dir: 'desc' });
  const [selected, setSelected] = useState<string | null>(initialClass ?? null);
  useEffect(() => setTo(Math.max(0, snaps.length - 1)), [snaps.length]);
  const canDiff = snaps.length >= 2 && from !== to;
  const diff = useAsync(
    () => (canDiff ? call('analysis.diff', { id, from, to }) : Promise.resolve(null)),
    [id, from, to, canDiff],
  );
  const rows = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const all = diff.data?.rows ?? [];
    const filtered = all.filter(
      (r) =>
        (!needle || r.name.toLowerCase().includes(needle)) && (!suspectsOnly || suspectNames.has(r.name)),
    );
    return sortRows(filtered, sort, (r, k) => r[k as keyof DiffRow]);
  }, [diff.data, filter, sort, suspectsOnly, suspectNames]);

  if (!state.result) {
    return (
      <Empty title="No snapshots to compare yet.">
        The diff opens when the run has finished and written its snapshots.
      </Empty>
    );
  }
  if (snaps.length < 2) {
    return (
      <Empty title="This run has fewer than two heap snapshots.">
        Start a hunt with the “Three” or “Two” snapshot plan to compare heaps.
      </Empty>
    );
  }
  if (!snaps.every((s) => s.file.endsWith('.heapsnapshot'))) {
    return (
      <Empty title="This run's heap captures are not V8 snapshots.">
        Python runs are compared by the agent: the Verdict tab lists the types that grew, per worker process.
      </Empty>
    );
  }
  const label = (i: number) => `${i + 1}. ${snaps[i].label} @ ${fmtInt(snaps[i].atRequests)} req`;

  return (
    <div className="diff">
      <div className="toolbar">
        <label>
          From{' '}
          <select value={from} onChange={(e) => setFrom(Number(e.target.value))}>
            {snaps.map((_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: snapshots are addressed by index
              <option key={i} value={i}>
                {label(i)}
              </option>
            ))}
          </select>
        </label>
        <label>
          to{' '}
          <select value={to} onChange={(e) => setTo(Number(e.target.value))}>
            {snaps.map((_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: snapshots are addressed by index
              <option key={i} value={i}>
                {label(i)}
              </option>
            ))}
          </select>
        </label>
        <input
          type="search"
          aria-label="Filter classes"
          placeholder="Filter classes"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <label className="check" title="Classes the three-snapshot analysis reported as leak suspects">
          <input type="checkbox" checked={suspectsOnly} onChange={(e) => setSuspectsOnly(e.target.checked)} />
          suspects only ({suspectNames.size})
        </label>
        <span className="muted" data-testid="diff-count">
          {diff.data ? `${fmtInt(rows.length)} ${rows.length === 1 ? 'class' : 'classes'}` : ''}
          {diff.data?.requestsBetween != null
            ? ` · ${fmtInt(diff.data.requestsBetween)} requests between`
            : ''}
        </span>
      </div>
      {from === to ? (
        <Empty title="Pick two different snapshots." />
      ) : diff.error ? (
        <ErrorBox
          error={diff.error}
          action={
            <button type="button" onClick={diff.reload}>
              Try again
            </button>
          }
        />
      ) : diff.loading ? (
        <Loading what="Analysing the snapshots in a background worker… large heaps take a few seconds the first time." />
      ) : (
        <div className="diff-table">
          <VirtualTable
            label="Classes"
            rows={rows}
            columns={columns}
            rowKey={(r) => r.name}
            selected={selected}
            onSelect={(r) => setSelected(r.name)}
            sort={sort}
            onSort={(k) => setSort((s) => nextSort(s, k, NUMERIC.has(k)))}
            testId="diff-table"
            rowClass={(r) => (suspectNames.has(r.name) ? 'suspect-row' : undefined)}
          />
        </div>
      )}
      {selected ? (
        <Instances runId={id} snapshot={to} since={from} name={selected} />
      ) : (
        <div className="hint pad">Select a class to see its instances and what retains them.</div>
      )}
    </div>
  );
}
