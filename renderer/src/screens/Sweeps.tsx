// Sweeps: set up a new grid of server configurations, and the history of past sweeps.
import { Empty, ErrorBox, Loading } from '../components/States';
import { fmtDate, fmtDuration } from '../lib/format';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';
import { paramsText } from './SweepModel';
import { SweepNew } from './SweepNew';
import { SweepStyles } from './SweepStyles';

export function Sweeps() {
  const list = useAsync(() => call('sweeps.list', {}), []);
  return (
    <div className="page sweeps">
      <SweepStyles />
      <div className="page-head">
        <h1>Sweeps</h1>
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      <SweepNew />
      <section className="card">
        <h2>History</h2>
        {list.error ? (
          <ErrorBox
            error={list.error}
            action={
              <button type="button" onClick={list.reload}>
                Try again
              </button>
            }
          />
        ) : list.loading && !list.data ? (
          <Loading what="Reading the sweep folders…" />
        ) : (list.data ?? []).length === 0 ? (
          <Empty title="No sweeps yet.">
            Set one up above, or from a terminal with{' '}
            <code>leakhound sweep --spawn "gunicorn -w {'{workers}'} …" --grid workers=2,4 --url …</code>.
          </Empty>
        ) : (
          <div className="sweep-table-wrap">
            <table className="sweep-table sweep-history" data-testid="sweep-history">
              <thead>
                <tr>
                  <th style={{ padding: '5px 10px' }}>Started</th>
                  <th style={{ padding: '5px 10px' }}>Command</th>
                  <th style={{ padding: '5px 10px' }}>Status</th>
                  <th className="num" style={{ padding: '5px 10px' }}>
                    Done
                  </th>
                  <th style={{ padding: '5px 10px' }}>Best</th>
                  <th className="num" style={{ padding: '5px 10px' }}>
                    Wall time
                  </th>
                </tr>
              </thead>
              <tbody>
                {(list.data ?? []).map((s) => (
                  <tr key={s.id}>
                    <td>
                      <a href={`#/sweeps/${encodeURIComponent(s.id)}`}>{fmtDate(s.startedAt)}</a>
                    </td>
                    <td className="mono ellipsis" style={{ maxWidth: 520 }} title={s.spawn}>
                      {s.spawn}
                    </td>
                    <td>
                      <span className={`status status-${s.status}`}>{s.status}</span>
                    </td>
                    <td className="num">
                      {s.done}/{s.total}
                    </td>
                    <td className="mono">{s.best ? `★ ${paramsText(s.best)}` : '–'}</td>
                    <td className="num">{fmtDuration(s.wallMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
