// How a hunt ended when it could not judge its figures (the target died or hung, the disk
// filled, the SSH link dropped, it was stopped, failed, or leakhound itself died): the verdict it still gives, the
// words that say why first, and result.json's errorKind / error. Pure: the hunt says what
// happened, this says what that means.
import type { Checkpoint, Result, Verdict } from '../../../shared/result';
import { decideVerdict } from './decide';

export type Ending =
  | { kind: 'link-lost'; host: string; why: string }
  | { kind: 'target-died'; exit: string }
  | { kind: 'disk-full' }
  | { kind: 'target-hung'; stallMs: number }
  | { kind: 'interrupted' }
  /** leakhound itself stopped mid-run; `runs --repair` judges what it left on disk */
  | { kind: 'crashed' }
  | { kind: 'failed'; message: string | null };

export interface EndingFacts {
  ending: Ending;
  /** requests served before it ended */
  requests: number;
  checkpoints: readonly Checkpoint[];
  heapKnown: boolean;
}

/** The fit over what was measured, never more than inconclusive, after the reason it stopped. */
export function endingVerdict(f: EndingFacts): Verdict {
  const v: Verdict =
    f.checkpoints.length >= 5
      ? {
          ...decideVerdict({
            checkpoints: f.checkpoints.slice(1),
            suspects: [],
            heapKnown: f.heapKnown,
            heapLabel: 'the heap',
          }),
          kind: 'inconclusive',
        }
      : { kind: 'inconclusive', bytesPerRequest: 0, ci95: [0, 0], basis: 'none', reason: '' };
  v.reason = `${whyFirst(f)} ${v.reason}`.trim();
  return v;
}

function whyFirst(f: EndingFacts): string {
  const e = f.ending;
  switch (e.kind) {
    case 'link-lost':
      return `The SSH link to ${e.host} was lost after ${f.requests} requests (${e.why}), so the hunt could not finish. What was measured before:`;
    case 'target-died':
      return `The target died during the run (${e.exit}) after ${f.requests} requests, so the hunt could not finish. What was measured before it died:`;
    case 'disk-full':
      return 'The disk filled up during the run, so the hunt was stopped early. What was measured before:';
    case 'target-hung':
      return `The target stopped answering requests after ${f.requests} of them (it is still running, so it is probably deadlocked or stuck in garbage collection). What was measured before:`;
    case 'interrupted':
      return 'The hunt was stopped before it finished.';
    case 'crashed':
      return `The run was interrupted after ${f.requests} requests (leakhound stopped before it finished); repaired from what was on disk.`;
    case 'failed':
      return `The hunt failed: ${e.message ?? 'unknown error'}.`;
  }
}

/**
 * result.json's errorKind and error line: the ending's own, else the failure's message (a
 * target that died while something else also failed), else none.
 */
export function endingError(
  ending: Ending | null,
  failure: string | null,
  f: { requests: number; dir: string },
): Pick<Result, 'errorKind' | 'error'> {
  switch (ending?.kind) {
    case 'link-lost':
      return {
        errorKind: 'link-lost',
        error: `the SSH link to ${ending.host} was lost (${ending.why}); what was gathered is kept in ${f.dir}`,
      };
    case 'disk-full':
      return {
        errorKind: 'disk-full',
        error: `the disk is full: the hunt was stopped early; what was gathered is kept in ${f.dir}`,
      };
    case 'target-hung':
      return {
        errorKind: 'target-hung',
        error: `the target stopped answering after ${f.requests} requests (no response for ${Math.round(ending.stallMs / 1000)} s); what was gathered is in ${f.dir}`,
      };
    default:
      return failure === null ? { errorKind: null, error: null } : { errorKind: 'error', error: failure };
  }
}
