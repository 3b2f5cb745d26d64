// The sweep table answers "does max-requests hide a leak, and what does each setting cost":
// growth within worker lives beside PSS (issue 16, point 5).
import { describe, expect, it } from 'vitest';
import { formatTable, rowOf } from '../../electron/engine/sweep/compare';
import type { Result } from '../../shared/result';

// only the fields rowOf reads
const result = (verdict: Partial<Result['verdict']>, restarts: number) =>
  ({
    checkpoints: [{ t: 0, requests: 5000, heapBytes: 1, pssBytes: 90 * 1048576, rssBytes: 1 }],
    target: { processes: [{ exited: false }, { exited: false }, { exited: false }], restarts },
    load: { rps: 1000, errors: 0, requests: 5000, latencyMs: { p50: 1, p90: 2, p99: 3 } },
    verdict: { kind: 'no-leak', bytesPerRequest: 0, ci95: [0, 0], reason: '', basis: 'heap', ...verdict },
  }) as unknown as Result;

describe('sweep rows with recycled workers', () => {
  it('show the within-life growth and the recycling period next to PSS', () => {
    const masked = rowOf(
      'a',
      { maxRequests: '300' },
      '/x/a',
      result(
        {
          kind: 'leak',
          bytesPerRequest: 365.9,
          lifetimes: {
            bytesPerRequest: 365.9,
            ci95: [362.5, 368.7],
            lifetimes: 16,
            lifetimesFitted: 16,
            endedLifetimes: 14,
            recycledEvery: 307,
            rssLowBytes: 37e6,
            rssHighBytes: 42e6,
            maxPoints: 10,
          },
        },
        18,
      ),
      'finished',
    );
    const plain = rowOf(
      'b',
      { maxRequests: '0' },
      '/x/b',
      result({ kind: 'leak', bytesPerRequest: 389 }, 0),
      'finished',
    );
    expect(masked.lifetimeBytesPerRequest).toBe(365.9);
    expect(masked.recycledEvery).toBe(307);
    expect(plain.lifetimeBytesPerRequest).toBeNull();
    const table = formatTable([masked, plain], null).split('\n');
    const head = table[0].trim().split(/\s{2,}/);
    expect(head.indexOf('in-life B/req')).toBe(head.indexOf('PSS/proc MB') + 1);
    expect(head).toContain('recycled every');
    const cells = table[1].trim().split(/\s{2,}/);
    expect(cells[head.indexOf('in-life B/req')]).toBe('365.9');
    expect(cells[head.indexOf('recycled every')]).toBe('307');
    expect(table[2].trim().split(/\s{2,}/)[head.indexOf('in-life B/req')]).toBe('-');
  });
});
