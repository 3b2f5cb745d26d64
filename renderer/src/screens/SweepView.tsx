// One sweep: live progress while it runs, then the comparison table (sortable, best ★),
// the overlaid memory curves, and links to each configuration's run.
import { useEffect, useState } from 'react';
import type { ApiEvent } from '../../../shared/api';
import { Empty, ErrorBox, Loading } from '../components/States';
import { fmtDate, fmtDuration, fmtInt } from '../lib/format';
import { call, onEvent } from '../lib/transport';
import { useAsync } from '../lib/useAsync';
import { SweepCurves } from './SweepCurves';
import { type Goal, goalSentence, paramsText } from './SweepModel';
import { SweepStyles } from './SweepStyles';
import { SweepTable } from './SweepTable';

interface Live {
  phase: string;
  progress: number;
  requests: number | null;
}

export function SweepView({ id }: { id: string }) {
  const sweep = useAsync(() => call('sweeps.get', { id }), [id]);
  const [live, setLive] = useState<Live | null>(null);
  const [stopError, setStopError] = useState<string | null>(null);
  const [exporting, setExporting] = useState<'pdf' | 'html' | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const s = sweep.data;
  const running = s?.status === 'running';
  const currentRunId = s?.currentRunId ?? null;
  const { reload } = sweep;

  useEffect(
    () =>
      onEvent((e: ApiEvent) => {
        if (e.type === 'sweep' && e.id === id) {
          setLive(null);
          reload();
        } else if (currentRunId && e.id === currentRunId) {
          if (e.type === 'phase')
            setLive((l) => ({ phase: e.phase, progress: e.progress, requests: l?.requests ?? null }));
          else if (e.type === 'load')
            setLive((l) => ({ phase: l?.phase ?? 'load', progress: l?.progress ?? 0, requests: e.requests }));
        }
      }),
    [id, currentRunId, reload],
  );

  // Events can be missed while the socket reconnects: a slow poll keeps a running sweep honest.
  useEffect(() => {
    if (!running) return;
    const t = setInterval(reload, 3000);
    return () => clearInterval(t);
  }, [running, reload]);

  if (sweep.error && !s)
    return (
      <div className="page">
        <ErrorBox error={sweep.error} action={<a href="#/sweeps">Back to sweeps</a>} />
      </div>
    );
  if (!s) return <Loading what="Reading the sweep…" />;

  const names = s.grid.map((g) => g.name);
  const currentParams =
    s.current !== null ? paramsText(Object.fromEntries(combosAt(s.grid, s.current))) : null;
  const stop = async () => {
    setStopError(null);
    try {
      await call('sweeps.stop', { id });
      reload();
    } catch (e) {
      setStopError((e as Error).message);
    }
  };

  const resumable = !running && (s.done < s.total || s.rows.some((r) => r.status !== 'finished'));
  const resume = async () => {
    setStopError(null);
    try {
      await call('sweeps.resume', { id });
      reload();
    } catch (e) {
      setStopError((e as Error).message);
    }
  };

  const exportReport = async (format: 'pdf' | 'html') => {
    setExporting(format);
    setExported(null);
    try {
      const out = await call('sweeps.export', { id, format });
      setExported(`Report written to ${out.path}`);
    } catch (e) {
      setExported(`Export failed: ${(e as Error).message}`);
    } finally {
      setExporting(null);
    }
  };

  return (
    <div className="page sweep-view">
      <SweepStyles />
      <div className="page-head">
        <h1>
          Sweep <span className="mono">{id}</span>{' '}
          <span className={`status status-${s.status}`} data-testid="sweep-status">
            {s.status}
          </span>
        </h1>
        <div className="inline">
          {running ? (
            <button type="button" className="danger" onClick={stop}>
              Stop sweep
            </button>
          ) : null}
          {resumable ? (
            <button type="button" className="primary" onClick={resume}>
              Resume sweep
            </button>
          ) : null}
          {s.rows.length ? (
            <>
              <button type="button" disabled={exporting !== null} onClick={() => exportReport('pdf')}>
                {exporting === 'pdf' ? 'Exporting…' : 'Export PDF'}
              </button>
              <button type="button" disabled={exporting !== null} onClick={() => exportReport('html')}>
                {exporting === 'html' ? 'Exporting…' : 'Export HTML'}
              </button>
            </>
          ) : null}
          <a href="#/sweeps">← Sweeps</a>
        </div>
      </div>
      <p className="mono small muted" style={{ margin: '-8px 0 10px' }}>
        {s.spawn} · {s.grid.map((g) => `${g.name} = ${g.values.join(',')}`).join(' × ')} · started{' '}
        {fmtDate(s.startedAt)}
        {s.wallMs != null ? ` · wall time ${fmtDuration(s.wallMs)}` : ''}
      </p>
      {exported ? (
        <p className="hint mono" role="status" data-testid="sweep-exported">
          {exported}
        </p>
      ) : null}
      {stopError ? (
        <div className="state state-error" role="alert">
          {stopError}
        </div>
      ) : null}
      {s.error ? <ErrorBox error={s.error} /> : null}

      <section className="card">
        <div
          className="sweep-progress"
          data-testid="sweep-progress"
          data-percent={barPercent(s.done, s.total, running ? (live?.progress ?? 0) : 0)}
        >
          <strong>
            {s.done} of {s.total} configurations
          </strong>
          <div className="progress" aria-hidden="true">
            <div
              style={{
                width: `${barPercent(s.done, s.total, running ? (live?.progress ?? 0) : 0)}%`,
              }}
            />
          </div>
          <span className="muted">
            {running && currentParams ? (
              <>
                running <span className="mono">{currentParams}</span>
                {currentRunId ? (
                  <>
                    {' '}
                    (<a href={`#/runs/${encodeURIComponent(currentRunId)}/live`}>watch</a>
                    {live
                      ? `: ${live.phase}${live.requests != null ? `, ${fmtInt(live.requests)} requests` : ''}`
                      : ''}
                    )
                  </>
                ) : null}
              </>
            ) : running ? (
              'starting the next configuration…'
            ) : (
              s.status
            )}
          </span>
        </div>
      </section>

      <p className="sweep-goal" data-testid="sweep-goal">
        {s.bestRow ? (
          <>
            <span className="sweep-star">★</span>
            <strong>best: {paramsText(s.bestRow.params)}</strong> ({goalSentence(s.goal as Goal)})
          </>
        ) : s.rows.length ? (
          <>No configuration meets the goal yet: {goalSentence(s.goal as Goal)}.</>
        ) : null}
      </p>
      {s.rows.length === 0 ? (
        running ? (
          <Loading what="Running the first configuration; its row appears here when it finishes…" />
        ) : (
          <Empty title="No configuration has finished.">
            This sweep stopped before any configuration finished. Start it again from{' '}
            <a href="#/sweeps">Sweeps</a>.
          </Empty>
        )
      ) : (
        <>
          <SweepTable rows={s.rows} names={names} bestId={s.bestRow?.id ?? null} />
          <p className="hint" style={{ margin: '-6px 0 12px' }}>
            Click a column to sort; click a value to open that configuration's run.
          </p>
          <SweepCurves rows={s.rows} bestId={s.bestRow?.id ?? null} />
        </>
      )}
    </div>
  );
}

/** Finished configurations plus the running one's phase progress, as a bar width. */
function barPercent(done: number, total: number, running: number): number {
  return Math.min(100, Math.round(((done + Math.min(1, running)) / Math.max(1, total)) * 100));
}

/** The grid combination at `index`, in the engine's order (first row varies slowest). */
function combosAt(grid: { name: string; values: string[] }[], index: number): [string, string][] {
  const out: [string, string][] = [];
  let rest = index;
  for (let i = grid.length - 1; i >= 0; i--) {
    const g = grid[i];
    out.unshift([g.name, g.values[rest % g.values.length]]);
    rest = Math.floor(rest / g.values.length);
  }
  return out;
}
