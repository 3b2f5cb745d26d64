// The whole analysis of 1–3 snapshots, in order, keeping only what later steps need of
// each earlier snapshot (its digest) so three 1 GB files never sit in memory together.
import fs from 'node:fs';
import type { DiffRow } from '../../../shared/api';
import type { Suspect } from '../../../shared/result';
import type { ClassSummaryRow } from './aggregate';
import { attachAllocationSites } from './allocation';
import { loadAnalysis, saveAnalysis } from './cache';
import { diffSnapshots } from './diff';
import type { HeapAnalysis, HeapDigest } from './model';
import { analyzeSnapshot, classSummary, digestOf, reclaim } from './model';
import { parseSnapshot } from './parse';
import { ScratchPool } from './scratch';
import { findSuspects } from './suspects';

export interface PipelineOptions {
  requestsBetween?: number;
  /** requests served when each snapshot was taken: each suspect's per-interval growth */
  snapshotRequests?: number[];
  revealStrings?: boolean;
  /** JSON of HeapProfiler.getSamplingProfile, or a path to a file holding it */
  allocationProfile?: unknown;
  /** memory we may use, bytes (tests); defaults to what the OS reports */
  availableBytes?: number;
  /** write/read `<file>.lhidx` analysis caches (default true) */
  cache?: boolean;
  /** folder for the caches instead of beside each snapshot */
  cacheDir?: string;
  /** how many summary rows to return per snapshot */
  summaryRows?: number;
}

export interface PipelineResult {
  summaries: ClassSummaryRow[][];
  suspects: Suspect[];
  diff?: DiffRow[];
}

export type Progress = (p: { phase: string; percent: number }) => void;

export async function runPipeline(
  files: string[],
  o: PipelineOptions,
  onProgress: Progress = () => {},
  signal?: AbortSignal,
  keep?: (i: number, a: HeapAnalysis) => void,
): Promise<PipelineResult> {
  const sizes = files.map((f) => {
    try {
      return fs.statSync(f).size;
    } catch {
      return 1;
    }
  });
  const total = sizes.reduce((x, y) => x + y, 0) || 1;
  let done = 0;
  const summaries: ClassSummaryRow[][] = [];
  const digests: HeapDigest[] = [];
  let last: HeapAnalysis | null = null;
  // one pool for the run: what a snapshot's digest does not keep becomes the next one's
  // columns and scratch, already-touched memory instead of fresh pages
  const pool = new ScratchPool();
  for (let i = 0; i < files.length; i++) {
    const share = sizes[i] / total;
    const label = `snapshot ${i + 1}/${files.length}`;
    // only the digest of an earlier snapshot is kept: let its graph go before the next parse
    last = null;
    reclaim();
    let a = o.cache === false ? null : loadAnalysis(files[i], o.cacheDir);
    // arrays loaded from a cache may share one buffer: only freshly computed ones are recycled
    const fresh = !a;
    if (!a) {
      const snap = await parseSnapshot(files[i], {
        signal,
        pool,
        availableBytes: o.availableBytes,
        onProgress: (read, size) =>
          onProgress({ phase: `${label}: parsing`, percent: 100 * (done + share * 0.55 * (read / size)) }),
      });
      signal?.throwIfAborted();
      a = analyzeSnapshot(
        snap,
        (step, f) =>
          onProgress({ phase: `${label}: ${step}`, percent: 100 * (done + share * (0.55 + 0.4 * f)) }),
        pool,
      );
      signal?.throwIfAborted();
      if (o.cache !== false) saveAnalysis(a, o.cacheDir);
    }
    summaries.push(classSummary(a).slice(0, o.summaryRows ?? 500));
    const digest = digestOf(a);
    if (i > 0 && i < files.length - 1) {
      // a middle snapshot only answers "was this id alive?": keep its sorted ids, not its columns
      const none = new Uint32Array(0);
      digests.push({ ...digest, ids: none, cls: none, self: none });
    } else {
      digests.push(digest);
    }
    keep?.(i, a);
    if (fresh && !keep && i < files.length - 1) recycle(a, pool, i === 0);
    last = a;
    done += share;
  }
  onProgress({ phase: 'suspects', percent: 97 });
  let suspects: Suspect[] = [];
  let diff: DiffRow[] | undefined;
  if (files.length >= 2 && last) {
    const first = digests[0];
    const mid = files.length >= 3 ? digests[digests.length - 2] : null;
    suspects = findSuspects(first, mid, last, {
      requestsBetween: o.requestsBetween,
      snapshotRequests: o.snapshotRequests?.length === files.length ? o.snapshotRequests : undefined,
      revealStrings: o.revealStrings,
    });
    diff = diffSnapshots(first, digests[digests.length - 1], o.requestsBetween);
    if (o.allocationProfile) suspects = attachAllocationSites(suspects, o.allocationProfile);
  }
  onProgress({ phase: 'done', percent: 100 });
  return { summaries, suspects, diff };
}

/** Hand an earlier snapshot's arrays to the pool, all but those its digest keeps. */
function recycle(a: HeapAnalysis, pool: ScratchPool, digestKeepsColumns: boolean): void {
  const s = a.snap;
  pool.give(s.nodeType, s.nodeName, s.firstEdge, s.edgeType, s.edgeName, s.edgeTo);
  pool.give(a.idom, a.retained, a.distance, a.parentEdge, a.domFirst, a.domKids);
  if (!digestKeepsColumns) pool.give(s.nodeId, s.nodeSelfSize, a.classes.classOf);
}
