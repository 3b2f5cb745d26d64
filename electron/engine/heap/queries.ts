// Questions the UI and the reports ask of an analysed snapshot, answered from the typed
// arrays without re-parsing: class summary pages, instances of a class, one level of
// retainers (expanded lazily), the path to a root, dominated children.
import fs from 'node:fs';
import path from 'node:path';
import type { RetainerNode } from '../../../shared/api';
import { UserError } from '../errors';
import type { ClassSummaryRow } from './aggregate';
import { loadAnalysis, saveAnalysis } from './cache';
import type { Retainers } from './graph';
import { buildRetainers } from './graph';
import type { HeapAnalysis } from './model';
import { analyzeSnapshot, classSummary, hasId, ordinalOfId } from './model';
import type { NameOptions } from './names';
import { edgeLabel, nodeLabel } from './names';
import { parseSnapshot } from './parse';
import { NO_DISTANCE, pathEdges } from './retained';
import { retainerPath } from './suspects';

export type SummarySort = 'retainedSize' | 'selfSize' | 'count' | 'name' | 'distance';

export interface Page<T> {
  total: number;
  items: T[];
}

export class HeapQueries {
  private retainersIndex: Retainers | null = null;
  private summaryCache: ClassSummaryRow[] | null = null;

  constructor(
    readonly a: HeapAnalysis,
    readonly names: NameOptions = {},
  ) {}

  get nodeCount(): number {
    return this.a.snap.nodeCount;
  }

  classSummary(
    o: { offset?: number; limit?: number; sortBy?: SummarySort; ascending?: boolean; filter?: string } = {},
  ): Page<ClassSummaryRow> {
    this.summaryCache ??= classSummary(this.a);
    let rows = this.summaryCache;
    if (o.filter) {
      const f = o.filter.toLowerCase();
      rows = rows.filter((r) => r.name.toLowerCase().includes(f));
    }
    const key = o.sortBy ?? 'retainedSize';
    const dir = o.ascending ? 1 : -1;
    rows = rows.slice().sort((x, y) => {
      const d = key === 'name' ? x.name.localeCompare(y.name) : x[key] - y[key];
      return d * dir || x.name.localeCompare(y.name);
    });
    const offset = o.offset ?? 0;
    return { total: rows.length, items: rows.slice(offset, offset + (o.limit ?? 100)) };
  }

  /** Objects of a class, largest retained first; `newSince` keeps only ids absent from that snapshot. */
  instances(
    name: string,
    o: { offset?: number; limit?: number; newSince?: Pick<HeapAnalysis, 'sortedIds'> } = {},
  ): Page<RetainerNode> {
    const { classes, snap } = this.a;
    const c = classes.names.indexOf(name);
    if (c < 0) return { total: 0, items: [] };
    const picked: number[] = [];
    for (let n = 0; n < snap.nodeCount; n++) {
      if (classes.classOf[n] !== c || !snap.nodeSelfSize[n]) continue;
      if (o.newSince && hasId(o.newSince, snap.nodeId[n])) continue;
      picked.push(n);
    }
    const ret = this.a.retained;
    picked.sort((x, y) => ret[y] - ret[x] || x - y);
    const offset = o.offset ?? 0;
    const items = picked.slice(offset, offset + (o.limit ?? 100)).map((n) => this.row(n, -1));
    return { total: picked.length, items };
  }

  /** One level of retainers of the object with this id, weak edges included and marked. */
  retainers(nodeId: number): RetainerNode[] {
    const n = this.ordinal(nodeId);
    this.retainersIndex ??= buildRetainers(this.a.snap);
    const r = this.retainersIndex;
    const out: RetainerNode[] = [];
    for (let k = r.first[n]; k < r.first[n + 1]; k++) out.push(this.row(r.nodes[k], r.edges[k]));
    const rank = (x: RetainerNode) => (x.weak ? 1 : 0) * 1e12 + (x.distance < 0 ? 1e11 : x.distance);
    out.sort((x, y) => rank(x) - rank(y));
    return out;
  }

  /** Objects the given one dominates (what freeing it would free), largest first. */
  dominated(nodeId: number, limit = 100): RetainerNode[] {
    const n = this.ordinal(nodeId);
    const { domFirst, domKids, retained } = this.a;
    const kids = Array.from(domKids.subarray(domFirst[n], domFirst[n + 1]));
    kids.sort((x, y) => retained[y] - retained[x]);
    return kids.slice(0, limit).map((k) => this.row(k, -1));
  }

  /** Shortest non-weak path from the root to the object: the first item is nearest the root. */
  pathToRoot(nodeId: number): RetainerNode[] {
    const n = this.ordinal(nodeId);
    const edges = pathEdges(this.a.snap, this.a.parentEdge, n);
    return edges.map((e) => this.row(this.a.snap.edgeTo[e], e));
  }

  /** The same path as readable steps (what suspects carry). */
  pathNames(nodeId: number): string[] {
    return retainerPath(this.a, this.ordinal(nodeId), this.names);
  }

  node(nodeId: number): RetainerNode {
    return this.row(this.ordinal(nodeId), -1);
  }

  private ordinal(nodeId: number): number {
    const n = ordinalOfId(this.a, nodeId);
    if (n < 0)
      throw new UserError(
        `no object with id @${nodeId} in this snapshot; ids come from the same snapshot's views`,
      );
    return n;
  }

  /**
   * A node as a row. With an edge, the row describes the edge's source (a retainer)
   * when the edge points elsewhere, or the edge's target for path steps.
   */
  private row(n: number, e: number): RetainerNode {
    const { snap, t, classes, retained, distance } = this.a;
    const cls = classes.names[classes.classOf[n]];
    let edge = '';
    let edgeType = '';
    let weak = false;
    if (e >= 0) {
      edge = edgeLabel(snap, t, e);
      edgeType = snap.edgeTypeNames[snap.edgeType[e]] ?? '';
      weak = snap.edgeType[e] === t.eWeak;
    }
    const d = distance[n];
    return {
      nodeId: snap.nodeId[n],
      name: nodeLabel(snap, t, cls, n, this.names),
      type: snap.nodeTypeNames[snap.nodeType[n]] ?? '',
      edge,
      edgeType,
      selfSize: snap.nodeSelfSize[n],
      retainedSize: retained[n],
      distance: d === NO_DISTANCE ? -1 : d,
      weak,
    };
  }
}

// A couple of analysed snapshots kept open for the UI's follow-up questions; keyed by
// path, size and mtime so a rewritten file is analysed again.
const open = new Map<string, Promise<HeapQueries>>();
const OPEN_MAX = 2;

/** Parse and analyse one snapshot in this thread (cached), for interactive queries. */
export function openSnapshot(file: string, names: NameOptions = {}): Promise<HeapQueries> {
  let key: string;
  try {
    const st = fs.statSync(file);
    key = `${path.resolve(file)}|${st.size}|${st.mtimeMs}|${names.revealStrings ? 1 : 0}`;
  } catch {
    return Promise.reject(new UserError(`${file} does not exist or cannot be read; check the path`));
  }
  let p = open.get(key);
  if (!p) {
    p = (async () => {
      let a = loadAnalysis(file);
      if (!a) {
        a = analyzeSnapshot(await parseSnapshot(file));
        saveAnalysis(a);
      }
      return new HeapQueries(a, names);
    })();
    p.catch(() => open.delete(key));
    open.set(key, p);
    while (open.size > OPEN_MAX) open.delete(open.keys().next().value as string);
  }
  return p;
}

/** Ids of one snapshot, to mark objects "new" in another (instances with onlyNew). */
export async function snapshotIds(file: string): Promise<Pick<HeapAnalysis, 'sortedIds'>> {
  return (await openSnapshot(file)).a;
}
