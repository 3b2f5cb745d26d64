// The UI's sweep table (issue 16): when a configuration's workers were recycled, the growth
// within a worker's life and the recycling period stand beside PSS, as in the HTML/PDF report.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { SweepTable } from '../../renderer/src/screens/SweepTable';
import type { SweepRowInfo } from '../../shared/api';

const row = (id: string, max: string, extra: Partial<SweepRowInfo>): SweepRowInfo => ({
  id,
  params: { max_requests: max },
  status: 'finished',
  rps: 900,
  p50: 1.2,
  p90: 2.5,
  p99: 6,
  errorRate: 0,
  pssTotalBytes: 90e6,
  pssPerProcessBytes: 30e6,
  processes: 3,
  bytesPerRequest: -120.5,
  verdict: 'leak',
  restarts: 0,
  runDir: `/tmp/${id}`,
  ...extra,
});

const html = (rows: SweepRowInfo[]) =>
  renderToStaticMarkup(createElement(SweepTable, { rows, names: ['max_requests'], bestId: null }));

const cells = (markup: string, rowNo: number): string[] => {
  const tr = markup.split('<tr')[rowNo + 1] ?? '';
  return [...tr.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
};

describe('sweep table: growth within worker lives', () => {
  it('shows in-life growth and the recycling period when some configuration recycled', () => {
    const m = html([
      row('a', '300', { lifetimeBytesPerRequest: 365.9, recycledEvery: 307, restarts: 16 }),
      row('b', '0', { bytesPerRequest: 362, lifetimeBytesPerRequest: null, recycledEvery: null }),
    ]);
    expect(m).toContain('in-life growth / req');
    expect(m).toContain('recycled every');
    // growth / req of the whole tree (negative: recycling resets it), then the growth within
    // lives and the period, then restarts
    expect(cells(m, 1).slice(-5)).toEqual(['-121 B', '+366 B', '307 req', '16', 'leak']);
    expect(cells(m, 2).slice(-5)).toEqual(['+362 B', '–', '–', '0', 'leak']);
  });

  it('leaves the columns out when no worker was recycled', () => {
    const m = html([row('a', '0', {}), row('b', '0', {})]);
    expect(m).not.toContain('in-life growth');
    expect(m).not.toContain('recycled every');
  });
});
