// Allocation sites from V8's sampling heap profiler (HeapProfiler.getSamplingProfile).
// Its samples are objects still alive when the profile was read, each tied to the call
// tree node (stack) that allocated it. V8 does not say which class a sample is, so the
// match to a suspect is a heuristic, in order:
//   1. stacks with a frame naming the class (its constructor `OrderAuditEntry`, or a
//      function whose name contains the class name); the site shown is that frame's
//      caller, where the `new` is written;
//   2. otherwise the stacks allocating the most live bytes overall, only when there is a
//      single suspect (then the heap's growth and the top stacks are the same story).
// Sites are the innermost user frame (skipping `(root)`, `(program)`, node: internals).
import fs from 'node:fs';
import type { AllocationSite, Suspect } from '../../../shared/result';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
  scriptId?: string | number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  selfSize: number;
  children?: ProfileNode[];
}
interface SamplingProfile {
  head: ProfileNode;
  samples?: Array<{ size: number; nodeId: number; ordinal: number }>;
}

export interface AllocationStack {
  /** innermost first */
  frames: CallFrame[];
  bytes: number;
  count: number;
}

function load(profile: unknown): SamplingProfile | null {
  let p = profile;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(fs.readFileSync(p, 'utf8'));
    } catch {
      return null;
    }
  }
  const obj = p as { profile?: SamplingProfile; head?: ProfileNode } | null;
  if (!obj) return null;
  if (obj.head) return obj as SamplingProfile;
  if (obj.profile?.head) return obj.profile;
  return null;
}

const isInternal = (f: CallFrame) =>
  !f.url ||
  f.url.startsWith('node:') ||
  f.functionName === '(root)' ||
  f.functionName === '(program)' ||
  f.functionName === '(garbage collector)';

/** Stacks of live allocations, most bytes first. Uses samples when present, else self sizes. */
export function topAllocationStacks(profile: unknown, limit = 20): AllocationStack[] {
  const p = load(profile);
  if (!p) return [];
  const bytesById = new Map<number, { bytes: number; count: number }>();
  if (p.samples?.length) {
    for (const s of p.samples) {
      const x = bytesById.get(s.nodeId) ?? { bytes: 0, count: 0 };
      x.bytes += s.size;
      x.count++;
      bytesById.set(s.nodeId, x);
    }
  }
  const out: AllocationStack[] = [];
  // iterative walk keeping the path of frames
  const stack: Array<{ node: ProfileNode; frames: CallFrame[] }> = [{ node: p.head, frames: [] }];
  while (stack.length) {
    const { node, frames } = stack.pop()!;
    const path = [node.callFrame, ...frames];
    const fromSamples = bytesById.get(node.id);
    const bytes = p.samples?.length ? (fromSamples?.bytes ?? 0) : node.selfSize;
    if (bytes > 0) out.push({ frames: path, bytes, count: fromSamples?.count ?? 0 });
    for (const c of node.children ?? []) stack.push({ node: c, frames: path });
  }
  out.sort((a, b) => b.bytes - a.bytes);
  return out.slice(0, limit);
}

/** The innermost user frame; with `cls`, the caller of the frame naming the class (the `new`). */
function siteOf(s: AllocationStack, cls?: string): AllocationSite | null {
  let from = 0;
  if (cls) {
    const at = s.frames.findIndex((x) => x.functionName.includes(cls));
    if (at >= 0 && at + 1 < s.frames.length && !isInternal(s.frames[at + 1])) from = at + 1;
    else if (at >= 0) from = at;
  }
  const f = s.frames.slice(from).find((x) => !isInternal(x));
  if (!f) return null;
  return {
    functionName: f.functionName || '(anonymous)',
    url: f.url,
    line: f.lineNumber + 1,
    column: f.columnNumber + 1,
    bytes: s.bytes,
    count: s.count,
  };
}

function merge(sites: AllocationSite[]): AllocationSite[] {
  const m = new Map<string, AllocationSite>();
  for (const s of sites) {
    const k = `${s.functionName}@${s.url}:${s.line}:${s.column}`;
    const x = m.get(k);
    if (x) {
      x.bytes += s.bytes;
      x.count = (x.count ?? 0) + (s.count ?? 0);
    } else m.set(k, { ...s });
  }
  return [...m.values()].sort((a, b) => b.bytes - a.bytes);
}

export function attachAllocationSites(suspects: Suspect[], profile: unknown, perSuspect = 3): Suspect[] {
  const stacks = topAllocationStacks(profile, 500);
  if (!stacks.length) return suspects;
  return suspects.map((s) => {
    const cls = s.name.replace(/^[({]|[)}]$/g, '');
    const named = stacks.filter(
      (st) => cls.length > 2 && st.frames.some((f) => f.functionName.includes(cls)),
    );
    let sites = merge(named.map((st) => siteOf(st, cls)).filter((x): x is AllocationSite => x !== null));
    if (!sites.length && suspects.length === 1) {
      sites = merge(stacks.map((st) => siteOf(st)).filter((x): x is AllocationSite => x !== null));
    }
    return sites.length ? { ...s, allocatedAt: sites.slice(0, perSuspect) } : s;
  });
}
