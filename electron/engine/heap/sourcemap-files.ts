// The file side of source maps: find the map a target's script ships (its
// `//# sourceMappingURL=` comment, inline `data:` or a file beside it, else `<script>.map`),
// read it once, and move allocation sites from compiled lines to the original sources.
// Script URLs come from the target's own profile, so only local .js/.mjs/.cjs files under a
// size cap are read, and any failure leaves the site as V8 reported it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AllocationSite, Suspect } from '../../../shared/result';
import { type DecodedMap, decodeSourceMap, originalPositionFor, type RawSourceMap } from './sourcemap';

const MAX_SCRIPT_BYTES = 64 * 2 ** 20;
const MAX_MAP_BYTES = 128 * 2 ** 20;
const COMMENT = /\/\/[#@]\s*sourceMappingURL=([^\s'"]+)\s*$/;

interface Loaded {
  map: DecodedMap;
  /** directory against which the map's sources resolve */
  base: string;
}

function scriptPath(url: string): string | null {
  let p: string;
  try {
    p = url.startsWith('file://') ? fileURLToPath(url) : url;
  } catch {
    return null;
  }
  if (!path.isAbsolute(p) || !/\.(c|m)?js$/.test(p)) return null;
  return p;
}

function readSmall(file: string, max: number): string | null {
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > max) return null;
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The map's JSON text and the directory its sources are relative to. */
function findMap(script: string): { text: string; base: string } | null {
  const code = readSmall(script, MAX_SCRIPT_BYTES);
  if (code === null) return null;
  // the comment is on one of the last lines; scan from the end, not the whole bundle
  const at = code.lastIndexOf('sourceMappingURL=');
  const ref = at < 0 ? undefined : COMMENT.exec(code.slice(Math.max(0, at - 4)).trimEnd())?.[1];
  const dir = path.dirname(script);
  if (ref?.startsWith('data:')) {
    const comma = ref.indexOf(',');
    if (comma < 0) return null;
    const meta = ref.slice(5, comma);
    const body = ref.slice(comma + 1);
    try {
      const text = meta.endsWith(';base64')
        ? Buffer.from(body, 'base64').toString('utf8')
        : decodeURIComponent(body);
      return { text, base: dir };
    } catch {
      return null;
    }
  }
  let file: string | null = null;
  if (ref) {
    try {
      file = ref.startsWith('file://') ? fileURLToPath(ref) : path.resolve(dir, decodeURIComponent(ref));
    } catch {
      return null;
    }
  } else file = `${script}.map`;
  if (!file.endsWith('.map') && !file.endsWith('.json')) return null;
  const text = readSmall(file, MAX_MAP_BYTES);
  return text === null ? null : { text, base: path.dirname(file) };
}

export class SourceMaps {
  private readonly loaded = new Map<string, Loaded | null>();

  private load(url: string): Loaded | null {
    if (this.loaded.has(url)) return this.loaded.get(url) ?? null;
    let out: Loaded | null = null;
    const script = scriptPath(url);
    const found = script ? findMap(script) : null;
    if (found) {
      try {
        out = { map: decodeSourceMap(JSON.parse(found.text) as RawSourceMap), base: found.base };
      } catch {
        out = null; // a malformed map: the compiled position is still right
      }
    }
    this.loaded.set(url, out);
    return out;
  }

  /** The original place of a site (1-based line and column, as sites carry them), or null. */
  original(url: string, line: number, column: number): { url: string; line: number; column: number } | null {
    const l = this.load(url);
    if (!l) return null;
    const o = originalPositionFor(l.map, line - 1, column - 1);
    if (!o?.source) return null;
    const source = /^[a-z][a-z0-9+.-]*:/i.test(o.source) ? o.source : path.resolve(l.base, o.source);
    return { url: source, line: o.line + 1, column: o.column + 1 };
  }
}

/** Sites moved to their original sources where the scripts ship source maps; others unchanged. */
export function mapAllocationSites(suspects: Suspect[], maps = new SourceMaps()): Suspect[] {
  const moved = (a: AllocationSite): AllocationSite => {
    if (a.generated) return a;
    const o = maps.original(a.url, a.line, a.column);
    return o ? { ...a, ...o, generated: { url: a.url, line: a.line, column: a.column } } : a;
  };
  return suspects.map((s) => (s.allocatedAt?.length ? { ...s, allocatedAt: s.allocatedAt.map(moved) } : s));
}
