// The parallel parse (edges in a worker thread, parse.ts) gives the serial parse's columns
// byte for byte, and the serial parse's errors, on real V8 snapshots and hand-made files.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { parseSnapshot } from '../../electron/engine/heap/parse';
import type { HeapSnapshot } from '../../electron/engine/heap/snapshot';
import { handSnapshot, tmpDir, writeHand, writeSnapshots } from '../fixtures/heap/helpers';

let real: { dir: string; files: string[]; secret: string };
let dir: string;

beforeAll(() => {
  real = writeSnapshots('leak', 500);
  dir = tmpDir();
}, 120_000);

afterAll(() => {
  fs.rmSync(real.dir, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function expectSame(p: HeapSnapshot, s: HeapSnapshot): void {
  expect(p.nodeCount).toBe(s.nodeCount);
  expect(p.edgeCount).toBe(s.edgeCount);
  expect(p.rootOrdinal).toBe(s.rootOrdinal);
  expect(p.nodeTypeNames).toEqual(s.nodeTypeNames);
  expect(p.edgeTypeNames).toEqual(s.edgeTypeNames);
  for (const k of [
    'nodeType',
    'nodeName',
    'nodeId',
    'nodeSelfSize',
    'firstEdge',
    'edgeType',
    'edgeName',
    'edgeTo',
  ] as const) {
    expect(bytes(p[k]).equals(bytes(s[k])), k).toBe(true);
  }
  expect(
    p.locations ? bytes(p.locations).equals(bytes(s.locations ?? new Uint32Array(0))) : !s.locations,
  ).toBe(true);
  expect(p.strings.count).toBe(s.strings.count);
  for (let i = 0; i < s.strings.count; i++) if (p.strings.get(i) !== s.strings.get(i)) expect(i).toBe(-1);
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('parallel parse', () => {
  it('gives the serial columns byte for byte on real snapshots, at any chunk size', async () => {
    for (const file of real.files) {
      const serial = await parseSnapshot(file, { parallel: false });
      expect(serial.edgeTo.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      for (const chunkBytes of [undefined, 4099]) {
        const par = await parseSnapshot(file, { parallel: true, chunkBytes });
        // the edges were written by the worker into shared memory, not by this thread
        expect(par.edgeTo.buffer).toBeInstanceOf(SharedArrayBuffer);
        expectSame(par, serial);
      }
    }
  }, 60_000);

  const nodes = [
    { name: '' },
    { name: 'Holder' },
    { type: 'string', name: 'a "quoted" é' },
    { name: 'Leaf' },
  ];
  const edges = [
    { from: 0, to: 1, type: 'element', name: 1 },
    { from: 1, to: 2, name: 'a' },
    { from: 1, to: 3, name: 'b' },
    { from: 3, to: 1, type: 'weak', name: 'back' },
  ];

  it('reads edges that do not follow the nodes on this thread, the same as serially', async () => {
    const j = JSON.parse(handSnapshot(nodes, edges));
    const reordered = JSON.stringify({
      snapshot: j.snapshot,
      edges: j.edges,
      nodes: j.nodes,
      strings: j.strings,
    });
    const f = writeHand(dir, 'order.heapsnapshot', reordered);
    for (const chunkBytes of [1, 5, 4096]) {
      const par = await parseSnapshot(f, { parallel: true, chunkBytes });
      expectSame(par, await parseSnapshot(f, { parallel: false, chunkBytes }));
      expect(par.edgeTo[3]).toBe(1);
    }
  });

  it('fails with the serial message on corrupted or truncated edges', async () => {
    const good = handSnapshot(nodes, edges);
    const cases: Array<[string, string]> = [
      ['edge-out', good.replace(/"edges":\[(\d+),(\d+),(\d+)/, '"edges":[$1,$2,700')],
      ['edge-neg', good.replace(/"edges":\[(\d+),/, '"edges":[-$1,')],
      ['edge-many', good.replace('"edge_count":4', '"edge_count":3')],
      ['edge-few', good.replace('"edge_count":4', '"edge_count":5')],
      // an edges fault comes first even when the strings are broken too
      [
        'edge-and-strings',
        good
          .replace(/"edges":\[(\d+),(\d+),(\d+)/, '"edges":[$1,$2,700')
          .replace('"strings":[', '"strings":[x'),
      ],
      ['cut-in-edges', good.slice(0, good.indexOf('"edges":[') + 14)],
      ['cut-in-nodes', good.slice(0, good.indexOf('"nodes":[') + 12)],
    ];
    for (const [name, text] of cases) {
      const f = writeHand(dir, `${name}.heapsnapshot`, text);
      const s = await failure(parseSnapshot(f, { parallel: false }));
      for (const chunkBytes of [3, 4096]) {
        const p = await failure(parseSnapshot(f, { parallel: true, chunkBytes }));
        expect(p, name).toBeInstanceOf(UserError);
        expect(p.message, name).toBe(s.message);
      }
    }
  });
});
