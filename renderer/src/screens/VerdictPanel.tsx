// Verdict: the answer first (leak / no leak / inconclusive, bytes per request ± 95% CI),
// then why in plain words, then the suspects with the path that keeps them alive.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { HUNT_TIME_LABEL, HUNT_TIME_MEANS, huntTimeMs, huntTimeText } from '../../../shared/hunt-time';
import { suspectSearchText } from '../../../shared/suspect-text';
import { Chart } from '../components/Chart';
import { Empty, Loading } from '../components/States';
import { fmtBytes, fmtDeltaBytes, fmtInt, fmtMs, verdictLabel } from '../lib/format';
import { call } from '../lib/transport';
import type { RunState } from '../lib/useRun';
import { SuspectCard } from './SuspectCard';

export function VerdictPanel({ id, state }: { id: string; state: RunState }) {
  const [exported, setExported] = useState<string | null>(null);
  const [exporting, setExporting] = useState<string | null>(null);
  const [filter, setFilter] = useState('');
  const r = state.result;
  const checkpoints = r?.checkpoints.length ? r.checkpoints : state.checkpoints;
  // The series the verdict is fitted on (memory after a forced GC at each checkpoint), with
  // the fitted slope drawn through it: one glance says whether the line really climbs.
  const fit = useMemo(() => {
    const usePss = r?.verdict.basis === 'pss' || r?.verdict.basis === 'rss';
    const pick = (c: (typeof checkpoints)[number]) => (usePss ? (c.pssBytes ?? c.rssBytes) : c.heapBytes);
    const pts = checkpoints.filter((c) => pick(c) != null);
    const xs = pts.map((c) => c.requests);
    const ys = pts.map((c) => pick(c) as number);
    const slope = r?.verdict.bytesPerRequest ?? 0;
    const mx = xs.reduce((p, q) => p + q, 0) / (xs.length || 1);
    const my = ys.reduce((p, q) => p + q, 0) / (ys.length || 1);
    return {
      label: usePss ? 'PSS after GC' : 'JS heap after GC',
      data: [xs, ys, xs.map((x) => my + slope * (x - mx))] as unknown as uPlot.AlignedData,
      n: xs.length,
      // at least 1 MiB or a fifth of the level: small wobbles stay small on screen
      minSpan: Math.max(1024 * 1024, Math.abs(my) * 0.2),
    };
  }, [checkpoints, r]);
  if (!r) {
    if (state.status === 'running')
      return (
        <Loading
          what={`The verdict comes when the run ends (${state.phase?.phase ?? 'starting'}${
            state.phase ? `, ${Math.round(state.phase.progress * 100)}%` : ''
          }). Watch the curves meanwhile, or press Stop to end the load early.`}
        />
      );
    return (
      <Empty title="This run has no result.">
        It ended as “{state.status}” before writing result.json. The curves tab shows what was sampled.
      </Empty>
    );
  }
  const v = r.verdict;
  const half = (v.ci95[1] - v.ci95[0]) / 2;
  const exportAs = async (format: 'html' | 'pdf') => {
    setExporting(format);
    setExported(null);
    try {
      const out = await call('reports.export', { id, format });
      setExported(`Report written to ${out.path}`);
    } catch (e) {
      setExported(`Export failed: ${(e as Error).message}`);
    } finally {
      setExporting(null);
    }
  };

  return (
    <div className="verdict-page">
      <section className={`verdict v-${v.kind}`} data-testid="verdict">
        <div className="verdict-kind" data-testid="verdict-kind">
          {verdictLabel[v.kind]}
        </div>
        <div className="verdict-figure">
          <span className="big">{fmtDeltaBytes(v.bytesPerRequest)}</span>
          <span className="muted"> per request ± {fmtBytes(half)}</span>
          <div className="muted small">
            95% interval [{fmtBytes(v.ci95[0])}, {fmtBytes(v.ci95[1])}] · from{' '}
            {v.basis === 'heap' ? 'post-GC JS heap' : v.basis.toUpperCase()}
            {v.pssBytesPerRequest != null ? ` · PSS ${fmtDeltaBytes(v.pssBytesPerRequest)}/request` : ''}
          </div>
        </div>
        <p className="reason">{v.reason}</p>
        <div className="flags">
          {v.plateau ? <span className="tag">growth stopped (plateau)</span> : null}
          {v.offHeapGrowth ? (
            <span className="tag warn">process memory grows while the heap is flat</span>
          ) : null}
          {r.target.restarts ? <span className="tag">{r.target.restarts} worker restarts</span> : null}
        </div>
      </section>

      <div className="verdict-grid">
        <div>
          {fit.n >= 2 ? (
            <Chart
              title={`${fit.label} at each checkpoint, and the fitted growth`}
              xLabel="requests served"
              data={fit.data}
              series={[
                { label: fit.label, color: '#10b981', width: 2 },
                {
                  label: `fit ${fmtDeltaBytes(v.bytesPerRequest)}/request`,
                  color: '#d1242f',
                  width: 1.25,
                  dash: [5, 4],
                },
              ]}
              height={180}
              yMinSpan={fit.minSpan}
              testId="verdict-fit"
            />
          ) : null}
          <section className="card">
            <h2>Top suspects</h2>
            {r.suspects.length === 0 ? (
              <p className="muted">
                No object class grew with the requests
                {r.snapshots.length === 0 ? ' (no heap snapshots were taken in this run)' : ''}.
              </p>
            ) : (
              <>
                {r.suspects.length > 1 ? (
                  <input
                    type="search"
                    className="suspect-filter"
                    aria-label="Filter suspects"
                    placeholder="Filter by class, holder or captured name"
                    value={filter}
                    onChange={(e) => setFilter(e.target.value)}
                  />
                ) : null}
                {shownSuspects(r.suspects, filter).map(({ s, rank }) => (
                  <SuspectCard key={`${rank}:${s.name}`} s={s} rank={rank} id={id} />
                ))}
              </>
            )}
          </section>
        </div>
        <aside className="card side">
          <h2>Run</h2>
          <dl className="kv">
            <dt>Target</dt>
            <dd className="mono ellipsis" title={r.target.command}>
              {r.target.runtime} · pid {r.target.pid ?? '–'}
            </dd>
            <dt>Requests</dt>
            <dd>{fmtInt(r.load?.requests)}</dd>
            <dt>Req/s</dt>
            <dd>{fmtInt(r.load?.rps)}</dd>
            <dt>Latency p50 / p95 / p99</dt>
            <dd>
              {fmtMs(r.load?.latencyMs.p50)} / {fmtMs(r.load?.latencyMs.p95)} / {fmtMs(r.load?.latencyMs.p99)}
            </dd>
            <dt>Errors</dt>
            <dd>{fmtInt(r.load?.errors)}</dd>
            <dt title={HUNT_TIME_MEANS}>{HUNT_TIME_LABEL}</dt>
            <dd>
              <span data-testid="hunt-time">{huntTimeText(huntTimeMs(r))}</span>{' '}
              <span className="muted">({HUNT_TIME_MEANS})</span>
            </dd>
            <dt>Snapshots</dt>
            <dd>
              {r.snapshots.length
                ? r.snapshots.map((s) => `${s.label} ${fmtBytes(s.bytes, 0)}`).join(', ')
                : 'none'}
            </dd>
          </dl>
          {r.warnings.length ? (
            <>
              <h3>Warnings</h3>
              <ul className="warnings">
                {r.warnings.map((w) => (
                  <li key={w}>{w}</li>
                ))}
              </ul>
            </>
          ) : null}
          <h3>Report</h3>
          <div className="inline">
            <button type="button" onClick={() => exportAs('html')} disabled={exporting !== null}>
              {exporting === 'html' ? 'Writing…' : 'Export HTML'}
            </button>
            <button type="button" onClick={() => exportAs('pdf')} disabled={exporting !== null}>
              {exporting === 'pdf' ? 'Writing…' : 'Export PDF'}
            </button>
          </div>
          {exported ? (
            <p className="small mono" role="status">
              {exported}
            </p>
          ) : null}
        </aside>
      </div>
    </div>
  );
}

/** The top five, or with a filter every suspect whose owner or inner classes match it (ranks kept). */
function shownSuspects<T extends Parameters<typeof suspectSearchText>[0]>(
  all: T[],
  filter: string,
): Array<{ s: T; rank: number }> {
  const ranked = all.map((s, i) => ({ s, rank: i + 1 }));
  const q = filter.trim().toLowerCase();
  if (!q) return ranked.slice(0, 5);
  return ranked.filter(({ s }) => suspectSearchText(s).includes(q));
}
