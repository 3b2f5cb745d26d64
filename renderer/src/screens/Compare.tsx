// Two runs' curves on one axis (requests served), and their headline figures side by side.
import type uPlot from 'uplot';
import { Chart } from '../components/Chart';
import { ErrorBox, Loading } from '../components/States';
import { fmtDate, fmtDeltaBytes, fmtInt, fmtMs, verdictLabel } from '../lib/format';
import { alignRuns } from '../lib/series';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';

export function Compare({ a, b }: { a: string; b: string }) {
  const runs = useAsync(
    () =>
      Promise.all([
        call('runs.get', { id: a, maxSamples: 10_000 }),
        call('runs.get', { id: b, maxSamples: 10_000 }),
      ]),
    [a, b],
  );
  if (runs.error) return <ErrorBox error={runs.error} action={<a href="#/runs">Back to runs</a>} />;
  if (runs.loading || !runs.data) return <Loading what="Loading both runs…" />;
  const [ra, rb] = runs.data;
  const sa = ra.result?.samples.length ? ra.result.samples : ra.samples;
  const sb = rb.result?.samples.length ? rb.result.samples : rb.samples;
  const pss = alignRuns(sa, sb, (s) => s.pssBytes ?? s.rssBytes);
  const heap = alignRuns(sa, sb, (s) => s.heapUsedBytes ?? null);
  const nameA = `A · ${ra.summary.command || a}`;
  const nameB = `B · ${rb.summary.command || b}`;
  const row = (label: string, f: (r: typeof ra) => string) => (
    <tr>
      <th scope="row">{label}</th>
      <td>{f(ra)}</td>
      <td>{f(rb)}</td>
    </tr>
  );
  return (
    <div className="page compare">
      <div className="page-head">
        <h1>Compare runs</h1>
        <a href="#/runs">← Runs</a>
      </div>
      <table className="compare-table">
        <thead>
          <tr>
            <th />
            <th scope="col">
              <a href={`#/runs/${encodeURIComponent(a)}/verdict`}>A</a>
            </th>
            <th scope="col">
              <a href={`#/runs/${encodeURIComponent(b)}/verdict`}>B</a>
            </th>
          </tr>
        </thead>
        <tbody>
          {row('Command', (r) => r.summary.command)}
          {row('Started', (r) => fmtDate(r.summary.startedAt))}
          {row('Verdict', (r) => (r.result ? verdictLabel[r.result.verdict.kind] : r.summary.status))}
          {row('Bytes / request', (r) => fmtDeltaBytes(r.result?.verdict.bytesPerRequest))}
          {row('Requests', (r) => fmtInt(r.result?.load?.requests))}
          {row('Req/s', (r) => fmtInt(r.result?.load?.rps))}
          {row('p99', (r) => fmtMs(r.result?.load?.latencyMs.p99))}
          {row('Top suspect', (r) => r.result?.suspects[0]?.name ?? '–')}
        </tbody>
      </table>
      <Chart
        title="Process memory (PSS, or RSS where PSS is unknown)"
        xLabel="requests served"
        data={pss as unknown as uPlot.AlignedData}
        series={[
          { label: nameA, color: '#6d5dfc', width: 2, spanGaps: true },
          { label: nameB, color: '#f59e0b', width: 2, spanGaps: true },
        ]}
        testId="compare-pss"
      />
      <Chart
        title="JS heap used"
        xLabel="requests served"
        data={heap as unknown as uPlot.AlignedData}
        series={[
          { label: nameA, color: '#6d5dfc', width: 2, spanGaps: true },
          { label: nameB, color: '#f59e0b', width: 2, spanGaps: true },
        ]}
        testId="compare-heap"
      />
    </div>
  );
}
