import { describe, expect, it } from 'vitest';
import { endingError, endingVerdict } from '../../electron/engine/verdict/ending';
import type { Checkpoint } from '../../shared/result';

/** a heap growing `perRequest` bytes per request, with a little noise, every 500 requests */
const growing = (n: number, perRequest: number): Checkpoint[] =>
  Array.from({ length: n }, (_, i) => ({
    t: i * 1000,
    requests: i * 500,
    heapBytes: 40e6 + i * 500 * perRequest + ((i * 7919) % 13) * 1000,
    pssBytes: 90e6 + i * 500 * perRequest,
    rssBytes: 100e6 + i * 500 * perRequest,
  }));

describe('a hunt that could not judge its figures', () => {
  it('a target that died: the reason comes first, and a clear growth is still never more than inconclusive', () => {
    const v = endingVerdict({
      ending: { kind: 'target-died', exit: 'signal SIGKILL' },
      requests: 4000,
      checkpoints: growing(9, 400),
      heapKnown: true,
    });
    expect(v.kind).toBe('inconclusive');
    expect(v.reason).toMatch(
      /^The target died during the run \(signal SIGKILL\) after 4000 requests, so the hunt could not finish\. What was measured before it died: /,
    );
    // the fit over what was measured is kept, with its interval
    expect(v.bytesPerRequest).toBeGreaterThan(300);
    expect(v.ci95[0]).toBeGreaterThan(0);
  });

  it('too few checkpoints: no fit at all, only why', () => {
    const v = endingVerdict({
      ending: { kind: 'interrupted' },
      requests: 300,
      checkpoints: growing(3, 400),
      heapKnown: true,
    });
    expect(v).toEqual({
      kind: 'inconclusive',
      bytesPerRequest: 0,
      ci95: [0, 0],
      basis: 'none',
      reason: 'The hunt was stopped before it finished.',
    });
  });

  it('leakhound itself stopped mid-run (runs --repair): said so, with the fit over what it left', () => {
    const v = endingVerdict({
      ending: { kind: 'crashed' },
      requests: 2500,
      checkpoints: growing(6, 300),
      heapKnown: true,
    });
    expect(v.kind).toBe('inconclusive');
    expect(v.reason).toMatch(
      /^The run was interrupted after 2500 requests \(leakhound stopped before it finished\); repaired from what was on disk\. \S/,
    );
  });

  it('result.json errorKind and error line for each way of ending', () => {
    const f = { requests: 1200, dir: '/runs/x' };
    expect(endingError({ kind: 'link-lost', host: 'web-3', why: 'Broken pipe' }, null, f)).toEqual({
      errorKind: 'link-lost',
      error: 'the SSH link to web-3 was lost (Broken pipe); what was gathered is kept in /runs/x',
    });
    expect(endingError({ kind: 'target-hung', stallMs: 30_000 }, null, f)).toEqual({
      errorKind: 'target-hung',
      error:
        'the target stopped answering after 1200 requests (no response for 30 s); what was gathered is in /runs/x',
    });
    expect(endingError({ kind: 'disk-full' }, null, f).errorKind).toBe('disk-full');
    // a death is its status, not an error; unless something else failed too
    expect(endingError({ kind: 'target-died', exit: 'exit code 1' }, null, f)).toEqual({
      errorKind: null,
      error: null,
    });
    expect(endingError({ kind: 'target-died', exit: 'exit code 1' }, 'EPIPE', f)).toEqual({
      errorKind: 'error',
      error: 'EPIPE',
    });
    expect(endingError(null, null, f)).toEqual({ errorKind: null, error: null });
  });
});
