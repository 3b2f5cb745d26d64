// The in-memory shape of one parsed heap snapshot: columns of typed arrays, never an
// object per node, so a 1 GB file with 14M nodes fits in about its own size.
import type { StringTable } from './strings';

export interface HeapSnapshot {
  file: string;
  nodeCount: number;
  edgeCount: number;
  nodeTypeNames: string[];
  edgeTypeNames: string[];
  rootOrdinal: number;
  nodeType: Uint8Array;
  nodeName: Uint32Array;
  nodeId: Uint32Array;
  /** self size in bytes; DevTools' shallow-size attribution is applied in graph.ts */
  nodeSelfSize: Uint32Array;
  /** edge ordinals: edges of node i are firstEdge[i] .. firstEdge[i+1]-1 */
  firstEdge: Uint32Array;
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  /** target node ordinal (not the file's index into the nodes array) */
  edgeTo: Uint32Array;
  strings: StringTable;
  /** closures' source positions, rows of (node ordinal, script id, line, column), 0-based; when the snapshot has them */
  locations?: Uint32Array;
}

/** Type codes looked up once from the meta, -1 when a snapshot format lacks the type. */
export interface TypeCodes {
  hidden: number;
  array: number;
  string: number;
  object: number;
  code: number;
  closure: number;
  regexp: number;
  number: number;
  native: number;
  synthetic: number;
  consString: number;
  slicedString: number;
  symbol: number;
  bigint: number;
  objectShape: number;
  eContext: number;
  eElement: number;
  eProperty: number;
  eInternal: number;
  eHidden: number;
  eShortcut: number;
  eWeak: number;
}

export function typeCodes(s: Pick<HeapSnapshot, 'nodeTypeNames' | 'edgeTypeNames'>): TypeCodes {
  const n = (t: string) => s.nodeTypeNames.indexOf(t);
  const e = (t: string) => s.edgeTypeNames.indexOf(t);
  return {
    hidden: n('hidden'),
    array: n('array'),
    string: n('string'),
    object: n('object'),
    code: n('code'),
    closure: n('closure'),
    regexp: n('regexp'),
    number: n('number'),
    native: n('native'),
    synthetic: n('synthetic'),
    consString: n('concatenated string'),
    slicedString: n('sliced string'),
    symbol: n('symbol'),
    bigint: n('bigint'),
    objectShape: n('object shape'),
    eContext: e('context'),
    eElement: e('element'),
    eProperty: e('property'),
    eInternal: e('internal'),
    eHidden: e('hidden'),
    eShortcut: e('shortcut'),
    eWeak: e('weak'),
  };
}

export function isStringType(t: TypeCodes, type: number): boolean {
  return type === t.string || type === t.consString || type === t.slicedString;
}
