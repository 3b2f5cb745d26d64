// Streaming .heapsnapshot reader: bytes go straight from fixed-size chunks into typed
// arrays. Nothing holds the file as one string (V8 strings stop at ~512 MiB) and nothing
// allocates per node, so the cost is one pass over the bytes and ~0.6× the file in arrays.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import { startEdgeThread } from './edges-thread';
import type { ScratchPool } from './scratch';
import { noPool } from './scratch';
import type { HeapSnapshot } from './snapshot';
import { StringTable } from './strings';

export interface ParseOptions {
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** bytes of memory we may use; defaults to what the OS reports as available */
  availableBytes?: number;
  chunkBytes?: number;
  /** columns come from here: a pipeline hands one snapshot's arrays on to the next */
  pool?: ScratchPool;
  /**
   * Parse the edges in a worker thread while this thread parses the nodes (the two int
   * arrays are ~85% of the bytes, edges the larger half). Same columns, byte for byte.
   * Default: on for files of 32 MB and more when there are 2 cores or more.
   */
  parallel?: boolean;
}

/** What the edges worker needs: the header as parsed, where the nodes start, the columns. */
export interface EdgeJob {
  file: string;
  fileBytes: number;
  /** file offset of the nodes array's '[' (the edges array follows its ']') */
  nodesAt: number;
  header: SnapshotHeader;
  chunkBytes: number;
  edgeType: Uint8Array;
  edgeName: Uint32Array;
  edgeTo: Uint32Array;
}

/** The worker's answer: done, or the edges do not follow the nodes (this thread parses them). */
export type EdgeAnswer =
  | { ok: true }
  | { ok: false; layout: true }
  | { ok: false; error: string; user: boolean };

interface SnapshotHeader {
  meta?: Meta;
  node_count?: number;
  edge_count?: number;
  root_index?: number;
}

interface Meta {
  node_fields: string[];
  node_types: unknown[];
  edge_fields: string[];
  edge_types: unknown[];
  location_fields?: string[];
}

const REQUIRED_NODE_FIELDS = ['type', 'name', 'id', 'self_size', 'edge_count'];
const REQUIRED_EDGE_FIELDS = ['type', 'name_or_index', 'to_node'];

/**
 * Bytes of memory analysis of a snapshot needs, from the file size alone (before reading
 * anything) or from the node/edge counts once the header is read. Per node: 17 B of
 * columns + ~44 B of dominator/retained/index arrays; per edge: 9 B + ~5 B of retainers.
 */
export function estimateMemory(fileBytes: number, counts?: { nodes: number; edges: number }): number {
  if (counts) return counts.nodes * 61 + counts.edges * 14 + fileBytes * 0.15 + 64 * 2 ** 20;
  return fileBytes * 1.4 + 64 * 2 ** 20;
}

/** Memory this process may still use: the OS's available memory, within any cgroup limit. */
export function availableMemory(): number {
  const p = process as { availableMemory?: () => number };
  return typeof p.availableMemory === 'function' ? Math.min(p.availableMemory(), os.freemem()) : os.freemem();
}

const mb = (n: number) => `${Math.ceil(n / 2 ** 20)} MB`;

/** A UserError, before any work, when analysing `file` needs more memory than is available. */
export function refuseIfTooBig(file: string, need: number, available: number): void {
  if (need > available) {
    throw new UserError(
      `${path.basename(file)} needs about ${mb(need)} of memory to analyse but only ${mb(available)} is available; close other programs or analyse it on a machine with more memory`,
    );
  }
}

// Scanner states.
const S_TOP = 0; // between top-level keys
const S_KEY = 1; // inside a top-level key string
const S_COLON = 2; // after a key, waiting for ':'
const S_VALUE = 3; // waiting for the start of a value
const S_META = 4; // capturing the "snapshot" object
const S_INTS = 5; // inside an int array
const S_STRINGS = 6; // inside the strings array
const S_SKIP = 7; // skipping a value we do not keep
const S_END = 8; // after the closing brace

const SINK_NODES = 1;
const SINK_EDGES = 2;
const SINK_DISCARD = 3;
const SINK_LOCATIONS = 4;
const SINK_ELSEWHERE = 5; // the edges, parsed by a worker thread: only their end matters here

/** In the edges worker: the value after the nodes is not the edges. */
class EdgesElsewhere extends Error {}

class Parser {
  state: number = S_TOP;
  key = '';
  /** the top-level key before `key`: edges go to the worker only right after the nodes */
  prevKey = '';
  /** edge columns are SharedArrayBuffers a worker fills; called when the nodes start */
  onNodesStart: ((offset: number) => void) | null = null;
  /** the edges came right after the nodes: the worker parsed them, this thread skipped them */
  edgesByWorker = false;
  /** in the worker: only the edges, which must be the first value fed */
  edgesOnly = false;
  header: SnapshotHeader | null = null;
  keyBytes: number[] = [];
  // generic nested-value tracking (meta capture and skipping)
  depth = 0;
  inStr = false;
  esc = false;
  metaParts: Buffer[] = [];
  metaBytes = 0;
  meta: Meta | null = null;
  nodeCount = -1;
  edgeCount = -1;
  rootIndex = 0;
  // int arrays
  sink = 0;
  acc = 0;
  inNum = false;
  field = 0;
  row = 0;
  nf = 0;
  ef = 0;
  nTypeOff = 0;
  nNameOff = 0;
  nIdOff = 0;
  nSizeOff = 0;
  nEdgeCountOff = 0;
  eTypeOff = 0;
  eNameOff = 0;
  eToOff = 0;
  nodeType: Uint8Array = new Uint8Array(0);
  nodeName: Uint32Array = new Uint32Array(0);
  nodeId: Uint32Array = new Uint32Array(0);
  nodeSelfSize: Uint32Array = new Uint32Array(0);
  firstEdge: Uint32Array = new Uint32Array(1);
  edgeType: Uint8Array = new Uint8Array(0);
  edgeName: Uint32Array = new Uint32Array(0);
  edgeTo: Uint32Array = new Uint32Array(0);
  badToNode = false;
  nodesDone = false;
  edgesDone = false;
  stringsDone = false;
  // strings
  strStore: Buffer = Buffer.alloc(0);
  strStoreLen = 0;
  strIn = false;
  strEsc = false;
  strHasEsc = false;
  strStart = 0;
  // offsets into the strings store: 32-bit unless the section passes 4 GB
  strStarts: Float64Array | Uint32Array = new Uint32Array(1024);
  strEnds: Float64Array | Uint32Array = new Uint32Array(1024);
  strEscaped = new Uint8Array(1024);
  strCount = 0;

  constructor(
    readonly file: string,
    readonly fileBytes: number,
    readonly available: number,
    readonly pool: ScratchPool = noPool,
  ) {}

  fail(what: string): never {
    throw new UserError(
      `${path.basename(this.file)} is not a V8 heap snapshot (${what}); pick a .heapsnapshot file`,
    );
  }

  /** Feed one chunk; `base` is the file offset of buf[0] (for the strings store). */
  feed(buf: Buffer, len: number, base: number): void {
    let i = 0;
    // the edges worker stops at the end of the edges
    while (i < len && !(this.edgesOnly && this.edgesDone)) {
      switch (this.state) {
        case S_TOP: {
          const c = buf[i++];
          if (c === 0x22) {
            this.state = S_KEY;
            this.keyBytes.length = 0;
          } else if (c === 0x7d) {
            this.state = S_END;
          } else if (c === 0x7b && base + i === 1) {
            // the opening brace
          } else if (c !== 0x2c && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
            this.fail(
              base + i === 1 ? 'it does not start with {' : `unexpected byte at offset ${base + i - 1}`,
            );
          }
          break;
        }
        case S_KEY: {
          const c = buf[i++];
          if (c === 0x22) {
            this.prevKey = this.key;
            this.key = Buffer.from(this.keyBytes).toString('utf8');
            this.state = S_COLON;
          } else {
            if (this.keyBytes.length > 200) this.fail('a top-level key is too long');
            this.keyBytes.push(c);
          }
          break;
        }
        case S_COLON: {
          const c = buf[i++];
          if (c === 0x3a) this.state = S_VALUE;
          else if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)
            this.fail(`expected : after "${this.key}"`);
          break;
        }
        case S_VALUE: {
          const c = buf[i];
          if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
            i++;
            break;
          }
          this.startValue(c, base + i);
          break;
        }
        case S_META:
          i = this.captureMeta(buf, i, len);
          break;
        case S_INTS:
          i = this.scanInts(buf, i, len);
          break;
        case S_STRINGS:
          i = this.scanStrings(buf, i, len, base);
          break;
        case S_SKIP:
          i = this.skipValue(buf, i, len);
          break;
        case S_END: {
          const c = buf[i++];
          if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) this.fail('trailing data after the end');
          break;
        }
      }
    }
  }

  startValue(c: number, offset: number): void {
    const key = this.key;
    if (this.edgesOnly && key !== 'edges') throw new EdgesElsewhere();
    if (key === 'snapshot') {
      if (c !== 0x7b) this.fail('"snapshot" is not an object');
      this.state = S_META;
      this.depth = 0;
      this.inStr = false;
      this.esc = false;
      return;
    }
    if (key === 'nodes' || key === 'edges') {
      if (c !== 0x5b) this.fail(`"${key}" is not an array`);
      if (!this.meta) this.fail(`"${key}" comes before "snapshot"`);
      this.sink = key === 'nodes' ? SINK_NODES : SINK_EDGES;
      if (key === 'nodes') this.onNodesStart?.(offset);
      if (key === 'edges' && this.onNodesStart && this.prevKey === 'nodes') {
        // the worker, told where the nodes start, parses exactly this array
        this.sink = SINK_ELSEWHERE;
        this.edgesByWorker = true;
      }
      this.beginInts();
      return;
    }
    if (key === 'strings') {
      if (c !== 0x5b) this.fail('"strings" is not an array');
      this.state = S_STRINGS;
      this.strIn = false;
      // the strings section is the rest of the file at most; one allocation, no regrowth
      this.strStore = Buffer.allocUnsafe(Math.max(16, this.fileBytes - offset));
      this.strStoreLen = 0;
      if (this.strStore.length >= 2 ** 32) {
        this.strStarts = new Float64Array(1024);
        this.strEnds = new Float64Array(1024);
      }
      this.pendingStrSkip = true;
      return;
    }
    if (key === 'locations' && c === 0x5b && this.locationWidth() === 4) {
      // source positions of closures (where each function was created): small, kept
      this.sink = SINK_LOCATIONS;
      this.beginInts();
      return;
    }
    if (key === 'locations' || key === 'samples' || key === 'trace_function_infos') {
      // kept out: flat int arrays we do not need yet; scanned (not JSON-parsed) to stay cheap
      if (c === 0x5b) {
        this.sink = SINK_DISCARD;
        this.beginInts();
        return;
      }
    }
    this.state = S_SKIP;
    this.depth = 0;
    this.inStr = false;
    this.esc = false;
  }

  pendingStrSkip = false;

  beginInts(): void {
    this.state = S_INTS;
    this.acc = 0;
    this.inNum = false;
    this.field = 0;
    this.row = 0;
    this.pendingOpen = true;
  }

  pendingOpen = false;

  captureMeta(buf: Buffer, i: number, len: number): number {
    const start = i;
    for (; i < len; i++) {
      const c = buf[i];
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === 0x5c) this.esc = true;
        else if (c === 0x22) this.inStr = false;
      } else if (c === 0x22) this.inStr = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          i++;
          this.metaParts.push(Buffer.from(buf.subarray(start, i)));
          this.finishMeta();
          this.state = S_TOP;
          return i;
        }
      }
    }
    this.metaParts.push(Buffer.from(buf.subarray(start, i)));
    this.metaBytes += i - start;
    if (this.metaBytes > 64 * 2 ** 20) this.fail('the "snapshot" header is larger than 64 MB');
    return i;
  }

  finishMeta(): void {
    let header: SnapshotHeader;
    try {
      header = JSON.parse(Buffer.concat(this.metaParts).toString('utf8'));
    } catch {
      this.fail('its "snapshot" header is not valid JSON');
    }
    this.metaParts = [];
    this.adoptHeader(header);
    const nodes = this.nodeCount;
    const edges = this.edgeCount;
    refuseIfTooBig(this.file, estimateMemory(this.fileBytes, { nodes, edges }), this.available);
    // every slot is written by the parse (counts are checked), except firstEdge[0]
    const pool = this.pool;
    this.nodeType = pool.u8(nodes, false);
    this.nodeName = pool.u32(nodes, false);
    this.nodeId = pool.u32(nodes, false);
    this.nodeSelfSize = pool.u32(nodes, false);
    this.firstEdge = pool.u32(nodes + 1, false);
    this.firstEdge[0] = 0;
    const shared = this.onNodesStart !== null;
    this.edgeType = pool.u8(edges, false, shared);
    this.edgeName = pool.u32(edges, false, shared);
    this.edgeTo = pool.u32(edges, false, shared);
  }

  /** Checks the header and takes its layout and counts (the worker gets it already parsed). */
  adoptHeader(header: SnapshotHeader): void {
    this.header = header;
    const meta = header.meta;
    const name = path.basename(this.file);
    if (!meta || !Array.isArray(meta.node_fields) || !Array.isArray(meta.edge_fields)) {
      throw new UserError(
        `${name} has no snapshot.meta node_fields/edge_fields; it is not a V8 heap snapshot`,
      );
    }
    for (const f of REQUIRED_NODE_FIELDS) {
      if (!meta.node_fields.includes(f)) {
        throw new UserError(`${name} has an unsupported heap snapshot layout: node field "${f}" is missing`);
      }
    }
    for (const f of REQUIRED_EDGE_FIELDS) {
      if (!meta.edge_fields.includes(f)) {
        throw new UserError(`${name} has an unsupported heap snapshot layout: edge field "${f}" is missing`);
      }
    }
    const nTypes = meta.node_types?.[meta.node_fields.indexOf('type')];
    const eTypes = meta.edge_types?.[meta.edge_fields.indexOf('type')];
    if (!Array.isArray(nTypes) || !Array.isArray(eTypes)) {
      throw new UserError(
        `${name} has an unsupported heap snapshot layout: node_types/edge_types are not lists`,
      );
    }
    this.meta = meta;
    this.nf = meta.node_fields.length;
    this.ef = meta.edge_fields.length;
    this.nTypeOff = meta.node_fields.indexOf('type');
    this.nNameOff = meta.node_fields.indexOf('name');
    this.nIdOff = meta.node_fields.indexOf('id');
    this.nSizeOff = meta.node_fields.indexOf('self_size');
    this.nEdgeCountOff = meta.node_fields.indexOf('edge_count');
    this.eTypeOff = meta.edge_fields.indexOf('type');
    this.eNameOff = meta.edge_fields.indexOf('name_or_index');
    this.eToOff = meta.edge_fields.indexOf('to_node');
    this.rootIndex = header.root_index ?? 0;
    const nodes = header.node_count;
    const edges = header.edge_count;
    if (typeof nodes !== 'number' || typeof edges !== 'number' || nodes < 1 || edges < 0) {
      throw new UserError(`${name} has no node_count/edge_count in its header; it is not a V8 heap snapshot`);
    }
    this.nodeCount = nodes;
    this.edgeCount = edges;
  }

  // The hot loops: one per sink, each parsing whole rows into a small row buffer and then
  // into the columns. Every state (field, partial number) survives a chunk boundary, so
  // the byte loops need no look-ahead and no carried-over bytes.
  vals = new Float64Array(16);

  scanInts(buf: Buffer, i: number, len: number): number {
    if (this.pendingOpen) {
      // skip the '['
      while (i < len && buf[i] !== 0x5b) i++;
      if (i === len) return i;
      i++;
      this.pendingOpen = false;
      if (this.vals.length < this.rowWidth()) this.vals = new Float64Array(this.rowWidth());
    }
    return this.sink === SINK_NODES
      ? this.scanNodeRows(buf, i, len)
      : this.sink === SINK_EDGES
        ? this.scanEdgeRows(buf, i, len)
        : this.sink === SINK_LOCATIONS
          ? this.scanLocations(buf, i, len)
          : this.sink === SINK_ELSEWHERE
            ? this.skipToEnd(buf, i, len)
            : this.scanDiscard(buf, i, len);
  }

  /** 4 when the snapshot's locations are (object_index, script_id, line, column), else 0. */
  locationWidth(): number {
    const f = this.meta?.location_fields;
    return f && f.length === 4 && f[0] === 'object_index' && f[2] === 'line' && f[3] === 'column' ? 4 : 0;
  }

  locs = new Uint32Array(0);
  locCount = 0;

  /** Closure locations (a few per cent of the nodes): a plain loop, rows kept as they come. */
  scanLocations(buf: Buffer, i: number, len: number): number {
    let acc = this.acc;
    let inNum = this.inNum;
    for (; i < len; i++) {
      const c = buf[i];
      if ((c - 48) >>> 0 <= 9) {
        acc = acc * 10 + (c - 48);
        inNum = true;
        continue;
      }
      if (inNum) {
        if (this.locCount === this.locs.length) {
          const bigger = new Uint32Array(Math.max(1024, this.locs.length * 2));
          bigger.set(this.locs);
          this.locs = bigger;
        }
        // object_index is an index into the nodes array: store the ordinal
        this.locs[this.locCount] = this.locCount % 4 === 0 ? Math.floor(acc / this.nf) : acc;
        this.locCount++;
        acc = 0;
        inNum = false;
      }
      if (c === 0x5d) {
        this.acc = 0;
        this.inNum = false;
        this.state = S_TOP;
        return i + 1;
      }
    }
    this.acc = acc;
    this.inNum = inNum;
    return i;
  }

  rowWidth(): number {
    return this.sink === SINK_NODES ? this.nf : this.sink === SINK_EDGES ? this.ef : 1;
  }

  /** Stop mid-number or between numbers; the next chunk resumes exactly here. */
  private pause(acc: number, inNum: boolean, field: number, row: number): void {
    this.acc = acc;
    this.inNum = inNum;
    this.field = field;
    this.row = row;
  }

  private arrayEnd(field: number, row: number, i: number): number {
    this.acc = 0;
    this.inNum = false;
    this.field = field;
    this.row = row;
    this.endInts();
    return i + 1;
  }

  scanNodeRows(buf: Buffer, i: number, len: number): number {
    const { vals, nf, nodeCount, nodeType, nodeName, nodeId, nodeSelfSize, firstEdge } = this;
    const { nTypeOff, nNameOff, nIdOff, nSizeOff, nEdgeCountOff } = this;
    let acc = this.acc;
    let inNum = this.inNum;
    let f = this.field;
    let row = this.row;
    for (;;) {
      let c = 0;
      if (!inNum) {
        for (;;) {
          if (i >= len) {
            this.pause(acc, inNum, f, row);
            return i;
          }
          c = buf[i];
          if ((c - 48) >>> 0 <= 9) break;
          if (c === 0x5d) return this.arrayEnd(f, row, i);
          if (c === 0x2d) this.fail('negative number in an int array');
          i++;
        }
        acc = 0;
        inNum = true;
      }
      for (;;) {
        if (i >= len) {
          this.pause(acc, inNum, f, row);
          return i;
        }
        c = buf[i];
        if ((c - 48) >>> 0 > 9) break;
        acc = acc * 10 + (c - 48);
        i++;
      }
      inNum = false;
      vals[f++] = acc;
      if (f === nf) {
        f = 0;
        if (row >= nodeCount) this.tooMany();
        nodeType[row] = vals[nTypeOff];
        nodeName[row] = vals[nNameOff];
        nodeId[row] = vals[nIdOff];
        nodeSelfSize[row] = Math.min(vals[nSizeOff], 0xffffffff);
        firstEdge[row + 1] = firstEdge[row] + vals[nEdgeCountOff];
        row++;
      }
    }
  }

  scanEdgeRows(buf: Buffer, i: number, len: number): number {
    const { vals, ef, nf, edgeCount, nodeCount, edgeType, edgeName, edgeTo, eTypeOff, eNameOff, eToOff } =
      this;
    let acc = this.acc;
    let inNum = this.inNum;
    let f = this.field;
    let row = this.row;
    for (;;) {
      let c = 0;
      if (!inNum) {
        for (;;) {
          if (i >= len) {
            this.pause(acc, inNum, f, row);
            return i;
          }
          c = buf[i];
          if ((c - 48) >>> 0 <= 9) break;
          if (c === 0x5d) return this.arrayEnd(f, row, i);
          if (c === 0x2d) this.fail('negative number in an int array');
          i++;
        }
        acc = 0;
        inNum = true;
      }
      for (;;) {
        if (i >= len) {
          this.pause(acc, inNum, f, row);
          return i;
        }
        c = buf[i];
        if ((c - 48) >>> 0 > 9) break;
        acc = acc * 10 + (c - 48);
        i++;
      }
      inNum = false;
      vals[f++] = acc;
      if (f === ef) {
        f = 0;
        if (row >= edgeCount) this.tooMany();
        edgeType[row] = vals[eTypeOff];
        edgeName[row] = vals[eNameOff];
        const to = vals[eToOff];
        const ord = (to / nf) | 0;
        if (ord * nf !== to || ord >= nodeCount) this.badToNode = true;
        edgeTo[row] = ord;
        row++;
      }
    }
  }

  /** The edges the worker parses: digits, commas and newlines up to the first ']' (memchr). */
  skipToEnd(buf: Buffer, i: number, len: number): number {
    const j = buf.indexOf(0x5d, i);
    if (j < 0 || j >= len) return len;
    this.edgesDone = true;
    this.state = S_TOP;
    return j + 1;
  }

  /** Arrays we do not keep: only their end matters. */
  scanDiscard(buf: Buffer, i: number, len: number): number {
    for (; i < len; i++) {
      const c = buf[i];
      if (c === 0x5d) return this.arrayEnd(0, this.row, i);
      if (c === 0x2d) this.fail('negative number in an int array');
    }
    return i;
  }

  tooMany(): never {
    throw new UserError(
      `${path.basename(this.file)} is corrupted: more ${this.sink === SINK_NODES ? 'nodes' : 'edges'} than its header declares; take the snapshot again`,
    );
  }

  endInts(): void {
    const name = path.basename(this.file);
    if (this.sink === SINK_NODES) {
      if (this.row !== this.nodeCount || this.field !== 0) {
        throw new UserError(
          `${name} is corrupted: ${this.row} nodes where the header declares ${this.nodeCount}; take the snapshot again`,
        );
      }
      this.nodesDone = true;
    } else if (this.sink === SINK_EDGES) {
      if (this.row !== this.edgeCount || this.field !== 0) {
        throw new UserError(
          `${name} is corrupted: ${this.row} edges where the header declares ${this.edgeCount}; take the snapshot again`,
        );
      }
      if (this.badToNode)
        throw new UserError(
          `${name} is corrupted: an edge points outside the nodes; take the snapshot again`,
        );
      this.edgesDone = true;
    }
    this.state = S_TOP;
  }

  scanStrings(buf: Buffer, i: number, len: number, base: number): number {
    if (this.pendingStrSkip) {
      while (i < len && buf[i] !== 0x5b) i++;
      if (i === len) return i;
      i++;
      this.pendingStrSkip = false;
    }
    // copy the rest of this chunk into the store; offsets below are store positions
    const storeBase = this.strStoreLen - i;
    const copyFrom = i;
    let end = len;
    while (i < len) {
      if (this.strIn) {
        if (this.strEsc) {
          this.strEsc = false;
          i++;
          continue;
        }
        let j = i;
        while (j < len) {
          const c = buf[j];
          if (c === 0x22 || c === 0x5c) break;
          j++;
        }
        if (j === len) {
          i = len;
          break;
        }
        if (buf[j] === 0x5c) {
          this.strHasEsc = true;
          this.strEsc = true;
          i = j + 1;
          continue;
        }
        this.pushString(this.strStart, storeBase + j);
        this.strIn = false;
        i = j + 1;
        continue;
      }
      const c = buf[i];
      if (c === 0x22) {
        this.strIn = true;
        this.strHasEsc = false;
        this.strStart = storeBase + i + 1;
        i++;
      } else if (c === 0x5d) {
        i++;
        end = i;
        this.stringsDone = true;
        this.state = S_TOP;
        break;
      } else if (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
      } else {
        this.fail(`unexpected byte in "strings" at offset ${base + i}`);
      }
    }
    const n = end - copyFrom;
    if (this.strStoreLen + n > this.strStore.length) this.fail('the strings section overflows the file size');
    buf.copy(this.strStore, this.strStoreLen, copyFrom, end);
    this.strStoreLen += n;
    return i;
  }

  pushString(start: number, end: number): void {
    if (this.strCount === this.strStarts.length) {
      const cap = this.strCount * 2;
      const wide = this.strStarts instanceof Float64Array;
      const s = wide ? new Float64Array(cap) : new Uint32Array(cap);
      s.set(this.strStarts);
      this.strStarts = s;
      const e = wide ? new Float64Array(cap) : new Uint32Array(cap);
      e.set(this.strEnds);
      this.strEnds = e;
      const x = new Uint8Array(cap);
      x.set(this.strEscaped);
      this.strEscaped = x;
    }
    this.strStarts[this.strCount] = start;
    this.strEnds[this.strCount] = end;
    this.strEscaped[this.strCount] = this.strHasEsc ? 1 : 0;
    this.strCount++;
  }

  skipValue(buf: Buffer, i: number, len: number): number {
    for (; i < len; i++) {
      const c = buf[i];
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === 0x5c) this.esc = true;
        else if (c === 0x22) this.inStr = false;
        continue;
      }
      if (c === 0x22) this.inStr = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          this.state = S_TOP;
          return i + 1;
        }
        if (this.depth < 0) {
          // a scalar value followed by the closing brace of the file
          this.state = S_END;
          return i + 1;
        }
      } else if (this.depth === 0 && c === 0x2c) {
        // end of a scalar value
        this.state = S_TOP;
        return i + 1;
      }
    }
    return i;
  }

  finish(): HeapSnapshot {
    const name = path.basename(this.file);
    const missing = !this.meta
      ? 'no "snapshot" header'
      : !this.nodesDone
        ? `the nodes stop at ${this.row} of ${this.nodeCount}`
        : !this.edgesDone
          ? `the edges stop at ${this.sink === SINK_EDGES ? this.row : 0} of ${this.edgeCount}`
          : !this.stringsDone
            ? `the strings stop after ${this.strCount}`
            : this.state !== S_END
              ? 'the closing brace is missing'
              : null;
    if (missing) throw new UserError(`${name} is truncated: ${missing}; take the snapshot again`);
    const meta = this.meta!;
    if (this.firstEdge[this.nodeCount] !== this.edgeCount) {
      throw new UserError(
        `${name} is corrupted: node edge counts add up to ${this.firstEdge[this.nodeCount]}, not ${this.edgeCount}; take the snapshot again`,
      );
    }
    const strings = new StringTable(
      this.strStore.subarray(0, this.strStoreLen),
      this.strStarts.subarray(0, this.strCount),
      this.strEnds.subarray(0, this.strCount),
      this.strEscaped.subarray(0, this.strCount),
      this.strCount,
    );
    return {
      file: this.file,
      nodeCount: this.nodeCount,
      edgeCount: this.edgeCount,
      nodeTypeNames: (meta.node_types[this.nTypeOff] as string[]).slice(),
      edgeTypeNames: (meta.edge_types[this.eTypeOff] as string[]).slice(),
      rootOrdinal: Math.floor(this.rootIndex / this.nf),
      nodeType: this.nodeType,
      nodeName: this.nodeName,
      nodeId: this.nodeId,
      nodeSelfSize: this.nodeSelfSize,
      firstEdge: this.firstEdge,
      edgeType: this.edgeType,
      edgeName: this.edgeName,
      edgeTo: this.edgeTo,
      strings,
      ...(this.locCount >= 4 ? { locations: this.locs.slice(0, this.locCount - (this.locCount % 4)) } : {}),
    };
  }
}

/**
 * In the edges worker: skip to the end of the nodes (memchr: int arrays hold no ']'), then
 * parse the edges array into the job's shared columns with the same loop and checks as
 * the serial parse. `{ layout }` when the value after the nodes is not the edges array.
 */
export function parseEdges(job: EdgeJob): EdgeAnswer {
  const p = new Parser(job.file, job.fileBytes, Number.POSITIVE_INFINITY);
  p.adoptHeader(job.header);
  p.edgeType = job.edgeType;
  p.edgeName = job.edgeName;
  p.edgeTo = job.edgeTo;
  p.edgesOnly = true;
  const fd = fs.openSync(job.file, 'r');
  const buf = Buffer.allocUnsafe(job.chunkBytes);
  try {
    let pos = job.nodesAt + 1;
    let inNodes = true;
    while (!p.edgesDone) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      // truncated: the main thread says where
      if (n === 0) return { ok: false, layout: true };
      let from = 0;
      if (inNodes) {
        const j = buf.indexOf(0x5d);
        if (j < 0 || j >= n) {
          pos += n;
          continue;
        }
        inNodes = false;
        from = j + 1;
      }
      p.feed(from ? buf.subarray(from) : buf, n - from, pos + from);
      pos += n;
    }
    return { ok: true };
  } catch (e) {
    if (e instanceof EdgesElsewhere) return { ok: false, layout: true };
    throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** The edges thread itself failed (could not start, crashed): not the file's fault. */
class EdgeThreadFailed extends Error {}

function answerError(a: { error: string; user: boolean }): Error {
  return a.user ? new UserError(a.error) : new EdgeThreadFailed(`the edges worker failed: ${a.error}`);
}

/** Parse a .heapsnapshot file chunk by chunk into typed arrays. Bad files → UserError. */
export async function parseSnapshot(file: string, opts: ParseOptions = {}): Promise<HeapSnapshot> {
  try {
    return await parseOnce(file, opts);
  } catch (e) {
    // a thread that cannot run here costs the speed-up, never the analysis
    if (e instanceof EdgeThreadFailed && opts.parallel !== false)
      return parseOnce(file, { ...opts, parallel: false });
    throw e;
  }
}

async function parseOnce(file: string, opts: ParseOptions): Promise<HeapSnapshot> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError(`${file} does not exist or cannot be read; check the path`);
  }
  if (!stat.isFile()) throw new UserError(`${file} is not a file; give the path of a .heapsnapshot file`);
  if (stat.size === 0)
    throw new UserError(`${path.basename(file)} is empty (0 bytes); take the snapshot again`);
  const available = opts.availableBytes ?? availableMemory();
  refuseIfTooBig(file, estimateMemory(stat.size), available);
  const parser = new Parser(file, stat.size, available, opts.pool);
  const size = opts.chunkBytes ?? 2 * 2 ** 20;
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  // started first: the thread boots while this one reads the header
  const edges = (opts.parallel ?? (stat.size >= 32 * 2 ** 20 && cores >= 2)) ? startEdgeThread() : null;
  if (edges) {
    parser.onNodesStart = (nodesAt) =>
      edges.post({
        file,
        fileBytes: stat.size,
        nodesAt,
        header: parser.header as SnapshotHeader,
        chunkBytes: size,
        edgeType: parser.edgeType,
        edgeName: parser.edgeName,
        edgeTo: parser.edgeTo,
      });
  }
  let answer: EdgeAnswer | null = null;
  // two buffers: the next chunk is read (on libuv's pool) while this one is parsed
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  const fh = await fs.promises.open(file, 'r');
  let pending: Promise<{ bytesRead: number }> | null = null;
  try {
    let pos = 0;
    let lastReport = 0;
    let k = 0;
    pending = fh.read(bufs[0], 0, size, 0);
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead }: { bytesRead: number } = await pending;
      if (bytesRead === 0) break;
      const buf = bufs[k];
      k ^= 1;
      pending = fh.read(bufs[k], 0, size, pos + bytesRead);
      parser.feed(buf, bytesRead, pos);
      pos += bytesRead;
      if (opts.onProgress && (pos - lastReport > 32 * 2 ** 20 || pos === stat.size)) {
        lastReport = pos;
        opts.onProgress(pos, stat.size);
      }
    }
    if (edges && parser.edgesByWorker) answer = await edges.answer;
  } catch (e) {
    // a fault in the edges comes before one later in the file, as in the serial parse
    if (edges && parser.edgesByWorker && !answer) {
      const a = await edges.answer;
      if (!a.ok && 'error' in a) throw answerError(a);
    }
    throw e;
  } finally {
    // a read may still be in flight when parsing failed
    await pending?.catch(() => {});
    await fh.close();
    edges?.stop();
  }
  if (answer && !answer.ok && 'error' in answer) throw answerError(answer);
  const snap = parser.finish();
  if (parser.edgesByWorker && !answer?.ok)
    throw new EdgeThreadFailed('the edges worker did not parse the edges');
  return snap;
}
