// All configurations' memory curves on one requests axis, read through the runs API (each
// configuration of a sweep is a run). Refetched when a configuration finishes.
import type uPlot from 'uplot';
import type { SweepRowInfo } from '../../../shared/api';
import { Chart } from '../components/Chart';
import { ErrorBox, Loading } from '../components/States';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';
import { DASHES, overlayColumns, PALETTE, paramsText } from './SweepModel';

export function SweepCurves({ rows, bestId }: { rows: readonly SweepRowInfo[]; bestId: string | null }) {
  const withRun = rows.filter((r) => r.runId);
  const key = withRun.map((r) => r.runId).join(',');
  const runs = useAsync(
    () =>
      Promise.all(
        withRun.map((r) =>
          call('runs.get', { id: r.runId as string, maxSamples: 1500 }).then(
            (g) => (g.result?.samples.length ? g.result.samples : g.samples),
            () => [],
          ),
        ),
      ),
    [key],
  );
  if (!withRun.length) return null;
  if (runs.error) return <ErrorBox error={runs.error} />;
  // the old answer stays while a new configuration's curve loads: wait for the matching one
  if (!runs.data || runs.data.length !== withRun.length)
    return <Loading what="Loading each configuration's curve…" />;
  const data = overlayColumns(runs.data);
  return (
    <Chart
      title="Process-tree memory of each configuration (PSS, or RSS where PSS is unknown)"
      xLabel="requests served"
      data={data as unknown as uPlot.AlignedData}
      series={withRun.map((r) => {
        const i = rows.indexOf(r);
        return {
          label: `${r.id === bestId ? '★ ' : ''}${paramsText(r.params)}`,
          color: PALETTE[i % PALETTE.length],
          dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length],
          width: r.id === bestId ? 3 : 1.6,
          spanGaps: true,
        };
      })}
      height={260}
      testId="sweep-curves"
    />
  );
}
