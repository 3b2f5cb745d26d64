// Worker thread behind the analysis.* API methods: parses and analyses snapshots on
// first use and keeps a few in memory, so clicking through classes, instances and
// retainers is answered from typed arrays without re-parsing.
import { statSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { UserError } from '../errors';
import { diffSnapshots } from '../heap/diff';
import { analyzeSnapshot, digestOf, type HeapAnalysis, type HeapDigest } from '../heap/model';
import { parseSnapshot } from '../heap/parse';
import { HeapQueries } from '../heap/queries';
import type { AnalysisRequest, AnalysisResponse } from './protocol';

interface Loaded {
  mtimeMs: number;
  /** diff rows against earlier snapshots, by their file */
  diffs: Map<string, unknown>;
  a: HeapAnalysis;
  digest?: HeapDigest;
  q?: HeapQueries;
  qReveal?: HeapQueries;
  lastUsed: number;
}

/** Three snapshots = one run's set; a fourth evicts the least recently used. */
const MAX_LOADED = 3;
const cache = new Map<string, Promise<Loaded>>();
let clock = 0;

async function load(file: string): Promise<Loaded> {
  const mtimeMs = statSync(file).mtimeMs;
  const hit = cache.get(file);
  if (hit) {
    const l = await hit;
    if (l.mtimeMs === mtimeMs) {
      l.lastUsed = ++clock;
      return l;
    }
    cache.delete(file);
  }
  const p = (async () => {
    const snap = await parseSnapshot(file);
    return { mtimeMs, a: analyzeSnapshot(snap), lastUsed: ++clock, diffs: new Map() } as Loaded;
  })();
  cache.set(file, p);
  p.catch(() => cache.delete(file));
  const l = await p;
  if (cache.size > MAX_LOADED) {
    const entries = await Promise.all([...cache.entries()].map(async ([f, v]) => [f, await v] as const));
    entries.sort((x, y) => x[1].lastUsed - y[1].lastUsed);
    for (const [f] of entries.slice(0, cache.size - MAX_LOADED)) cache.delete(f);
  }
  return l;
}

function queries(l: Loaded, reveal: boolean): HeapQueries {
  if (reveal) {
    l.qReveal ??= new HeapQueries(l.a, { revealStrings: true });
    return l.qReveal;
  }
  l.q ??= new HeapQueries(l.a, {});
  return l.q;
}

function digest(l: Loaded): HeapDigest {
  l.digest ??= digestOf(l.a);
  return l.digest;
}

async function handle(m: AnalysisRequest): Promise<unknown> {
  switch (m.op) {
    case 'diff': {
      const [a, b] = [await load(m.fromFile), await load(m.toFile)];
      const key = `${m.fromFile}\0${m.requestsBetween}`;
      let rows = b.diffs.get(key);
      if (!rows) {
        rows = diffSnapshots(digest(a), digest(b), m.requestsBetween ?? undefined);
        b.diffs.set(key, rows);
      }
      return { rows, requestsBetween: m.requestsBetween };
    }
    case 'instances': {
      const l = await load(m.file);
      const base = m.onlyNew && m.baseFile ? (await load(m.baseFile)).a : undefined;
      return queries(l, m.revealStrings).instances(m.name, {
        offset: m.offset,
        limit: m.limit,
        newSince: base,
      });
    }
    case 'retainers': {
      const l = await load(m.file);
      return queries(l, m.revealStrings).retainers(m.nodeId);
    }
    case 'forget':
      for (const f of m.files) cache.delete(f);
      return null;
  }
}

parentPort?.on('message', (m: AnalysisRequest) => {
  handle(m).then(
    (value) => parentPort?.postMessage({ seq: m.seq, ok: true, value } satisfies AnalysisResponse),
    (e: unknown) =>
      parentPort?.postMessage({
        seq: m.seq,
        ok: false,
        message: e instanceof Error ? e.message : String(e),
        user: e instanceof UserError || (e instanceof Error && e.name === 'UserError'),
      } satisfies AnalysisResponse),
  );
});
