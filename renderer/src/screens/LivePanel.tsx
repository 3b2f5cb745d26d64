// Growth curves: PSS of the tree (and of each worker), RSS and JS heap, against requests
// served or time, with snapshot and restart markers and post-GC checkpoints as dots.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { Chart, type ChartSeries } from '../components/Chart';
import { Empty } from '../components/States';
import { fmtBytes, fmtInt, fmtMs } from '../lib/format';
import {
  checkpointPoints,
  type Marker,
  memoryColumns,
  processMarkers,
  type XAxis,
  xForRequests,
} from '../lib/series';
import type { RunState } from '../lib/useRun';

const PALETTE = ['#8b5cf6', '#0ea5e9', '#f59e0b', '#10b981', '#ec4899', '#64748b', '#84cc16', '#f97316'];

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function LivePanel({ state }: { state: RunState }) {
  const [axis, setAxis] = useState<XAxis>('requests');
  const { samples, checkpoints, result } = state;

  // biome-ignore lint/correctness/useExhaustiveDependencies: samples mutate in place; version says when
  const view = useMemo(() => {
    const cols = memoryColumns(samples, axis);
    const markers: Marker[] = processMarkers(samples, axis);
    const snaps = result?.snapshots.length
      ? result.snapshots.map((s, i) => ({ requests: s.atRequests, label: `${i + 1} ${s.label}` }))
      : state.snapshotMarks;
    for (const s of snaps)
      markers.push({ x: xForRequests(samples, s.requests, axis), label: s.label, kind: 'snapshot' });
    const total: ChartSeries = cols.hasPss
      ? { label: 'PSS total', color: 'var(--accent)', width: 2.25 }
      : { label: 'RSS total', color: 'var(--accent)', width: 2.25 };
    const perProc: ChartSeries[] = cols.perProcess.map((p, i) => ({
      label: `pid ${p.pid}`,
      color: PALETTE[i % PALETTE.length],
      width: 1,
    }));
    const pssData: (Float64Array | (number | null)[])[] = [
      cols.x,
      cols.hasPss ? cols.pssTotal : cols.rssTotal,
      ...cols.perProcess.map((p) => p.values),
    ];
    const memSeries = [total, ...perProc];
    if (cols.hasPss) {
      // RSS beside PSS: the gap is memory shared between processes (or with the OS)
      memSeries.push({ label: 'RSS total', color: '#0ea5e9', width: 1, dash: [4, 3] });
      pssData.push(cols.rssTotal);
    }
    return {
      markers,
      pss: { series: memSeries, data: pssData as unknown as uPlot.AlignedData },
      heap: cols.hasHeap ? ([cols.x, cols.heapUsed] as unknown as uPlot.AlignedData) : null,
      points: checkpointPoints(checkpoints, axis),
    };
  }, [state.version, axis, samples, result]);

  // uPlot reads colours as canvas styles: resolve CSS variables once per render.
  const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#6d5dfc';
  const pssSeries = view.pss.series.map((s) => (s.color === 'var(--accent)' ? { ...s, color: accent } : s));

  const last = samples.at(-1);
  const load = result?.load ?? state.load;
  const xLabel = axis === 'requests' ? 'requests served' : 'seconds';

  return (
    <div className="live">
      <section className="stats" aria-label="Live figures">
        <Stat label="Requests" value={fmtInt(load?.requests ?? last?.requests)} testId="stat-requests" />
        <Stat label="Req/s" value={fmtInt(load?.rps)} />
        <Stat label="p50" value={fmtMs(load?.latencyMs.p50)} />
        <Stat label="p95" value={fmtMs(load?.latencyMs.p95)} />
        <Stat label="p99" value={fmtMs(load?.latencyMs.p99)} />
        <Stat label="Errors" value={fmtInt(load?.errors)} />
        <Stat label="PSS" value={fmtBytes(last?.pssBytes ?? null)} />
        <Stat label="RSS" value={fmtBytes(last?.rssBytes ?? null)} />
        <Stat label="JS heap" value={fmtBytes(last?.heapUsedBytes ?? null)} />
        <Stat label="Samples" value={fmtInt(samples.length)} testId="stat-samples" />
      </section>
      <div className="toolbar">
        <span className="muted">x axis</span>
        <div className="segmented">
          {(['requests', 'time'] as const).map((a) => (
            <button
              key={a}
              type="button"
              aria-pressed={axis === a}
              className={axis === a ? 'on' : ''}
              onClick={() => setAxis(a)}
            >
              {a === 'requests' ? 'Requests served' : 'Time'}
            </button>
          ))}
        </div>
        <span className="legend-note">
          <span className="swatch snap" /> snapshot <span className="swatch restart" /> worker started{' '}
          <span className="swatch dot" /> heap after forced GC
        </span>
      </div>
      {samples.length === 0 ? (
        state.status === 'running' ? (
          <Empty title="Waiting for the first memory sample…">
            The target is starting. If this lasts more than a few seconds, check the command and URL; the log
            below says what the engine is doing.
          </Empty>
        ) : (
          <Empty title={`This run recorded no memory samples (it ended as “${state.status ?? 'unknown'}”).`}>
            The log below, and the run folder's events.jsonl, say why. Check the command, working directory
            and URL, then start it again from New hunt.
          </Empty>
        )
      ) : (
        <>
          <Chart
            title={`Process memory: ${view.pss.series[0].label}${view.pss.series.length > 2 ? ', per process' : ''} and RSS`}
            xLabel={xLabel}
            data={view.pss.data}
            series={pssSeries}
            markers={view.markers}
            testId="chart-pss"
            yMinSpan={8 * 1024 * 1024}
            height={260}
          />
          {view.heap ? (
            <Chart
              title="JS heap used (dots: after a forced GC, what the verdict is fitted on)"
              xLabel={xLabel}
              data={view.heap}
              series={[{ label: 'JS heap used', color: '#10b981', width: 1.5 }]}
              markers={view.markers}
              points={view.points}
              testId="chart-heap"
              yMinSpan={2 * 1024 * 1024}
              height={220}
            />
          ) : (
            <div className="hint pad">
              No JS heap figures for this target (not a Node process, or the inspector was not reachable).
            </div>
          )}
        </>
      )}
      {state.logs.length > 0 ? (
        <details className="log" open={state.status !== 'finished'}>
          <summary>Log ({state.logs.length})</summary>
          <ol>
            {state.logs.slice(-50).map((l, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: log lines have no identity
              <li key={i} className={`log-${l.level}`}>
                {l.message}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </div>
  );
}
