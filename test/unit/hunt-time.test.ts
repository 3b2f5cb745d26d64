// One duration for a run everywhere (issue 20: the run panel said "Duration 1s" and the
// report "run time 5 s" for the same run): hunt time, first request to last measurement.
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../electron/cli/summary';
import { buildReportHtml } from '../../electron/engine/report/html';
import { sampleResult } from '../../electron/engine/report/sample-result';
import { HUNT_TIME_MEANS, huntTimeLine, huntTimeMs, huntTimeText } from '../../shared/hunt-time';
import type { Result } from '../../shared/result';

/** A run shaped like the demo's: 1 s of start-up, 2.3 s of load between 13 checkpoints, 1.4 s of analysis. */
function demoLike(): Result {
  const r = sampleResult({ requests: 6000 });
  r.startedAt = '2026-12-06T10:00:00.000Z';
  r.endedAt = '2026-12-06T10:00:05.100Z'; // the folder's wall time: 5.1 s
  r.load!.durationMs = 1_150; // the load generator's busy time only
  r.checkpoints = r.checkpoints.map((c, i) => ({ ...c, t: 1_000 + 600 + i * 625 }));
  r.samples = r.samples.map((s, i) => ({ ...s, t: i * 10, requests: i < 100 ? 0 : s.requests }));
  r.span = { firstRequestT: 1_000, lastMeasurementT: 1_000 + 600 + 4 * 625 };
  return r;
}

describe('hunt time', () => {
  it('counts from the first request to the last post-GC measurement', () => {
    const r = demoLike();
    expect(huntTimeMs(r)).toBe(3_100);
    expect(huntTimeText(huntTimeMs(r))).toBe('3.1 s');
  });

  it('falls back for runs written before span: first sample that saw a request, last checkpoint', () => {
    const r = demoLike();
    delete r.span;
    expect(huntTimeMs(r)).toBe(4_100 - 1_000);
    r.checkpoints = [];
    r.samples = [];
    expect(huntTimeMs(r)).toBe(1_150); // nothing timed at all: the load's own figure
    r.load = null;
    expect(huntTimeMs(r)).toBeNull();
    expect(huntTimeText(null)).toBe('–');
  });

  it('with no load sent (--load none) starts at the first measurement', () => {
    const r = demoLike();
    r.span = { firstRequestT: null, lastMeasurementT: 61_000 };
    r.checkpoints = r.checkpoints.map((c, i) => ({ ...c, t: 1_000 + i * 15_000 }));
    r.samples = r.samples.map((s) => ({ ...s, requests: 0 }));
    expect(huntTimeMs(r)).toBe(60_000);
    expect(huntTimeText(60_000)).toBe('1 min');
  });

  it('reads the same way at every length', () => {
    expect(huntTimeText(0)).toBe('0.0 s');
    expect(huntTimeText(9_949)).toBe('9.9 s');
    expect(huntTimeText(42_400)).toBe('42 s');
    expect(huntTimeText(200_000)).toBe('3 min 20 s');
    expect(huntTimeText(3_900_000)).toBe('1 h 5 min');
  });

  it('the report and the CLI summary print the same figure with the same words', () => {
    const r = demoLike();
    const html = buildReportHtml(r);
    const cli = formatSummary(r, 'run-dir');
    expect(huntTimeLine(r)).toBe(`hunt time 3.1 s (${HUNT_TIME_MEANS})`);
    expect(cli).toContain(`\n${huntTimeLine(r)}\n`);
    expect(html).toContain(`hunt time 3.1 s (${HUNT_TIME_MEANS})`);
    expect(html).toContain('<div class="k">Hunt time</div><div class="v">3.1 s</div>');
    expect(html).toMatch(/<th class="n">Hunt time<\/th>[\s\S]*?<td class="n">3\.1 s<\/td>/);
    // neither the wall time (5.1 s) nor the load's busy time (1.2 s) is shown as a duration
    expect(html).not.toMatch(/\b5\.1 s\b|\b5 s\b|\b1\.2 s\b/);
    expect(cli).not.toMatch(/\b5\.1 s\b|\b1\.2 s\b/);
  });
});
