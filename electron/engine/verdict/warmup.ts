// A recycled Node worker lives a few hundred requests, which is not long enough for V8 to
// finish compiling: its heap grows through its whole life with compiled code, object shapes
// and type feedback (measured: 88 of 103 KB within one 300-request life of a clean cluster
// worker), then starts again in the next worker. Growth within lives alone would call that a
// leak. The heap snapshots taken within one worker's life say which it is: an app object that
// keeps growing (a suspect), or V8's own code.
import type { DiffRow } from '../../../shared/api';
import type { Verdict } from '../../../shared/result';

/** What V8 builds while a worker warms up: code and its metadata, not the app's objects. */
const V8_OWN = /^\((compiled code|code|object shape|system|feedback|bytecode)|^system \//;

export interface WarmupShare {
  /** growth of V8's own code and metadata between the first and last snapshot */
  v8Bytes: number;
  /** all that grew (positive self-size changes) */
  grewBytes: number;
}

export function warmupShare(diff: readonly DiffRow[]): WarmupShare {
  let v8Bytes = 0;
  let grewBytes = 0;
  for (const r of diff) {
    if (r.selfSizeDelta <= 0) continue;
    grewBytes += r.selfSizeDelta;
    if (V8_OWN.test(r.name)) v8Bytes += r.selfSizeDelta;
  }
  return { v8Bytes, grewBytes };
}

const kib = (b: number): string => `${(b / 1024).toFixed(0)} KB`;

/**
 * Growth within lives (a LEAK, or inconclusive with an interval above zero) that the snapshots
 * of one life do not back: no app object kept growing.
 * When V8's own code is most of what grew, that is most likely a fresh worker compiling; either
 * way it is inconclusive, with the figures and what to change, never a leak on the fit alone.
 */
export function checkLifeLeak(
  v: Verdict,
  suspect: string | null,
  life: { diff: readonly DiffRow[]; pid: number } | null,
  recycledEvery: number | null,
): Verdict {
  // a plateau that still grows late in each life: a slow leak could hide under the warm-up
  if (v.kind === 'no-leak' && v.plateau && v.ci95[0] > 0) {
    if (!suspect) return v;
    return {
      ...v,
      kind: 'inconclusive',
      plateau: false,
      reason: `Inconclusive: ${v.reason.replace(/^No leak within worker lives: /, '')} But ${suspect} kept growing within one worker's life, so a slow leak under a fresh worker's warm-up is possible. Recycle less often while hunting, or raise --requests.`,
    };
  }
  // growth within lives that excludes zero: a leak, or one the later halves left unclear
  const grows = (v.kind === 'leak' || v.kind === 'inconclusive') && v.ci95[0] > 0;
  if (!grows || suspect) return v;
  const per = `${v.bytesPerRequest.toFixed(1)} B/request (95% CI ${v.ci95[0].toFixed(1)} … ${v.ci95[1].toFixed(1)})`;
  if (!life)
    return {
      ...v,
      kind: 'inconclusive',
      reason: `Inconclusive: each worker's heap grows ${per} within its life, but no heap snapshots within one worker's life could be taken, and a fresh Node worker's heap grows while V8 compiles its code: growth within lives alone cannot tell a leak from a worker warming up. Raise --requests, or recycle less often while hunting.`,
    };
  const { diff, pid } = life;
  const { v8Bytes, grewBytes } = warmupShare(diff);
  if (grewBytes > 0 && v8Bytes >= 0.5 * grewBytes) {
    // not "no leak": a leaking class can grow too unevenly between three snapshots of a short
    // life to be named (keep-alive connections pin the load to one worker at a time); measured,
    // a leaky cluster worker showed AuditRecord as 23 of 107 KB beside 81 KB of compiled code
    return {
      ...v,
      kind: 'inconclusive',
      reason: `Inconclusive, most likely no leak: each worker's heap grows ${per} within its life, and three heap snapshots of worker ${pid}'s life show mostly V8's compiled code, object shapes and type feedback (${kib(v8Bytes)} of the ${kib(grewBytes)} that grew), which every fresh worker builds on its first requests and which recycling throws away; no object of the app grew steadily enough to be named. Lives this short cannot rule out a slow leak: recycle less often while hunting, or raise --requests.${recycledEvery ? ` Workers were recycled every ~${recycledEvery} requests.` : ''}`,
    };
  }
  return {
    ...v,
    kind: 'inconclusive',
    reason: `Inconclusive: each worker's heap grows ${per} within its life, but no object type kept growing across three heap snapshots of worker ${pid}'s life (${kib(grewBytes)} grew, ${kib(v8Bytes)} of it V8's own code), so nothing in the heap accounts for it. Raise --requests, or recycle less often while hunting, to tell a slow leak from a worker warming up.`,
  };
}
