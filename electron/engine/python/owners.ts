// Python suspects as owners, the counterpart of heap/suspects.ts' grouping: a class named with
// what its new instances keep alive (the agent's owned-bytes measure, not the shallow size),
// the builtins inside it (the set in each AuditEvent, the str in each SessionState) listed in
// it instead of as suspects of their own, builtins held by a module global named by that
// collection (`_sessions: dict +2400 entries`), and referrer chains written holder first:
// `owner_app › SESSION_STATES › dict[<str>] › SessionState`. Pure.
import type { Suspect } from '../../../shared/result';
import type { PyInspected } from './types';

export interface RawPySuspect extends Suspect {
  /** 'module:qualname' */
  key: string;
  library: boolean;
  inspected: PyInspected | null;
}

const builtin = (key: string) => key.startsWith('builtins:');

/** One agent chain step: 'AUDIT_LOG (list)' → label AUDIT_LOG, type list; '[3]' → label only. */
function step(s: string): { label: string; type: string | null } {
  const m = /^(.*) \(([^()]+)\)$/.exec(s);
  return m ? { label: m[1], type: m[2] } : { label: s, type: null };
}

/**
 * The agent's chain as steps a person reads, holder first: the module, its global (or a
 * class attribute as Class.attr), container[key] steps, instance.attribute steps, the type.
 */
export function pythonPathSteps(chain: string[]): string[] {
  if (chain.length < 2) return chain.slice();
  const head = step(chain[0]);
  const out = [head.type === 'module' ? head.label : chain[0]];
  let prevType: string | null = head.type;
  let prevLabel = '';
  // after a __dict__ step: the class (its step is replaced by Class.attr) or instance type
  let dictOf: { name: string; replace: boolean } | null = null;
  for (const raw of chain.slice(1, -1)) {
    const { label, type } = step(raw);
    if (label === '__dict__') {
      dictOf =
        prevType === 'type' ? { name: prevLabel, replace: true } : { name: prevType ?? '', replace: false };
      continue;
    }
    if (dictOf && !label.startsWith('[')) {
      const named = `${dictOf.name}.${label.replace(/^\./, '')}`;
      if (dictOf.replace) out[out.length - 1] = named;
      else out.push(named);
    } else if (label.startsWith('[') || label.startsWith('.')) out.push(`${prevType ?? ''}${label}`);
    else out.push(label);
    dictOf = null;
    prevType = type;
    prevLabel = label;
  }
  out.push(chain[chain.length - 1]);
  return out;
}

/** 'owner_app › SESSION_STATES' and its container type, from the readable steps. */
function holderOf(steps: string[], chain: string[]): { name: string; short: string; type: string } | null {
  if (chain.length < 3 || !chain[0].endsWith(' (module)')) return null;
  const { type } = step(chain[chain[1].startsWith('__dict__') ? 2 : 1]);
  const short = steps[1];
  if (!short || short.startsWith('[')) return null;
  let containerType = type ?? '';
  // a class attribute: Registry (type) → __dict__ (dict) → subscriptions (list)
  if (containerType === 'type') {
    const attr = chain.slice(2).find((s) => !s.startsWith('__dict__'));
    containerType = (attr && step(attr).type) || containerType;
  }
  return { name: `${steps[0]} › ${short}`, short: short.replace(/^.*\./, ''), type: containerType };
}

const ownerIn = (chain: string[], short: string) => chain.some((s, i) => i > 0 && step(s).type === short);

/** Owners, folded builtins, readable paths; order kept (app classes first). */
export function ownPythonSuspects(raw: RawPySuspect[]): Suspect[] {
  const shortOf = (s: RawPySuspect) => s.key.slice(s.key.indexOf(':') + 1);
  const out: RawPySuspect[] = [];
  const collections = new Map<string, RawPySuspect>();
  // classes (app and library) first, so builtins can find them
  const classes = raw.filter((s) => !builtin(s.key));
  for (const s of classes) {
    const chain = s.inspected?.path ?? [];
    const steps = pythonPathSteps(chain);
    const holder = holderOf(steps, chain);
    s.kind = 'class';
    if (chain.length) s.retainerPath = steps;
    if (holder) s.heldBy = `${holder.name} (${holder.type}, +${s.countDelta} entries)`;
    const owned = s.inspected?.ownedBytes;
    if (owned && owned > 0) s.retainedSizeDelta = Math.max(s.selfSizeDelta, s.countDelta * owned);
    out.push(s);
  }
  // what each raw suspect became in the output (a builtin held by a global became its collection)
  const emitted = new Map<RawPySuspect, RawPySuspect>(classes.map((c) => [c, c]));
  // builtins with a chain first: the chainless ones may be owned by one of them
  const builtins = raw.filter((s) => builtin(s.key));
  const chained = (s: RawPySuspect) => (s.inspected?.path?.length ?? 0) > 0;
  for (const b of [...builtins.filter(chained), ...builtins.filter((s) => !chained(s))]) {
    const chain = b.inspected?.path ?? [];
    const steps = pythonPathSteps(chain);
    const holder = holderOf(steps, chain);
    // inside a class suspect's instances (the set in each AuditEvent), or beside them in the
    // same collection (the keys of the dict holding SessionStates)
    const owner =
      classes.find((c) => ownerIn(chain, shortOf(c))) ??
      (holder ? classes.find((c) => c.heldBy?.startsWith(`${holder.name} (`)) : undefined) ??
      (chain.length ? undefined : emitted.get(ownedBy(raw, b) as RawPySuspect));
    if (owner) {
      addHold(owner, b.name, b.countDelta);
      // the agent's owned bytes already count what each instance keeps alive
      if (!owner.inspected?.ownedBytes) owner.retainedSizeDelta += b.selfSizeDelta;
      emitted.set(b, owner);
      continue;
    }
    if (holder) {
      const prev = collections.get(holder.name);
      if (prev) {
        addHold(prev, b.name, b.countDelta);
        prev.retainedSizeDelta += b.retainedSizeDelta;
        prev.selfSizeDelta += b.selfSizeDelta;
        emitted.set(b, prev);
        continue;
      }
      const c: RawPySuspect = {
        ...b,
        name: `${holder.short}: ${holder.type} +${b.countDelta} entries`,
        kind: 'collection',
        heldBy: `${holder.name} (${holder.type}, +${b.countDelta} entries)`,
        retainerPath: steps,
        holds: [{ name: b.name, countDelta: b.countDelta }],
      };
      const owned = b.inspected?.ownedBytes;
      if (owned && owned > 0) c.retainedSizeDelta = Math.max(c.selfSizeDelta, b.countDelta * owned);
      collections.set(holder.name, c);
      emitted.set(b, c);
      out.push(c);
      continue;
    }
    // grows on its own: no owner and no holder the agent could find
    b.kind = 'type';
    if (chain.length) b.retainerPath = steps;
    emitted.set(b, b);
    out.push(b);
  }
  // back in the given order (app classes first, then by bytes), whichever pass emitted them
  const rank = new Map<RawPySuspect, number>();
  for (const [i, s] of raw.entries()) {
    const o = emitted.get(s) ?? s;
    if (!rank.has(o)) rank.set(o, i);
  }
  out.sort((a, b) => (rank.get(a) ?? 0) - (rank.get(b) ?? 0));
  return out.map(({ key: _k, library: _l, inspected: _i, ...s }) => s);
}

/**
 * The suspect whose new instances own this builtin's growth, by the agent's owned walk: at
 * least half of the builtin's new objects are accounted for by that suspect's instances × how
 * many of this type one of them owns. For builtins no referrer chain reaches (the str and
 * float inside untracked dicts, which gc cannot find referrers for).
 */
function ownedBy(raw: RawPySuspect[], b: RawPySuspect): RawPySuspect | undefined {
  let best: RawPySuspect | undefined;
  let bestShare = 0.5;
  for (const s of raw) {
    if (s === b) continue;
    const per = s.inspected?.ownedTypes?.[b.key] ?? 0;
    const share = b.countDelta > 0 ? (per * s.countDelta) / b.countDelta : 0;
    if (share >= bestShare) {
      best = s;
      bestShare = share;
    }
  }
  return best;
}

function addHold(s: Suspect, name: string, countDelta: number): void {
  s.holds = [...(s.holds ?? []), { name, countDelta }]
    .sort((x, y) => y.countDelta - x.countDelta)
    .slice(0, 8);
}
