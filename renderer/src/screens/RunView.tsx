// One run: header (status, phase, progress, Stop / Snapshot now) and three tabs.
import { useState } from 'react';
import { ErrorBox, Loading } from '../components/States';
import { fmtDate, verdictLabel } from '../lib/format';
import { href } from '../lib/router';
import { call } from '../lib/transport';
import { useRun } from '../lib/useRun';
import { DiffPanel } from './DiffPanel';
import { LivePanel } from './LivePanel';
import { VerdictPanel } from './VerdictPanel';

const TABS = [
  { tab: 'live', label: 'Curves' },
  { tab: 'verdict', label: 'Verdict' },
  { tab: 'diff', label: 'Diff' },
] as const;

export function RunView({ id, tab, cls }: { id: string; tab: 'live' | 'verdict' | 'diff'; cls?: string }) {
  const { state, error, loading } = useRun(id);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  if (error) {
    return (
      <div className="page">
        <ErrorBox error={error} action={<a href="#/runs">Back to runs</a>} />
      </div>
    );
  }
  if (loading && !state.summary) return <Loading what={`Opening run ${id}…`} />;

  const running = state.status === 'running';
  const act = async (what: 'runs.stop' | 'runs.snapshotNow') => {
    setBusy(what);
    setActionError(null);
    try {
      await call(what, { id });
    } catch (e) {
      setActionError((e as Error).message);
    } finally {
      setBusy(null);
    }
  };
  const verdict = state.result?.verdict;
  const phase = state.phase;

  return (
    <div className="page run">
      <div className="run-head">
        <div className="run-title">
          <h1 className="mono">{state.summary?.command || id}</h1>
          <div className="muted">
            {id} · started {state.summary ? fmtDate(state.summary.startedAt) : '–'} ·{' '}
            <span className={`status status-${state.status}`} data-testid="run-status">
              {state.status}
            </span>
            {verdict ? (
              <>
                {' '}
                ·{' '}
                <span className={`verdict-chip v-${verdict.kind}`} data-testid="verdict-chip">
                  {verdictLabel[verdict.kind]}
                </span>
              </>
            ) : null}
          </div>
        </div>
        {running ? (
          <div className="run-actions">
            <div className="phase" data-testid="phase">
              <span className="phase-name">{phase?.phase ?? 'starting'}</span>
              <div
                className="progress"
                role="progressbar"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={Math.round((phase?.progress ?? 0) * 100)}
              >
                <div style={{ width: `${(phase?.progress ?? 0) * 100}%` }} />
              </div>
              <span className="muted ellipsis">{phase?.message}</span>
            </div>
            <button type="button" onClick={() => act('runs.snapshotNow')} disabled={busy !== null}>
              {busy === 'runs.snapshotNow' ? 'Taking snapshot…' : 'Snapshot now'}
            </button>
            <button
              type="button"
              className="danger"
              onClick={() => act('runs.stop')}
              disabled={busy !== null}
            >
              Stop
            </button>
          </div>
        ) : null}
      </div>
      {actionError ? (
        <div className="state state-error" role="alert">
          {actionError}
        </div>
      ) : null}
      <div className="tabs" role="tablist" aria-label="Run views">
        {TABS.map((t) => (
          <a
            key={t.tab}
            role="tab"
            aria-selected={tab === t.tab}
            className={`tab${tab === t.tab ? ' active' : ''}`}
            href={href({ name: 'run', id, tab: t.tab })}
          >
            {t.label}
          </a>
        ))}
      </div>
      <div className="tab-body">
        {tab === 'live' ? <LivePanel state={state} /> : null}
        {tab === 'verdict' ? <VerdictPanel id={id} state={state} /> : null}
        {tab === 'diff' ? <DiffPanel key={cls ?? ''} id={id} state={state} initialClass={cls} /> : null}
      </div>
    </div>
  );
}
