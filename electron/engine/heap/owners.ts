// What owns a grown object, in words a developer can search for: a closure by the place it
// was created and what its context captures, a collection by the variable or property that
// holds it, and the module a context variable belongs to. Read from the graph only: a
// closure's `shared` → `script_or_debug_info` is its Script (named by its URL), its
// `context` holds the captured variables, and the snapshot's `locations` give the line.
import path from 'node:path';
import type { HeapAnalysis } from './model';
import { nodeLabel } from './names';

export interface ClosureSource {
  fn: string;
  url: string;
  /** 1-based, 0 when the snapshot has no location for it */
  line: number;
  column: number;
}

/** Per-analysis lookups built once: closure locations, context → module URL. */
export class Owners {
  private locs: Map<number, number> | null = null;
  private ctxUrl: Map<number, string> | null = null;
  private names = new Map<string, Int8Array>();

  constructor(readonly a: HeapAnalysis) {}

  /** The first edge of n (internal/context/property) with this name, or -1. */
  edgeNamed(n: number, name: string): number {
    const { firstEdge, edgeName, strings } = this.a.snap;
    let mark = this.names.get(name);
    if (!mark) {
      mark = new Int8Array(strings.count);
      this.names.set(name, mark);
    }
    for (let e = firstEdge[n], end = firstEdge[n + 1]; e < end; e++) {
      const i = edgeName[e];
      if (this.a.snap.edgeType[e] === this.a.t.eElement || this.a.snap.edgeType[e] === this.a.t.eHidden)
        continue;
      if (!mark[i]) mark[i] = strings.get(i) === name ? 1 : 2;
      if (mark[i] === 1) return e;
    }
    return -1;
  }

  target(n: number, name: string): number {
    const e = this.edgeNamed(n, name);
    return e < 0 ? -1 : this.a.snap.edgeTo[e];
  }

  /** The script URL a closure was compiled from ('' when the snapshot does not say). */
  scriptUrl(closure: number): string {
    const shared = this.target(closure, 'shared');
    if (shared < 0) return '';
    let script = this.target(shared, 'script_or_debug_info');
    if (script < 0) script = this.target(shared, 'script');
    if (script < 0) return '';
    const s = this.a.snap;
    if (s.nodeType[script] !== this.a.t.code) return '';
    const url = s.strings.get(s.nodeName[script]);
    return url.startsWith('system /') ? '' : url;
  }

  source(closure: number): ClosureSource {
    const s = this.a.snap;
    if (!this.locs) {
      this.locs = new Map();
      const l = s.locations;
      if (l) for (let i = 0; i + 3 < l.length; i += 4) this.locs.set(l[i], i);
    }
    const at = this.locs.get(closure);
    const fn = s.strings.get(s.nodeName[closure]);
    const url = this.scriptUrl(closure);
    if (at === undefined || !s.locations) return { fn, url, line: 0, column: 0 };
    return { fn, url, line: s.locations[at + 2] + 1, column: s.locations[at + 3] + 1 };
  }

  /** Shared function info of a closure: the same for every closure made by one function literal. */
  sharedOf(closure: number): number {
    return this.target(closure, 'shared');
  }

  /** Variables a closure's own context holds: ['w: RequestWatcher']. */
  captures(closure: number, max = 6): string[] {
    const ctx = this.target(closure, 'context');
    if (ctx < 0) return [];
    const { snap, t, classes } = this.a;
    const out: string[] = [];
    for (let e = snap.firstEdge[ctx], end = snap.firstEdge[ctx + 1]; e < end && out.length < max; e++) {
      if (snap.edgeType[e] !== t.eContext) continue;
      const to = snap.edgeTo[e];
      const name = snap.strings.get(snap.edgeName[e]);
      if (name === 'this' || name === '.this_function') continue;
      out.push(`${name}: ${nodeLabel(snap, t, classes.names[classes.classOf[to]], to, {})}`);
    }
    return out;
  }

  /**
   * The module URL of a context that is a module's top-level scope (a CommonJS wrapper's or
   * an ES module's), else ''. A context is mapped to a script by the closures made in it; the
   * top-level one is the outermost with that script on its `previous` chain.
   */
  moduleOf(ctx: number): string {
    if (!this.ctxUrl) this.ctxUrl = this.contextUrls();
    const url = this.ctxUrl.get(ctx);
    if (!url) return '';
    const prev = this.target(ctx, 'previous');
    return prev >= 0 && this.ctxUrl.get(prev) === url ? '' : url;
  }

  private contextUrls(): Map<number, string> {
    const { snap, t } = this.a;
    const m = new Map<number, string>();
    for (let n = 0; n < snap.nodeCount; n++) {
      if (snap.nodeType[n] !== t.closure) continue;
      const ctx = this.target(n, 'context');
      if (ctx < 0 || m.has(ctx)) continue;
      const url = this.scriptUrl(n);
      if (!url) continue;
      // the closure's context and the contexts it is nested in, while they are unmapped
      // (a NativeContext, type hidden, ends the chain: every module shares it)
      for (
        let c = ctx, guard = 0;
        c >= 0 && snap.nodeType[c] === t.object && !m.has(c) && guard < 32;
        guard++
      ) {
        m.set(c, url);
        c = this.target(c, 'previous');
      }
    }
    return m;
  }
}

export function shortUrl(url: string): string {
  if (!url) return '(unknown file)';
  const u = url.replace(/^file:\/\//, '');
  return path.basename(u);
}
