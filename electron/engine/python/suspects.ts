// Python suspects from three captures (baseline, middle, final), the counterpart of the
// three-snapshot diff for V8. Pure: data in, suspects out.
//
// Rules:
// - Processes are compared only with themselves: for each interval (S1→S2, S2→S3) the
//   per-type deltas are summed over the processes present in BOTH captures (same pid and
//   same agent start time, so a reused pid is not mistaken for its predecessor). A worker
//   that died (max-requests) and its replacement are never subtracted from each other, so a
//   restart cannot produce negative or fake growth; it only shrinks what is compared (the
//   per-request figure is then a lower bound).
// - Three-point rule: a type is a suspect when it grew in S1→S2 AND kept growing in S2→S3
//   at ≥ `continueRatio` (0.5) of the first interval's per-request rate. A leak grows at a
//   steady rate per request; a cache that fills and plateaus grows in the first interval and
//   slows down or stops in the second (also when one worker's copy filled before another's):
//   not a suspect.
//   One exception: a worker that got none of the warm-up builds its framework's caches on
//   its first requests, all inside S1→S2, and can pull the summed ratio under 0.5 (measured:
//   a dict leak read 830 then 400 per 400 requests). When two or more workers take part, each
//   still grows in S2→S3 by a fair share, and one of them keeps its own rate, the type is
//   still growing everywhere; a cache that filled has stopped in some worker.
// - Rate: a suspect's count per request is the lower of the two intervals' rates. One-time
//   growth (a worker's first request building Flask's caches, when the warm-up never reached
//   that worker) only ever adds to one interval; a leak's steady rate is in both.
// - Order: the app's own classes first, then those of Python and installed packages (the
//   agent names their modules), each by bytes: the str/dict an AuditRecord holds, or the
//   server library's deque of connections, grow with the leak but are not where to look.
// - Noise: each interval's growth must be ≥ max(minCount, minPerRequest × requests in it);
//   after gc.collect() a clean app's type counts move by a handful between captures.
import type { AllocationSite, Suspect } from '../../../shared/result';
import { ownPythonSuspects, type RawPySuspect } from './owners';
import type { PythonAgentSession } from './session';
import type { PyCapture, PyCensus, PyInspected } from './types';

export interface PythonSuspectOptions {
  /** minimum count growth per interval (default 20) */
  minCount?: number;
  /** minimum count growth per request per interval (default 0.02) */
  minPerRequest?: number;
  /** S2→S3 per-request growth must be ≥ this × S1→S2's (default 0.5) */
  continueRatio?: number;
  /** at most this many suspects (default 20) */
  limit?: number;
}

export interface PythonComparison {
  suspects: Suspect[];
  /** pids compared in each interval (present in both of its captures) */
  comparedPids: number[][];
  /** pids seen in only some captures (restarted or new workers) */
  unmatchedPids: number[];
  warnings: string[];
}

interface Delta {
  count: number;
  bytes: number;
  perPid: Map<number, { count: number; bytes: number }>;
}

const identity = (p: PyCensus): string => `${p.pid}:${p.startedAt}`;

function intervalDeltas(a: PyCapture, b: PyCapture): { deltas: Map<string, Delta>; pids: number[] } {
  const before = new Map(a.processes.map((p) => [identity(p), p]));
  const deltas = new Map<string, Delta>();
  const pids: number[] = [];
  for (const pb of b.processes) {
    const pa = before.get(identity(pb));
    if (!pa) continue;
    pids.push(pb.pid);
    const keys = new Set([...Object.keys(pa.types), ...Object.keys(pb.types)]);
    for (const key of keys) {
      const [ca, ba] = pa.types[key] ?? [0, 0];
      const [cb, bb] = pb.types[key] ?? [0, 0];
      if (cb === ca && bb === ba) continue;
      let d = deltas.get(key);
      if (!d) {
        d = { count: 0, bytes: 0, perPid: new Map() };
        deltas.set(key, d);
      }
      d.count += cb - ca;
      d.bytes += bb - ba;
      d.perPid.set(pb.pid, { count: cb - ca, bytes: bb - ba });
    }
  }
  return { deltas, pids };
}

/** 'builtins:dict' → 'dict'; 'app:AuditRecord' → 'AuditRecord' unless another module has one. */
export function pythonTypeDisplayName(key: string, allKeys: Iterable<string>): string {
  const i = key.indexOf(':');
  if (i < 0) return key;
  const mod = key.slice(0, i);
  const q = key.slice(i + 1);
  if (mod === 'builtins') return q;
  for (const k of allKeys) {
    if (k !== key && k.slice(k.indexOf(':') + 1) === q) return `${mod}.${q}`;
  }
  return q;
}

/**
 * The exception to the three-point rule (see the top): S2→S3 growth in every worker that took
 * part (≥ a quarter of an even share), at least two of them, and one at ≥ continueRatio of its
 * own S1→S2 rate (per-worker requests are unknown: assumed split alike in both intervals).
 */
function steadyAcrossWorkers(d1: Delta, d2: Delta, reqs: [number, number], continueRatio: number): boolean {
  const pids = [...new Set([...d1.perPid.keys(), ...d2.perPid.keys()])];
  const g1 = (pid: number) => d1.perPid.get(pid)?.count ?? 0;
  const g2 = (pid: number) => d2.perPid.get(pid)?.count ?? 0;
  const floor1 = (0.25 * d1.count) / pids.length;
  const floor2 = (0.25 * d2.count) / pids.length;
  const taking = pids.filter((p) => g1(p) >= floor1 || g2(p) >= floor2);
  if (taking.length < 2 || floor2 <= 0) return false;
  if (!taking.every((p) => g2(p) >= floor2)) return false;
  return taking.some((p) => g1(p) > 0 && g2(p) / reqs[1] >= continueRatio * (g1(p) / reqs[0]));
}

function splitRequests(s1: PyCapture, s2: PyCapture, s3: PyCapture, total: number): [number, number] {
  if (s1.atRequests !== undefined && s2.atRequests !== undefined && s3.atRequests !== undefined) {
    return [Math.max(1, s2.atRequests - s1.atRequests), Math.max(1, s3.atRequests - s2.atRequests)];
  }
  const span = s3.t - s1.t;
  const f = span > 0 ? Math.min(1, Math.max(0, (s2.t - s1.t) / span)) : 0.5;
  return [Math.max(1, total * f), Math.max(1, total * (1 - f))];
}

function bestInspection(captures: PyCapture[], key: string, d: Delta): PyInspected | null {
  // prefer the latest capture, and in it the process where the type grew most
  const order = [...d.perPid.entries()].sort((a, b) => b[1].count - a[1].count).map(([pid]) => pid);
  for (let c = captures.length - 1; c >= 0; c--) {
    const procs = [...captures[c].processes].sort((a, b) => {
      const ia = order.indexOf(a.pid);
      const ib = order.indexOf(b.pid);
      return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
    });
    for (const p of procs) {
      const hit = p.inspected.find((x) => x.type === key && x.path.length > 0);
      if (hit) return hit;
    }
  }
  return null;
}

function sitesOf(captures: PyCapture[], key: string): AllocationSite[] {
  const merged = new Map<string, AllocationSite>();
  for (const c of captures) {
    for (const p of c.processes) {
      for (const ins of p.inspected) {
        if (ins.type !== key) continue;
        for (const s of ins.sites) {
          const k = `${s.file}:${s.line}`;
          const prev = merged.get(k);
          if (prev) {
            prev.count = Math.max(prev.count ?? 0, s.count);
            prev.bytes = Math.max(prev.bytes, s.bytes);
          } else
            merged.set(k, {
              functionName: s.function ?? '',
              url: s.file,
              line: s.line,
              column: 0,
              bytes: s.bytes,
              count: s.count,
            });
        }
      }
    }
  }
  return [...merged.values()].sort((a, b) => (b.count ?? 0) - (a.count ?? 0)).slice(0, 3);
}

function growthOf(dd: Delta[], reqs: number[]): NonNullable<Suspect['growth']> {
  const intervals = dd.map((d, i) => ({ requests: reqs[i], count: d.count, perRequest: d.count / reqs[i] }));
  const rates = intervals.map((x) => x.perRequest);
  return { intervals, range: [Math.min(...rates), Math.max(...rates)] };
}

export function comparePythonCaptures(
  captures: PyCapture[],
  requestsBetween: number,
  opts: PythonSuspectOptions = {},
): PythonComparison {
  const minCount = opts.minCount ?? 20;
  const minPerRequest = opts.minPerRequest ?? 0.02;
  const continueRatio = opts.continueRatio ?? 0.5;
  const warnings: string[] = [];
  const allPids = new Set(captures.flatMap((c) => c.processes.map((p) => p.pid)));
  const everywhere = [...allPids].filter((pid) =>
    captures.every((c) => c.processes.some((p) => p.pid === pid)),
  );
  const unmatchedPids = [...allPids].filter((p) => !everywhere.includes(p)).sort((a, b) => a - b);
  if (captures.length < 2) {
    return { suspects: [], comparedPids: [], unmatchedPids, warnings: ['fewer than two Python captures'] };
  }
  const s1 = captures[0];
  const s3 = captures[captures.length - 1];
  const three = captures.length >= 3;
  const s2 = three ? captures[Math.floor((captures.length - 1) / 2)] : s3;
  const intervals = three ? [intervalDeltas(s1, s2), intervalDeltas(s2, s3)] : [intervalDeltas(s1, s3)];
  const reqs = three ? splitRequests(s1, s2, s3, requestsBetween) : [Math.max(1, requestsBetween)];
  const comparedPids = intervals.map((x) => x.pids.sort((a, b) => a - b));
  if (comparedPids.some((p) => p.length === 0)) {
    warnings.push(
      'no Python process lived through consecutive captures (workers restarting too often?): per-type growth could not be measured',
    );
  }
  if (!three) warnings.push('two Python captures only: a cache that plateaus cannot be told from a leak');

  const allKeys = new Set(captures.flatMap((c) => c.processes.flatMap((p) => Object.keys(p.types))));
  const library = new Set([
    'builtins',
    ...captures.flatMap((c) => c.processes.flatMap((p) => p.libraryModules ?? [])),
  ]);
  const suspects: RawPySuspect[] = [];
  for (const key of intervals[0].deltas.keys()) {
    const ds = intervals.map((x) => x.deltas.get(key));
    if (ds.some((d) => !d)) continue;
    const dd = ds as Delta[];
    const grew = dd.every((d, i) => d.count >= Math.max(minCount, minPerRequest * reqs[i]));
    if (!grew) continue;
    if (
      three &&
      dd[1].count / reqs[1] < continueRatio * (dd[0].count / reqs[0]) &&
      !steadyAcrossWorkers(dd[0], dd[1], [reqs[0], reqs[1]], continueRatio)
    )
      continue;
    const countDelta = dd.reduce((s, d) => s + d.count, 0);
    const selfSizeDelta = dd.reduce((s, d) => s + d.bytes, 0);
    if (selfSizeDelta <= 0) continue;
    const perPid = new Map<number, { pid: number; countDelta: number; sizeDelta: number }>();
    for (const d of dd) {
      for (const [pid, v] of d.perPid) {
        const e = perPid.get(pid) ?? { pid, countDelta: 0, sizeDelta: 0 };
        e.countDelta += v.count;
        e.sizeDelta += v.bytes;
        perPid.set(pid, e);
      }
    }
    const inspected = bestInspection(captures, key, dd[dd.length - 1]);
    const allocatedAt = sitesOf(captures, key);
    suspects.push({
      name: pythonTypeDisplayName(key, allKeys),
      countDelta,
      countPerRequest: Math.min(...dd.map((d, i) => d.count / reqs[i])),
      selfSizeDelta,
      retainedSizeDelta: selfSizeDelta,
      retainerPath: inspected?.path ?? [],
      ...(allocatedAt.length ? { allocatedAt } : {}),
      perProcess: [...perPid.values()].sort((a, b) => a.pid - b.pid),
      // the type's own growth test, interval by interval (what made it a suspect)
      growth: growthOf(dd, reqs),
      library: library.has(key.slice(0, key.indexOf(':'))),
      key,
      inspected,
    });
  }
  suspects.sort((a, b) => Number(a.library) - Number(b.library) || b.selfSizeDelta - a.selfSizeDelta);
  return {
    // owners: builtins under the class or collection that holds them, paths holder first
    suspects: ownPythonSuspects(suspects).slice(0, opts.limit ?? 20),
    comparedPids,
    unmatchedPids,
    warnings,
  };
}

/**
 * Suspects for captures [baseline, middle, final]; requestsBetween = requests from baseline
 * to final. Referrer chains and allocation sites come from the captures themselves (the agent
 * inspects the types that grew since each process's first census), so the session is not
 * needed; it is accepted for callers that pass it.
 */
export function pythonSuspects(
  captures: PyCapture[],
  requestsBetween: number,
  _session?: PythonAgentSession,
  opts: PythonSuspectOptions = {},
): Suspect[] {
  return comparePythonCaptures(captures, requestsBetween, opts).suspects;
}
