// A result.json for snapshots opened in the desktop app (no target, no load): the same
// contract as a hunt's, so the Verdict, Diff and report screens work on it unchanged.
import { type Result, resultSchema, type Suspect } from '../../shared/result';

export interface AnalyzeOutcome {
  id: string;
  /** absolute paths, in baseline → final order */
  files: string[];
  /** file names inside the run folder (links to `files`), or the absolute path when no link could be made */
  refs: string[];
  sizes: number[];
  startedAt: string;
  endedAt: string;
  suspects: Suspect[];
  leakhoundVersion: string;
  host: Result['host'];
  revealStrings: boolean;
  warnings: string[];
}

export const SNAPSHOT_LABELS = ['baseline', 'target', 'final'] as const;

/** Names the run folder gives opened snapshots, matching a hunt's own (store.ts). */
export function snapshotFileName(index: number, count: number): string {
  if (count === 3)
    return `${['snapshot-1-baseline', 'snapshot-2-middle', 'snapshot-3-final'][index]}.heapsnapshot`;
  if (count === 2) return `${['snapshot-1-baseline', 'snapshot-3-final'][index]}.heapsnapshot`;
  return 'snapshot-1-baseline.heapsnapshot';
}

function verdictOf(count: number, suspects: Suspect[]): Result['verdict'] {
  const none = { bytesPerRequest: 0, ci95: [0, 0] as [number, number], basis: 'none' as const };
  if (count < 2) {
    return {
      ...none,
      kind: 'inconclusive',
      reason:
        'One snapshot shows what the heap holds, not what grows. Open two or three snapshots of the same process taken as load went on to find leak suspects.',
    };
  }
  const top = suspects[0];
  if (count === 3 && top) {
    return {
      ...none,
      kind: 'leak',
      reason: `Objects created after the first snapshot were still alive in the last one: ${top.name} grew by ${top.countDelta} objects (${top.retainedSizeDelta} bytes retained). These snapshots carry no request counts, so no bytes-per-request figure is given.`,
    };
  }
  if (count === 3) {
    return {
      ...none,
      kind: 'no-leak',
      reason:
        'No group of objects created after the first snapshot survived to the last one above the noise floor. These snapshots carry no request counts, so no bytes-per-request figure is given.',
    };
  }
  return {
    ...none,
    kind: 'inconclusive',
    reason: top
      ? `With two snapshots, new objects may be normal working state: ${top.name} grew by ${top.countDelta}. Take a third snapshot after more load to confirm which of them stay alive.`
      : 'No class grew between the two snapshots above the noise floor. A third snapshot after more load would confirm.',
  };
}

export function buildAnalyzeResult(o: AnalyzeOutcome): Result {
  const command = `leakhound analyze ${o.files.map((f) => JSON.stringify(f)).join(' ')}`;
  const labels = o.files.length === 2 ? ['baseline', 'final'] : SNAPSHOT_LABELS;
  const result: Result = {
    schemaVersion: 1,
    id: o.id,
    status: 'finished',
    startedAt: o.startedAt,
    endedAt: o.endedAt,
    leakhoundVersion: o.leakhoundVersion,
    host: o.host,
    options: { analyze: o.files, revealStrings: o.revealStrings },
    target: {
      runtime: 'node',
      mode: 'attach',
      pid: null,
      command,
      url: null,
      exitCode: null,
      signal: null,
    },
    load: null,
    samples: [],
    checkpoints: [],
    verdict: verdictOf(o.files.length, o.suspects),
    suspects: o.suspects,
    snapshots: o.refs.map((file, i) => ({
      file,
      label: labels[i] ?? `snapshot ${i + 1}`,
      atRequests: 0,
      bytes: o.sizes[i] ?? 0,
    })),
    warnings: o.warnings,
    revealStrings: o.revealStrings,
  };
  // Fail here, with the field named, rather than in the UI when it reads the folder.
  return resultSchema.parse(result);
}
