// DevTools' Comparison view between two snapshots of one process, matched by node id:
// per class, objects new in B, objects gone since A, and the size and retained deltas.
import type { DiffRow } from '../../../shared/api';
import type { HeapDigest } from './model';
import { hasId } from './model';

interface Acc {
  added: number;
  deleted: number;
  addedSize: number;
  deletedSize: number;
}

/** Comparison of snapshot b against an earlier snapshot a of the same process. */
export function diffSnapshots(a: HeapDigest, b: HeapDigest, requestsBetween?: number): DiffRow[] {
  const acc = new Map<string, Acc>();
  const get = (name: string) => {
    let x = acc.get(name);
    if (!x) {
      x = { added: 0, deleted: 0, addedSize: 0, deletedSize: 0 };
      acc.set(name, x);
    }
    return x;
  };
  // per-class counters in typed arrays first, names only at the end
  const tally = (from: HeapDigest, other: HeapDigest) => {
    const k = from.classNames.length;
    const count = new Float64Array(k);
    const size = new Float64Array(k);
    const { ids, self, cls } = from;
    for (let i = 0; i < ids.length; i++) {
      const sz = self[i];
      if (!sz || hasId(other, ids[i])) continue;
      count[cls[i]]++;
      size[cls[i]] += sz;
    }
    return { count, size };
  };
  const added = tally(b, a);
  const deleted = tally(a, b);
  b.classNames.forEach((name, c) => {
    if (!added.count[c]) return;
    const x = get(name);
    x.added += added.count[c];
    x.addedSize += added.size[c];
  });
  a.classNames.forEach((name, c) => {
    if (!deleted.count[c]) return;
    const x = get(name);
    x.deleted += deleted.count[c];
    x.deletedSize += deleted.size[c];
  });
  const retA = new Map<string, number>();
  a.classNames.forEach((name, c) => {
    retA.set(name, a.totals.retained[c]);
  });
  const retB = new Map<string, number>();
  b.classNames.forEach((name, c) => {
    retB.set(name, b.totals.retained[c]);
  });
  const req = requestsBetween && requestsBetween > 0 ? requestsBetween : null;
  const rows: DiffRow[] = [];
  for (const [name, x] of acc) {
    const countDelta = x.added - x.deleted;
    rows.push({
      name,
      added: x.added,
      deleted: x.deleted,
      countDelta,
      perRequest: req ? countDelta / req : null,
      selfSizeDelta: x.addedSize - x.deletedSize,
      retainedSizeDelta: (retB.get(name) ?? 0) - (retA.get(name) ?? 0),
    });
  }
  rows.sort((p, q) => q.selfSizeDelta - p.selfSizeDelta || q.countDelta - p.countDelta);
  return rows;
}
