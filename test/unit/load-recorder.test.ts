import { describe, expect, it } from 'vitest';
import { LoadRecorder } from '../../electron/engine/load/recorder';
import { loadStatsSchema } from '../../shared/result';

describe('LoadRecorder', () => {
  it('keeps totals, errors by kind and status codes, and matches the LoadStats schema', () => {
    const r = new LoadRecorder();
    r.beginPhase(1000);
    for (let i = 0; i < 90; i++) r.recordResponse(200, 500 + i, 1000 + i * 10);
    for (let i = 0; i < 10; i++) r.recordResponse(503, 2000, 1900 + i);
    r.recordError('timeout', 'no response within 10 ms');
    r.recordError('connect', 'ECONNREFUSED');
    r.endPhase(3000);
    const s = r.stats(5000);
    expect(loadStatsSchema.parse(s)).toEqual(s);
    expect(s.requests).toBe(100);
    expect(r.requests).toBe(100);
    expect(s.errors).toBe(12);
    expect(r.outcomes).toBe(102);
    expect(s.errorsByKind).toEqual({ connect: 1, timeout: 1, status: 10, other: 0 });
    expect(s.statusCodes).toEqual({ '200': 90, '503': 10 });
    expect(s.durationMs).toBe(2000); // only time inside phases counts
    expect(s.rps).toBe(50);
    expect(s.latencyMs.p50).toBeCloseTo(0.549, 3);
    expect(s.latencyMs.max).toBe(2);
    expect(r.lastError.timeout).toBe('no response within 10 ms');
  });

  it('adds the durations of several phases, and of the running one so far', () => {
    const r = new LoadRecorder();
    r.beginPhase(0);
    r.endPhase(1000);
    r.beginPhase(5000);
    expect(r.durationMs(5500)).toBe(1500);
    r.endPhase(6000);
    expect(r.durationMs(9999)).toBe(2000);
  });

  it('reports live rps and percentiles over a recent window only', () => {
    const r = new LoadRecorder();
    // 10 s at 100 rps with 1 ms latency, then 1 s at 1000 rps with 5 ms latency
    for (let t = 0; t < 10_000; t += 10) r.recordResponse(200, 1000, t);
    for (let t = 10_000; t < 11_000; t += 1) r.recordResponse(200, 5000, t);
    const live = r.liveStats(1000, 11_000);
    expect(live.rps).toBeGreaterThan(900);
    expect(live.rps).toBeLessThan(1100);
    expect(live.p50).toBeCloseTo(5, 1);
    expect(live.requests).toBe(2000);
    const wide = r.liveStats(5000, 11_000);
    expect(wide.rps).toBeGreaterThan(250);
    expect(wide.rps).toBeLessThan(300);
    expect(wide.p50).toBeCloseTo(5, 1); // 1000 new samples outweigh 400 old ones
    const all = r.liveStats(12_000, 11_000); // longer than the run: spans the run only
    expect(all.rps).toBeCloseTo(2000 / 11, 0);
    expect(all.p50).toBeCloseTo(1, 1);
    // nothing recently: zero rate, totals kept
    const later = r.liveStats(1000, 60_000);
    expect(later.rps).toBe(0);
    expect(later.requests).toBe(2000);
  });
});
