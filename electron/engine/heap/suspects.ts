// Leak suspects by the three-snapshot technique (memlab's): objects allocated after
// snapshot 1 (id absent there), present in snapshot 2 and still alive in snapshot 3.
// With two snapshots: objects new in the second. A class takes part only when it also grew
// net from first to last snapshot (and, with three, still from the middle to the last), so
// a full cache that replaces entries and V8's own small internal churn stay quiet.
//
// A suspect is an owner, not a type:
//   class       objects of an app class (and what they dominate)
//   closure     closures made by one function literal (by its source), with what they capture
//   collection  builtins (strings, arrays, plain objects, Maps…) grouped by the collection
//               holding them: `auditLog: Array +6000 entries`
//   type        builtins with no collection above them, growing on their own
// Each group carries its own growth test: new objects still alive in each interval between
// snapshots (S1→S2 survivors, S2→S3 new ones). A group mostly dominated by another group's
// objects is listed in that group's `holds` (RequestWatcher inside the closure that captured
// it), not as a suspect of its own.
//
// Figures per suspect, all first → last snapshot:
//   countDelta        class: net growth of its object count; other groups: new objects alive at the end
//   countPerRequest   countDelta / requestsBetween; 0 when unknown
//   selfSizeDelta     class: net self-size growth; others: self size of those objects
//   retainedSizeDelta class: net retained growth; others: what those objects retain
import type { AllocationSite, Suspect } from '../../../shared/result';
import { classRetained } from './aggregate';
import { edgeSource } from './graph';
import type { HeapAnalysis, HeapDigest } from './model';
import { hasId } from './model';
import type { NameOptions } from './names';
import { edgeLabel, nodeLabel } from './names';
import { Owners, shortUrl } from './owners';
import { pathEdges } from './retained';

export interface SuspectOptions extends NameOptions {
  requestsBetween?: number;
  /** requests served when each snapshot was taken (first, [middle,] last): per-interval rates */
  snapshotRequests?: number[];
  /** smallest net object growth reported */
  minCount?: number;
  /** smallest retained-size growth reported, bytes */
  minBytes?: number;
  max?: number;
}

const STRING_CLASSES = new Set(['(string)', '(concatenated string)', '(sliced string)']);
const BUILTIN_CLASSES = new Set([
  ...STRING_CLASSES,
  'Array',
  'Object',
  'Map',
  'Set',
  '(number)',
  '(heap number)',
  '(bigint)',
  '(symbol)',
]);

/** Classes that are V8's machinery ((system), (compiled code), system / …), not the program's objects. */
export function isInternalClass(name: string): boolean {
  if (STRING_CLASSES.has(name)) return false;
  return name.startsWith('(') || name.startsWith('system / ') || name === 'InternalNode';
}

/** Strings, numbers, arrays, plain objects (`{id, at}` shapes too), Maps and Sets. */
export function isBuiltinClass(name: string): boolean {
  return BUILTIN_CLASSES.has(name) || name.startsWith('{');
}

interface ClassFigures {
  count: number;
  self: number;
  retained: number;
}

function figuresByName(a: HeapDigest): Map<string, ClassFigures> {
  const m = new Map<string, ClassFigures>();
  a.classNames.forEach((name, c) => {
    m.set(name, { count: a.totals.count[c], self: a.totals.self[c], retained: a.totals.retained[c] });
  });
  return m;
}

/** Bit per node of the last snapshot: a "survivor" (the technique's candidate set). */
export function survivorMask(first: HeapDigest, mid: HeapDigest | null, last: HeapAnalysis): Uint8Array {
  const { nodeId, nodeSelfSize, nodeCount } = last.snap;
  const mask = new Uint8Array(nodeCount);
  for (let n = 0; n < nodeCount; n++) {
    if (!nodeSelfSize[n]) continue;
    const id = nodeId[n];
    if (hasId(first, id)) continue;
    if (mid && !hasId(mid, id)) continue;
    mask[n] = 1;
  }
  return mask;
}

/** 2 per node new since the middle snapshot (S2→S3), 1 for survivors of S1→S2, 0 otherwise. */
function intervalMask(first: HeapDigest, mid: HeapDigest | null, last: HeapAnalysis): Uint8Array {
  const { nodeId, nodeSelfSize, nodeCount } = last.snap;
  const mask = new Uint8Array(nodeCount);
  for (let n = 0; n < nodeCount; n++) {
    if (!nodeSelfSize[n]) continue;
    const id = nodeId[n];
    if (hasId(first, id)) continue;
    mask[n] = !mid || hasId(mid, id) ? 1 : 2;
  }
  return mask;
}

type Kind = NonNullable<Suspect['kind']>;

interface Group {
  kind: Kind;
  cls: number;
  /** the SharedFunctionInfo (closure) or the holding collection (collection), else -1 */
  anchor: number;
  c1: number;
  c2: number;
  self: number;
  members: number[];
  owned: number;
  ownerVotes: Map<number, number>;
  holds: Map<string, number>;
}

const NONE = 0xffffffff;
const KIND_CODE: Record<Kind, number> = { class: 0, closure: 1, collection: 2, type: 3 };
const MAX_MEMBERS = 400;

/** Suspects in `last` against the first (and, for three snapshots, the middle) snapshot. */
export function findSuspects(
  first: HeapDigest,
  mid: HeapDigest | null,
  last: HeapAnalysis,
  o: SuspectOptions = {},
): Suspect[] {
  const { snap, classes, t } = last;
  const k = classes.names.length;
  const minCount = o.minCount ?? 20;
  const minBytes = o.minBytes ?? 8192;
  const phase = intervalMask(first, mid, last);
  const survivors = new Float64Array(k);
  for (let n = 0; n < snap.nodeCount; n++) if (phase[n] === 1) survivors[classes.classOf[n]]++;
  const before = figuresByName(first);
  const middle = mid ? figuresByName(mid) : null;
  // 1. classes that grew net (the gate every group's objects must pass)
  const classFig = new Map<number, { countDelta: number; selfDelta: number; retDelta: number }>();
  for (let c = 0; c < k; c++) {
    const name = classes.names[c];
    if (survivors[c] < minCount / 2 || isInternalClass(name)) continue;
    const b = before.get(name) ?? { count: 0, self: 0, retained: 0 };
    const countDelta = last.totals.count[c] - b.count;
    const retDelta = last.totals.retained[c] - b.retained;
    if (countDelta < minCount || retDelta <= 0) continue;
    if (middle) {
      // still growing between the middle and the last snapshot: a cache that filled up
      // early and then plateaued is not a leak, even though its entries survive
      const m = middle.get(name) ?? { count: 0, self: 0, retained: 0 };
      const lateGrowth = last.totals.count[c] - m.count;
      if (lateGrowth < Math.max(minCount / 2, 0.1 * countDelta)) continue;
    }
    classFig.set(c, { countDelta, selfDelta: last.totals.self[c] - b.self, retDelta });
  }
  // 2. the gate's new objects, grouped by owner
  const own = new Owners(last);
  const groupOf = new Uint32Array(snap.nodeCount).fill(NONE);
  const groups: Group[] = [];
  const byKey = new Map<number, number>();
  for (let n = 0; n < snap.nodeCount; n++) {
    if (!phase[n]) continue;
    const c = classes.classOf[n];
    if (!classFig.has(c)) continue;
    let kind: Kind = 'class';
    let anchor = -1;
    if (snap.nodeType[n] === t.closure) {
      anchor = own.sharedOf(n);
      kind = 'closure';
    } else if (isBuiltinClass(classes.names[c])) {
      anchor = containerOf(last, n);
      kind = anchor >= 0 ? 'collection' : 'type';
    }
    const key = KIND_CODE[kind] * 2 ** 32 + (anchor >= 0 ? anchor : c);
    let g = byKey.get(key);
    if (g === undefined) {
      g = groups.length;
      byKey.set(key, g);
      groups.push({
        kind,
        cls: c,
        anchor,
        c1: 0,
        c2: 0,
        self: 0,
        members: [],
        owned: 0,
        ownerVotes: new Map(),
        holds: new Map(),
      });
    }
    const gr = groups[g];
    groupOf[n] = g;
    if (phase[n] === 1) gr.c1++;
    else gr.c2++;
    gr.self += snap.nodeSelfSize[n];
    // an even-ish sample: every member until the cap, then replace by stride
    if (gr.members.length < MAX_MEMBERS) gr.members.push(n);
    else if ((gr.c1 + gr.c2) % 7 === 0) gr.members[(gr.c1 + gr.c2) % MAX_MEMBERS] = n;
  }
  // a collection's entries are the members its own edges (or its elements store's, a Map's
  // table) point at: the halves of a concatenated string, the array inside an entry object,
  // a constant string two entries share, are not entries of their own
  for (let g = 0; g < groups.length; g++) {
    const gr = groups[g];
    if (gr.kind !== 'collection') continue;
    const entries = entriesOf(last, groupOf, g, gr.anchor);
    gr.c1 = 0;
    gr.c2 = 0;
    for (const n of entries) {
      if (phase[n] === 1) gr.c1++;
      else gr.c2++;
    }
    const stride = Math.max(1, Math.floor(entries.length / MAX_MEMBERS));
    gr.members = entries.filter((_, i) => i % stride === 0).slice(0, MAX_MEMBERS);
  }
  // 3. each group's own growth test
  const passes = (g: Group) => {
    const total = g.c1 + g.c2;
    if (total < minCount) return false;
    if (!mid) return true;
    return g.c1 >= minCount / 4 && g.c2 >= Math.max(minCount / 4, 0.1 * total);
  };
  const live = groups.map(passes);
  // 4. groups mostly dominated by another group's objects belong to it
  for (let n = 0; n < snap.nodeCount; n++) {
    const g = groupOf[n];
    if (g === NONE || !live[g]) continue;
    let d = n;
    for (let step = 0; step < 6; step++) {
      d = last.idom[d];
      if (d === snap.rootOrdinal) break;
      const h = groupOf[d];
      if (h !== NONE && h !== g && live[h]) {
        const gr = groups[g];
        gr.owned++;
        gr.ownerVotes.set(h, (gr.ownerVotes.get(h) ?? 0) + 1);
        break;
      }
    }
  }
  const topOwner = (g: number): number => {
    let best = -1;
    let votes = 0;
    for (const [h, v] of groups[g].ownerVotes) if (v > votes) [best, votes] = [h, v];
    return best;
  };
  const heldBy = new Int32Array(groups.length).fill(-1);
  groups.forEach((g, i) => {
    if (live[i] && g.owned >= 0.9 * (g.c1 + g.c2)) heldBy[i] = topOwner(i);
  });
  // builtins in the same collection as a class's or closure's objects (a Map's keys beside
  // its SessionState values) belong to that suspect
  const holderGroup = new Map<number, number>();
  groups.forEach((g, i) => {
    if (!live[i] || heldBy[i] >= 0 || g.kind === 'collection' || g.kind === 'type') return;
    for (const m of g.members) {
      const c = containerOf(last, m);
      if (c >= 0 && !holderGroup.has(c)) holderGroup.set(c, i);
    }
  });
  groups.forEach((g, i) => {
    if (live[i] && heldBy[i] < 0 && g.kind === 'collection' && holderGroup.has(g.anchor))
      heldBy[i] = holderGroup.get(g.anchor) as number;
  });
  // Node's own carriers (a Timeout holding a setInterval callback) are how a closure is held,
  // not what to fix: the closure is the suspect, and the carrier is dropped
  const carrierHolds = groups.some(
    (g, i) =>
      live[i] &&
      g.kind === 'closure' &&
      g.ownerVotes.size > 0 &&
      [...g.ownerVotes.keys()].every((h) => isCarrier(groups[h])),
  );
  groups.forEach((g, i) => {
    if (!carrierHolds) return;
    if (isCarrier(g)) live[i] = false;
    else if (heldBy[i] >= 0 && isCarrier(groups[heldBy[i]])) heldBy[i] = -1;
  });
  function isCarrier(g: Group): boolean {
    return g.kind === 'class' && CARRIER_CLASSES.has(classes.names[g.cls]);
  }
  // retained size of each group's objects (members not dominated by another member)
  const gCount = groups.length + 1;
  const gIdx = new Uint32Array(snap.nodeCount);
  const gMask = new Uint8Array(snap.nodeCount);
  for (let n = 0; n < snap.nodeCount; n++) {
    const g = groupOf[n];
    gIdx[n] = g === NONE ? groups.length : g;
    gMask[n] = g === NONE ? 0 : 1;
  }
  const gRetained = classRetained(
    gIdx,
    gCount,
    snap.nodeSelfSize,
    last.retained,
    last.domFirst,
    last.domKids,
    snap.rootOrdinal,
    gMask,
  );
  const kept: number[] = [];
  groups.forEach((g, i) => {
    if (!live[i]) return;
    if (heldBy[i] >= 0) {
      // the owner at the top of the chain gets the entry
      let h = heldBy[i];
      for (let guard = 0; guard < 8 && heldBy[h] >= 0; guard++) h = heldBy[h];
      const name = groupLabel(last, own, g);
      groups[h].holds.set(name, (groups[h].holds.get(name) ?? 0) + g.c1 + g.c2);
      return;
    }
    if (gRetained[i] < minBytes && (classFig.get(g.cls)?.retDelta ?? 0) < minBytes) return;
    kept.push(i);
  });
  const rank = (i: number) =>
    groups[i].kind === 'class' ? (classFig.get(groups[i].cls)?.retDelta ?? 0) : gRetained[i];
  kept.sort((x, y) => rank(y) - rank(x) || gRetained[y] - gRetained[x]);
  const req = o.requestsBetween && o.requestsBetween > 0 ? o.requestsBetween : 0;
  return kept
    .slice(0, o.max ?? 20)
    .map((i) => describe(last, own, groups[i], gRetained[i], classFig, req, o));
}

/** Node's objects that carry a callback for the program: timers and immediates. */
const CARRIER_CLASSES = new Set(['Timeout', 'Immediate', 'TimersList']);

/** Members of group g that the container points at directly or through its internal stores. */
function entriesOf(a: HeapAnalysis, groupOf: Uint32Array, g: number, container: number): number[] {
  const { snap, t } = a;
  const out: number[] = [];
  const seen = new Set<number>();
  const visit = (n: number, depth: number) => {
    for (let e = snap.firstEdge[n], end = snap.firstEdge[n + 1]; e < end; e++) {
      if (snap.edgeType[e] === t.eWeak) continue;
      const to = snap.edgeTo[e];
      if (groupOf[to] === g) {
        if (!seen.has(to)) {
          seen.add(to);
          out.push(to);
        }
      } else if (depth === 0 && (snap.nodeType[to] === t.array || snap.nodeType[to] === t.hidden)) {
        visit(to, 1);
      }
    }
  };
  visit(container, 0);
  return out;
}

/** The collection object holding builtin n: the nearest JS object above it in the dominator tree. */
function containerOf(a: HeapAnalysis, n: number): number {
  const { snap, t } = a;
  let d = n;
  for (let step = 0; step < 4; step++) {
    d = a.idom[d];
    if (d === snap.rootOrdinal) return -1;
    const ty = snap.nodeType[d];
    if (ty === t.object || ty === t.closure) {
      const name = a.classes.names[a.classes.classOf[d]];
      if (!name.startsWith('system / ')) return d;
    }
  }
  return -1;
}

function groupLabel(a: HeapAnalysis, own: Owners, g: Group): string {
  const cls = a.classes.names[g.cls];
  if (g.kind === 'closure') {
    const src = own.source(g.members[0]);
    return `(closure) ${src.fn ? `${src.fn}() ` : ''}at ${shortUrl(src.url)}:${src.line}:${src.column}`;
  }
  return cls;
}

function describe(
  a: HeapAnalysis,
  own: Owners,
  g: Group,
  retained: number,
  classFig: Map<number, { countDelta: number; selfDelta: number; retDelta: number }>,
  req: number,
  o: SuspectOptions,
): Suspect {
  const cls = a.classes.names[g.cls];
  const paths = distinctPaths(a, own, g.members, o);
  const top = paths[0];
  const holder = top ? holderOf(a, own, top.node) : null;
  const total = g.c1 + g.c2;
  const fig = classFig.get(g.cls);
  const countDelta = g.kind === 'class' && fig ? fig.countDelta : total;
  const s: Suspect = {
    name: cls,
    countDelta,
    countPerRequest: req ? countDelta / req : 0,
    selfSizeDelta: g.kind === 'class' && fig ? fig.selfDelta : g.self,
    retainedSizeDelta: g.kind === 'class' && fig ? fig.retDelta : retained,
    retainerPath: top?.steps ?? [],
    kind: g.kind,
  };
  if (paths.length) s.retainerPaths = paths.map((p) => ({ path: p.steps, count: p.count }));
  const entries = !holder
    ? ''
    : holder.containerClass
      ? ` (${holder.containerClass}, +${total} entries)`
      : ` (+${total})`;
  if (holder) s.heldBy = `${holder.name}${entries}`;
  if (g.kind === 'closure') {
    const rep = top?.node ?? g.members[0];
    const src = own.source(rep);
    // a named function keeps its name beside its role: it is what a developer greps for
    const fn = src.fn ? `${src.fn}()` : '';
    const role = holder?.role ? (fn ? `${fn}, ${holder.role}` : holder.role) : fn || 'function';
    s.name = `(closure) ${role} at ${shortUrl(src.url)}:${src.line}:${src.column}`;
    const caps = own.captures(rep);
    if (caps.length) s.captures = caps;
    if (src.line > 0) {
      const site: AllocationSite = {
        functionName: src.fn || '(anonymous)',
        url: src.url,
        line: src.line,
        column: src.column,
        bytes: g.self,
        count: total,
      };
      s.allocatedAt = [site];
    } else s.siteNote = 'the snapshot has no source position for this function';
  } else if (g.kind === 'collection') {
    const itemClass = cls.startsWith('(') ? cls.slice(1, -1) : cls;
    s.name = `${holder?.short ?? nodeLabel(a.snap, a.t, a.classes.names[a.classes.classOf[g.anchor]], g.anchor, o)}: ${holder?.containerClass ?? a.classes.names[a.classes.classOf[g.anchor]]} +${total} entries`;
    s.holds = [{ name: itemClass, countDelta: total }];
    s.siteNote =
      'the sampling profile cannot tell which code allocated builtin objects (they have no constructor frame): see where they are held';
  } else if (g.kind === 'type') {
    s.siteNote =
      'the sampling profile cannot tell which code allocated builtin objects (they have no constructor frame)';
  }
  if (g.holds.size) {
    const held = [...g.holds.entries()].map(([name, countDelta]) => ({ name, countDelta }));
    s.holds = [...(s.holds ?? []), ...held].sort((x, y) => y.countDelta - x.countDelta).slice(0, 8);
  }
  s.growth = growthOf(g, o);
  return s;
}

function growthOf(g: Group, o: SuspectOptions): NonNullable<Suspect['growth']> {
  const at = o.snapshotRequests;
  const span = o.requestsBetween ?? 0;
  const counts = at && at.length === 3 ? [g.c1, g.c2] : [g.c1 + g.c2];
  const reqs = at && at.length >= 2 ? at.slice(1).map((r, i) => Math.max(0, r - at[i])) : [Math.max(span, 0)];
  const intervals = counts.map((count, i) => {
    const requests = reqs[i] ?? 0;
    return { requests, count, perRequest: requests > 0 ? count / requests : 0 };
  });
  const rates = intervals.map((x) => x.perRequest);
  return { intervals, range: [Math.min(...rates), Math.max(...rates)] };
}

interface RankedPath {
  steps: string[];
  count: number;
  node: number;
}

/** Up to 3 distinct ranked paths over a sample of the group's objects, most objects first. */
function distinctPaths(a: HeapAnalysis, own: Owners, members: number[], o: NameOptions): RankedPath[] {
  const bySig = new Map<string, RankedPath>();
  for (const n of members) {
    if (a.distance[n] < 0) continue;
    const steps = rankedSteps(a, own, n, o);
    if (!steps.length) continue;
    const sig = steps
      .map((x) => (/^\[\d+\]$/.test(x) ? '[]' : x.replace(/ \(×\d+\)$/, ' (×)')))
      .join('\u0000');
    const p = bySig.get(sig);
    if (p) p.count++;
    else bySig.set(sig, { steps, count: 1, node: n });
  }
  return [...bySig.values()].sort((x, y) => y.count - x.count).slice(0, 3);
}

/**
 * The ranked path to n as readable steps, the holder's own name first: from the deepest
 * module-scope variable on it (`demo-orders.js (module) → auditLog → [3054] → OrderAuditEntry`),
 * else from the GC roots. Property/variable names and [index] steps; V8-internal hops
 * collapse into '…'; the last step is the object itself.
 */
export function rankedSteps(a: HeapAnalysis, own: Owners, n: number, o: NameOptions = {}): string[] {
  const { snap, t } = a;
  const edges = pathEdges(snap, a.parentEdge, n);
  if (!edges.length) return [];
  let from = 0;
  let head = '(GC roots)';
  for (let i = edges.length - 1; i > 0; i--) {
    if (snap.edgeType[edges[i]] !== t.eContext) continue;
    const url = own.moduleOf(edgeSource(snap, edges[i]));
    if (url) {
      from = i;
      head = `${shortUrl(url)} (module)`;
      break;
    }
  }
  return renderSteps(a, edges, from, head, n, o);
}

function renderSteps(
  a: HeapAnalysis,
  edges: number[],
  from: number,
  head: string,
  n: number,
  o: NameOptions,
): string[] {
  const { snap, t } = a;
  const steps = [head];
  // a linked list (a timer list's _idleNext → _idleNext → …) reads as one step with a count
  let repeat = 1;
  const push = (s: string) => {
    const prev = steps[steps.length - 1];
    if (s === '…' && prev === '…') return;
    const base = prev?.replace(/ \(×\d+\)$/, '');
    if (s === base && !/^\[\d+\]$/.test(s)) {
      repeat++;
      steps[steps.length - 1] = `${s} (×${repeat})`;
      return;
    }
    repeat = 1;
    steps.push(s);
  };
  for (let i = from; i < edges.length; i++) {
    const e = edges[i];
    const to = snap.edgeTo[e];
    const ty = snap.edgeType[e];
    if (i === 0) {
      // the first hop leaves the synthetic root: name the object reached (global, …)
      if (snap.nodeType[to] === t.synthetic) continue;
      push(nodeLabel(snap, t, a.classes.names[a.classes.classOf[to]], to, o));
      continue;
    }
    const numbered = ty === t.eInternal && /^\d+$/.test(snap.strings.get(snap.edgeName[e]));
    if (i === edges.length - 1 || numbered || ty === t.eProperty || ty === t.eElement || ty === t.eContext) {
      push(edgeLabel(snap, t, e));
    } else {
      push('…');
    }
  }
  steps.push(nodeLabel(snap, t, a.classes.names[a.classes.classOf[n]], n, o));
  return steps;
}

interface Holder {
  /** holder first: 'demo-orders.js › auditLog', 'SessionStore.sessions', 'bus › 'config-changed' listeners' */
  name: string;
  /** the variable or property alone: 'auditLog' */
  short: string;
  containerClass: string;
  /** for closures: "bus.on('config-changed') handler", 'setInterval callback' */
  role?: string;
}

/**
 * Who holds n: walking its ranked path up from n past index steps and V8 internals, the
 * first named edge (a property or a variable). Named as its module + variable, or its
 * class + property, with the module variable it hangs from when there is one.
 */
function holderOf(a: HeapAnalysis, own: Owners, n: number): Holder | null {
  const { snap, t, classes } = a;
  const edges = pathEdges(snap, a.parentEdge, n);
  if (!edges.length) return null;
  const label = (e: number) => snap.strings.get(snap.edgeName[e]);
  const clsOf = (x: number) => nodeLabel(snap, t, classes.names[classes.classOf[x]], x, {});
  // a timer's callback: held by the timer list, which is exactly what to say
  const onTimeout = edges.findIndex((e) => snap.edgeType[e] === t.eProperty && label(e) === '_onTimeout');
  if (onTimeout >= 0 && onTimeout === edges.length - 1) {
    const timeout = edgeSource(snap, edges[onTimeout]);
    const rep = own.target(timeout, '_repeat');
    const interval = rep < 0 || clsOf(rep) !== 'null';
    const kind = interval ? 'setInterval' : 'setTimeout';
    return {
      name: `${kind} timers (Timeout._onTimeout)`,
      short: '_onTimeout',
      containerClass: '',
      role: `${kind} callback`,
    };
  }
  let i = edges.length - 1;
  // skip the index step(s) and internal hops just above the object
  while (i > 0) {
    const ty = snap.edgeType[edges[i]];
    const named = (ty === t.eProperty || ty === t.eContext) && !/^\d+$/.test(label(edges[i]));
    if (named) break;
    i--;
  }
  if (i <= 0) return null;
  const e = edges[i];
  const holderNode = snap.edgeTo[e];
  const src = edgeSource(snap, e);
  const prop = label(e);
  let containerClass = clsOf(holderNode);
  if (i === edges.length - 1) containerClass = clsOf(src);
  // an emitter's listeners: bus → _events → 'config-changed' → [i]
  if (i > 0 && snap.edgeType[edges[i - 1]] === t.eProperty && label(edges[i - 1]) === '_events') {
    const emitterEdge = edges[i - 2];
    const emitter = emitterEdge !== undefined ? label(emitterEdge) : clsOf(edgeSource(snap, edges[i - 1]));
    const where = emitterEdge !== undefined ? moduleName(a, own, emitterEdge) : '';
    return {
      name: `${where}${emitter} › '${prop}' listeners`,
      short: `${emitter}._events['${prop}']`,
      containerClass: '',
      role: `${emitter}.on('${prop}') handler`,
    };
  }
  if (snap.edgeType[e] === t.eContext) {
    const url = own.moduleOf(src);
    if (url) return { name: `${shortUrl(url)} › ${prop}`, short: prop, containerClass };
    return { name: `${prop} (a closure's variable)`, short: prop, containerClass };
  }
  const owner = clsOf(src);
  const ownerName = owner === 'Object' || owner.startsWith('{') ? prop : `${owner}.${prop}`;
  // the module variable the owning object hangs from, when the path has one
  for (let j = i - 1; j > 0; j--) {
    if (snap.edgeType[edges[j]] !== t.eContext) continue;
    const url = own.moduleOf(edgeSource(snap, edges[j]));
    if (url)
      return { name: `${shortUrl(url)} › ${label(edges[j])} › ${ownerName}`, short: prop, containerClass };
  }
  return { name: ownerName, short: prop, containerClass };
}

function moduleName(a: HeapAnalysis, own: Owners, e: number): string {
  if (a.snap.edgeType[e] !== a.t.eContext) return '';
  const url = own.moduleOf(edgeSource(a.snap, e));
  return url ? `${shortUrl(url)} › ` : '';
}

/** The ranked path from the GC roots to node n, every step (the retainer view's full path). */
export function retainerPath(a: HeapAnalysis, n: number, o: NameOptions = {}): string[] {
  if (n < 0) return [];
  const edges = pathEdges(a.snap, a.parentEdge, n);
  if (!edges.length) return [];
  return renderSteps(a, edges, 0, '(GC roots)', n, o);
}
