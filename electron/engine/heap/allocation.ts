// Allocation sites from V8's sampling heap profiler (HeapProfiler.getSamplingProfile).
// Its samples are objects still alive when the profile was read, each tied to the call
// tree node (stack) that allocated it. V8 does not say which class a sample is, so the
// match to a suspect is a heuristic, in order:
//   1. stacks with a frame naming the class (its constructor `OrderAuditEntry`, or a
//      function whose name contains the class name); the site shown is that frame's
//      caller, at the `new OrderAuditEntry` written in it (found in its source text);
//   2. else live samples in a function whose own text has `new OrderAuditEntry` (a
//      constructor that allocates nothing itself has no frame of its own in the stack);
//   3. otherwise no site, and a note saying the profile cannot tell (a neighbour's stack
//      would point the developer at the wrong code).
// Closures get their site from the snapshot itself (where the function literal is).
// Sites are the innermost user frame (skipping `(root)`, `(program)`, node: internals).
import fs from 'node:fs';
import path from 'node:path';
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

/**
 * The line of `new Cls` inside the function that starts at (line, column) of url: V8's
 * sampling profile records each frame's function, not the line of the call, so the call is
 * looked for in the function's own text (bounded; the function's start when not found).
 */
export function newCallSite(
  url: string,
  line: number,
  cls: string,
  readFile = readSource,
): { line: number; column: number } | null {
  if (!/^[\w$]+$/.test(cls)) return null;
  const text = readFile(url);
  if (text === null) return null;
  const lines = text.split('\n');
  const re = new RegExp(`\\bnew\\s+${cls.replace(/\$/g, '\\$')}\\b`);
  let depth = 0;
  let opened = false;
  for (let i = Math.max(0, line - 1); i < Math.min(lines.length, line - 1 + 400); i++) {
    const m = re.exec(lines[i]);
    if (m) return { line: i + 1, column: m.index + 1 };
    // stop at the end of the function: braces balance again after the first one opened
    for (const ch of lines[i]) {
      if (ch === '{') {
        depth++;
        opened = true;
      } else if (ch === '}') depth--;
    }
    if (opened && depth <= 0) return null;
  }
  return null;
}

const sources = new Map<string, string | null>();
function readSource(url: string): string | null {
  if (sources.has(url)) return sources.get(url) ?? null;
  let text: string | null = null;
  try {
    const file = url.startsWith('file://') ? new URL(url).pathname : url;
    if (path.isAbsolute(file) && fs.statSync(file).size < 8 * 2 ** 20) text = fs.readFileSync(file, 'utf8');
  } catch {
    text = null;
  }
  if (sources.size > 64) sources.clear();
  sources.set(url, text);
  return text;
}

const UNKNOWN_SITE = (cls: string) =>
  `the sampling profile has no live allocation under a function named ${cls}: it cannot tell where these were allocated`;

/**
 * Allocation sites of class suspects, from the stacks that pass through the class's
 * constructor; closures carry theirs from the snapshot, builtins cannot be told apart.
 * When no stack names the class, the suspect says so instead of borrowing a neighbour's.
 */
export function attachAllocationSites(suspects: Suspect[], profile: unknown, perSuspect = 3): Suspect[] {
  const stacks = topAllocationStacks(profile, 500);
  if (!stacks.length) return suspects;
  return suspects.map((s) => {
    if (s.allocatedAt?.length || (s.kind && s.kind !== 'class')) return s;
    const cls = s.name.replace(/^[({]|[)}]$/g, '');
    const named = stacks.filter(
      (st) => cls.length > 2 && st.frames.some((f) => f.functionName.includes(cls)),
    );
    const sites = merge(
      named
        .map((st) => siteOf(st, cls))
        .filter((x): x is AllocationSite => x !== null)
        .map((x) => {
          // the caller's frame is its function's start: find the `new Cls` in it
          if (x.functionName === cls) return x;
          const at = newCallSite(x.url, x.line, cls);
          return at ? { ...x, ...at } : x;
        }),
    );
    if (sites.length) return { ...s, allocatedAt: sites.slice(0, perSuspect) };
    // `new Cls` allocates the object in the caller's frame (the construct stub runs before the
    // constructor's own frame): a constructor that allocates nothing itself leaves no frame
    // named Cls, only live samples in the functions whose text does the `new Cls`
    const callers = merge(
      stacks
        .map((st) => siteOf(st))
        .filter((x): x is AllocationSite => x !== null)
        .flatMap((x) => {
          const at = newCallSite(x.url, x.line, cls);
          return at ? [{ ...x, ...at }] : [];
        }),
    );
    if (callers.length) return { ...s, allocatedAt: callers.slice(0, perSuspect) };
    return { ...s, siteNote: UNKNOWN_SITE(cls) };
  });
}
