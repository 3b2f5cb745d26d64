// On-disk cache of an analysed snapshot (`<file>.lhidx`): the parsed columns, the strings
// bytes and the immediate dominators, dumped as raw typed arrays behind a JSON header. Reopening
// reads them back and redoes only the cheap steps (retained sizes, distances, classes,
// id index), skipping the parse and the dominator computation. Stale when the snapshot's
// size or mtime changed.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { classTotals, computeClasses } from './aggregate';
import { dominatedChildren, retainedSizes, treePreorder } from './dominators';
import { WeakMapEdgeNames } from './graph';
import type { HeapAnalysis } from './model';
import { sortedIdsOf } from './model';
import { rankParents } from './ranked-paths';
import { computeDistances } from './retained';
import type { HeapSnapshot } from './snapshot';
import { typeCodes } from './snapshot';
import { StringTable } from './strings';

// 2: closures' source locations are kept
const MAGIC = 'LHIDX2';
type Arr = Uint8Array | Uint32Array | Float64Array;

interface Header {
  magic: string;
  source: { size: number; mtimeMs: number };
  nodeCount: number;
  edgeCount: number;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  rootOrdinal: number;
  stringCount: number;
  arrays: Array<{ name: string; type: 'u8' | 'u32' | 'f64'; length: number; offset: number }>;
}

/**
 * Where a snapshot's cache lives: beside it inside a leakhound run folder (it goes when the run
 * is deleted), else in the user's cache folder ($LEAKHOUND_CACHE_DIR/heap, $XDG_CACHE_HOME/
 * leakhound/heap or ~/.cache/leakhound/heap), never beside a snapshot the user keeps elsewhere.
 */
export function cachePath(file: string, cacheDir?: string): string {
  if (cacheDir) return path.join(cacheDir, `${path.basename(file)}.lhidx`);
  const dir = path.dirname(file);
  if (fs.existsSync(path.join(dir, 'run.json')) || fs.existsSync(path.join(dir, 'result.json')))
    return `${file}.lhidx`;
  // the path's hash keeps two snapshots of the same name apart
  const tag = createHash('sha256').update(path.resolve(file)).digest('hex').slice(0, 12);
  return path.join(userCacheDir(), `${path.basename(file)}-${tag}.lhidx`);
}

export function userCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LEAKHOUND_CACHE_DIR) return path.join(env.LEAKHOUND_CACHE_DIR, 'heap');
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'leakhound', 'heap');
}

/** Cap of the user cache folder (LEAKHOUND_HEAP_CACHE_MB, default 4096 MB): oldest go first. */
export function capCacheDir(dir: string, keep: string, capBytes = cacheCapBytes()): string[] {
  let entries: Array<{ file: string; size: number; mtimeMs: number }>;
  try {
    entries = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.lhidx'))
      .map((f) => {
        const st = fs.statSync(path.join(dir, f));
        return { file: path.join(dir, f), size: st.size, mtimeMs: st.mtimeMs };
      });
  } catch {
    return [];
  }
  let total = entries.reduce((s, e) => s + e.size, 0);
  const removed: string[] = [];
  for (const e of entries.sort((a, b) => a.mtimeMs - b.mtimeMs)) {
    if (total <= capBytes) break;
    if (e.file === keep) continue;
    try {
      fs.unlinkSync(e.file);
      total -= e.size;
      removed.push(e.file);
    } catch {
      // another process took it: fine
    }
  }
  return removed;
}

function cacheCapBytes(): number {
  const mb = Number(process.env.LEAKHOUND_HEAP_CACHE_MB);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 4096) * 2 ** 20;
}

const typeOf = (a: Arr): 'u8' | 'u32' | 'f64' =>
  a instanceof Uint8Array ? 'u8' : a instanceof Uint32Array ? 'u32' : 'f64';

/** Write the cache; best effort (a read-only folder just means no cache). Returns the path or null. */
export function saveAnalysis(a: HeapAnalysis, cacheDir?: string): string | null {
  const s = a.snap;
  const out = cachePath(s.file, cacheDir);
  try {
    const st = fs.statSync(s.file);
    const raw = s.strings.raw();
    const arrays: Array<[string, Arr]> = [
      ['nodeType', s.nodeType],
      ['nodeName', s.nodeName],
      ['nodeId', s.nodeId],
      ['nodeSelfSize', s.nodeSelfSize],
      ['firstEdge', s.firstEdge],
      ['edgeType', s.edgeType],
      ['edgeName', s.edgeName],
      ['edgeTo', s.edgeTo],
      ['strBytes', raw.bytes],
      ['strStarts', raw.starts],
      ['strEnds', raw.ends],
      ['strEscaped', raw.escaped],
      ['idom', a.idom],
      ...(s.locations ? ([['locations', s.locations]] as Array<[string, Arr]>) : []),
    ];
    let offset = 0;
    const meta: Header['arrays'] = arrays.map(([name, arr]) => {
      const m = { name, type: typeOf(arr), length: arr.length, offset };
      offset += Math.ceil(arr.byteLength / 8) * 8;
      return m;
    });
    const header: Header = {
      magic: MAGIC,
      source: { size: st.size, mtimeMs: st.mtimeMs },
      nodeCount: s.nodeCount,
      edgeCount: s.edgeCount,
      nodeTypeNames: s.nodeTypeNames,
      edgeTypeNames: s.edgeTypeNames,
      rootOrdinal: s.rootOrdinal,
      stringCount: s.strings.count,
      arrays: meta,
    };
    const hjson = Buffer.from(JSON.stringify(header));
    const prefix = Buffer.alloc(8 + Math.ceil(hjson.length / 8) * 8);
    prefix.write(MAGIC, 0, 'latin1');
    const lenBuf = Buffer.alloc(8);
    lenBuf.writeUInt32LE(hjson.length, 0);
    hjson.copy(prefix, 8);
    const inUserCache = path.dirname(out) === userCacheDir() && !cacheDir;
    if (inUserCache) {
      // bigger than the whole cap: not worth keeping
      if (offset > cacheCapBytes()) return null;
      fs.mkdirSync(path.dirname(out), { recursive: true, mode: 0o700 });
    }
    const tmp = `${out}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, lenBuf);
      fs.writeSync(fd, prefix);
      const pad = Buffer.alloc(8);
      for (const [, arr] of arrays) {
        const view = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
        for (let at = 0; at < view.length; at += 64 * 2 ** 20)
          fs.writeSync(fd, view.subarray(at, at + 64 * 2 ** 20));
        const rest = (8 - (arr.byteLength % 8)) % 8;
        if (rest) fs.writeSync(fd, pad.subarray(0, rest));
      }
    } catch (e) {
      fs.closeSync(fd);
      // a full disk leaves no half-written cache behind
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, out);
    if (inUserCache) capCacheDir(path.dirname(out), out);
    return out;
  } catch {
    return null;
  }
}

/** Read a fresh cache for this snapshot, or null when there is none or it is stale. */
export function loadAnalysis(file: string, cacheDir?: string): HeapAnalysis | null {
  const p = cachePath(file, cacheDir);
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch {
    return null;
  }
  try {
    const st = fs.statSync(file);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const hlen = lenBuf.readUInt32LE(0);
    if (hlen <= 0 || hlen > 1 << 24) return null;
    const prefix = Buffer.alloc(8 + Math.ceil(hlen / 8) * 8);
    fs.readSync(fd, prefix, 0, prefix.length, 8);
    if (prefix.toString('latin1', 0, 6) !== MAGIC) return null;
    const h = JSON.parse(prefix.toString('utf8', 8, 8 + hlen)) as Header;
    if (h.source.size !== st.size || h.source.mtimeMs !== st.mtimeMs) return null;
    const base = 8 + prefix.length;
    const arrays = new Map<string, Arr>();
    for (const m of h.arrays) {
      const arr: Arr =
        m.type === 'u8'
          ? new Uint8Array(m.length)
          : m.type === 'u32'
            ? new Uint32Array(m.length)
            : new Float64Array(m.length);
      const view = Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength);
      let done = 0;
      while (done < view.length) {
        const n = fs.readSync(
          fd,
          view,
          done,
          Math.min(64 * 2 ** 20, view.length - done),
          base + m.offset + done,
        );
        if (n <= 0) return null;
        done += n;
      }
      arrays.set(m.name, arr);
    }
    const get = <T extends Arr>(name: string) => arrays.get(name) as T;
    const strBytes = get<Uint8Array>('strBytes');
    const snap: HeapSnapshot = {
      file,
      nodeCount: h.nodeCount,
      edgeCount: h.edgeCount,
      nodeTypeNames: h.nodeTypeNames,
      edgeTypeNames: h.edgeTypeNames,
      rootOrdinal: h.rootOrdinal,
      nodeType: get('nodeType'),
      nodeName: get('nodeName'),
      nodeId: get('nodeId'),
      nodeSelfSize: get('nodeSelfSize'),
      firstEdge: get('firstEdge'),
      edgeType: get('edgeType'),
      edgeName: get('edgeName'),
      edgeTo: get('edgeTo'),
      strings: new StringTable(
        Buffer.from(strBytes.buffer, strBytes.byteOffset, strBytes.byteLength),
        get('strStarts'),
        get('strEnds'),
        get('strEscaped'),
        h.stringCount,
      ),
      ...(arrays.has('locations') ? { locations: get<Uint32Array>('locations') } : {}),
    };
    return finishFromDominators(snap, get('idom'));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** The cheap steps after the dominator tree is known (shared with the cold path's shape). */
function finishFromDominators(snap: HeapSnapshot, idom: Uint32Array): HeapAnalysis {
  const t = typeCodes(snap);
  const wm = new WeakMapEdgeNames(snap);
  const { first: domFirst, kids: domKids } = dominatedChildren(idom, snap.rootOrdinal);
  const retained = retainedSizes(idom, treePreorder(domFirst, domKids, snap.rootOrdinal), snap.nodeSelfSize);
  const { distance, parentEdge } = computeDistances(snap, t, wm);
  rankParents(snap, t, wm, parentEdge);
  const classes = computeClasses(snap, t);
  const totals = classTotals(
    classes,
    snap.nodeSelfSize,
    retained,
    distance,
    domFirst,
    domKids,
    snap.rootOrdinal,
  );
  const sortedIds = sortedIdsOf(snap.nodeId);
  return {
    snap,
    t,
    wm,
    idom,
    retained,
    distance,
    parentEdge,
    domFirst,
    domKids,
    classes,
    totals,
    sortedIds,
  };
}
