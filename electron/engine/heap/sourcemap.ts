// Source maps (v3), pure: decode a map's `mappings` once into typed arrays, then look up the
// original position of a generated one. Used to show an allocation site of a TypeScript (or
// bundled) server at its `.ts` line instead of the compiled JavaScript's. Index maps
// (`sections`) are followed. Lines and columns here are 0-based, as in the format and in V8.

export interface RawSourceMap {
  version: number;
  sources?: (string | null)[];
  sourceRoot?: string;
  names?: string[];
  mappings?: string;
  sections?: { offset: { line: number; column: number }; map: RawSourceMap }[];
}

export interface OriginalPosition {
  /** sourceRoot + sources[i], as written in the map (resolve it against the map's location) */
  source: string;
  line: number;
  column: number;
  name?: string;
}

interface Decoded {
  kind: 'plain';
  sources: string[];
  names: string[];
  /** per generated line: index of its first segment in the arrays below (length lines + 1) */
  lineStart: Int32Array;
  genColumn: Int32Array;
  /** -1 when the segment maps to no source */
  source: Int32Array;
  origLine: Int32Array;
  origColumn: Int32Array;
  name: Int32Array;
}

interface Indexed {
  kind: 'indexed';
  sections: { line: number; column: number; map: DecodedMap }[];
}

export type DecodedMap = Decoded | Indexed;

const BASE64 = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries())
  BASE64[c.charCodeAt(0)] = i;

export class SourceMapError extends Error {}

/** Decodes a v3 map; throws SourceMapError on a malformed one. */
export function decodeSourceMap(raw: RawSourceMap): DecodedMap {
  if (raw?.version !== 3) throw new SourceMapError('not a version 3 source map');
  if (Array.isArray(raw.sections)) {
    return {
      kind: 'indexed',
      sections: raw.sections.map((s) => ({
        line: s.offset.line,
        column: s.offset.column,
        map: decodeSourceMap(s.map),
      })),
    };
  }
  const root = raw.sourceRoot ? raw.sourceRoot.replace(/\/?$/, '/') : '';
  const sources = (raw.sources ?? []).map((s) => (s === null ? '' : root + s));
  const names = raw.names ?? [];
  const m = raw.mappings ?? '';
  // every segment ends at a ',' or ';' or the end: count them, so the arrays are exact
  // (a bound from the string's length would keep ~2.5× the memory for a big bundle's map)
  let cap = 1;
  for (let j = 0; j < m.length; j++) {
    const c = m.charCodeAt(j);
    if (c === 44 || c === 59) cap++;
  }
  const genColumn = new Int32Array(cap);
  const source = new Int32Array(cap);
  const origLine = new Int32Array(cap);
  const origColumn = new Int32Array(cap);
  const name = new Int32Array(cap);
  const lineStarts: number[] = [0];
  const field = new Int32Array(5);
  let n = 0;
  let col = 0;
  let src = 0;
  let oLine = 0;
  let oCol = 0;
  let nm = 0;
  let i = 0;
  while (i < m.length) {
    const c = m.charCodeAt(i);
    if (c === 59 /* ; */) {
      lineStarts.push(n);
      col = 0;
      i++;
      continue;
    }
    if (c === 44 /* , */) {
      i++;
      continue;
    }
    let k = 0;
    while (i < m.length && m.charCodeAt(i) !== 44 && m.charCodeAt(i) !== 59) {
      // one VLQ: 5 value bits per digit, continuation in bit 6, sign in the lowest bit
      let value = 0;
      let shift = 0;
      for (;;) {
        const d = i < m.length ? BASE64[m.charCodeAt(i++)] : -1;
        if (d === undefined || d < 0) throw new SourceMapError(`bad mappings character at ${i - 1}`);
        value += (d & 31) * 2 ** shift;
        shift += 5;
        if (!(d & 32)) break;
      }
      if (k >= 5) throw new SourceMapError('a mappings segment has more than 5 fields');
      field[k++] = value & 1 ? -(value >>> 1) : value >>> 1;
    }
    if (k !== 1 && k !== 4 && k !== 5) throw new SourceMapError(`a mappings segment has ${k} fields`);
    col += field[0];
    genColumn[n] = col;
    if (k >= 4) {
      src += field[1];
      oLine += field[2];
      oCol += field[3];
      source[n] = src;
      origLine[n] = oLine;
      origColumn[n] = oCol;
      if (k === 5) nm += field[4];
      name[n] = k === 5 ? nm : -1;
    } else {
      source[n] = -1;
      name[n] = -1;
    }
    n++;
  }
  lineStarts.push(n);
  return {
    kind: 'plain',
    sources,
    names,
    lineStart: Int32Array.from(lineStarts),
    genColumn: genColumn.subarray(0, n),
    source: source.subarray(0, n),
    origLine: origLine.subarray(0, n),
    origColumn: origColumn.subarray(0, n),
    name: name.subarray(0, n),
  };
}

/**
 * The original position of generated (line, column), both 0-based: the segment of that line
 * that starts last at or before the column, as browsers and Node resolve it. Null when the
 * line has no such segment, or it maps to no source.
 */
export function originalPositionFor(map: DecodedMap, line: number, column: number): OriginalPosition | null {
  if (map.kind === 'indexed') {
    let hit: Indexed['sections'][number] | undefined;
    for (const s of map.sections) {
      if (s.line < line || (s.line === line && s.column <= column)) hit = s;
      else break;
    }
    if (!hit) return null;
    return originalPositionFor(hit.map, line - hit.line, line === hit.line ? column - hit.column : column);
  }
  if (line < 0 || line + 1 >= map.lineStart.length) return null;
  let lo = map.lineStart[line];
  let hi = map.lineStart[line + 1] - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map.genColumn[mid] <= column) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0 || map.source[found] < 0) return null;
  const nameIdx = map.name[found];
  return {
    source: map.sources[map.source[found]] ?? '',
    line: map.origLine[found],
    column: map.origColumn[found],
    ...(nameIdx >= 0 && map.names[nameIdx] !== undefined ? { name: map.names[nameIdx] } : {}),
  };
}
