import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { estimateMemory, parseSnapshot } from '../../electron/engine/heap/parse';
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

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('parseSnapshot on a real V8 snapshot', () => {
  it('reads header counts, columns and strings', async () => {
    const file = real.files[2];
    const s = await parseSnapshot(file);
    // the header's own counts, read independently of the parser
    const head = fs.readFileSync(file).subarray(0, 4096).toString();
    const nodeCount = Number(/"node_count":(\d+)/.exec(head)![1]);
    const edgeCount = Number(/"edge_count":(\d+)/.exec(head)![1]);
    expect(s.nodeCount).toBe(nodeCount);
    expect(s.edgeCount).toBe(edgeCount);
    expect(s.firstEdge[s.nodeCount]).toBe(edgeCount);
    expect(s.nodeTypeNames).toContain('object');
    const objectType = s.nodeTypeNames.indexOf('object');
    let found = 0;
    for (let n = 0; n < s.nodeCount; n++) {
      if (s.nodeType[n] === objectType && s.strings.get(s.nodeName[n]) === 'OrderAuditEntry') found++;
    }
    // 1000 instances, plus the class's prototype object which V8 names the same
    expect(found).toBeGreaterThanOrEqual(1000);
    expect(found).toBeLessThanOrEqual(1001);
    for (let e = 0; e < s.edgeCount; e += 997) expect(s.edgeTo[e]).toBeLessThan(s.nodeCount);
  });

  it('gives identical arrays whatever the chunk size', async () => {
    const a = await parseSnapshot(real.files[0]);
    const b = await parseSnapshot(real.files[0], { chunkBytes: 1009 });
    expect(Buffer.from(b.nodeId.buffer).equals(Buffer.from(a.nodeId.buffer))).toBe(true);
    expect(Buffer.from(b.edgeTo.buffer).equals(Buffer.from(a.edgeTo.buffer))).toBe(true);
    expect(Buffer.from(b.nodeSelfSize.buffer).equals(Buffer.from(a.nodeSelfSize.buffer))).toBe(true);
    expect(b.strings.count).toBe(a.strings.count);
    for (let i = 0; i < a.strings.count; i += 37) expect(b.strings.get(i)).toBe(a.strings.get(i));
  });

  it('reports progress up to the file size', async () => {
    const seen: number[] = [];
    await parseSnapshot(real.files[0], { chunkBytes: 65536, onProgress: (r, total) => seen.push(r / total) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toBe(1);
  });
});

describe('parseSnapshot on hand-made files', () => {
  const nodes = [
    { name: '' },
    { name: 'Holder' },
    { type: 'string', name: 'quote " back \\ slash é ü 漢字 \u2028 end' },
    { type: 'string', name: 'tab\tnew\nline' },
  ];
  const edges = [
    { from: 0, to: 1, type: 'element', name: 1 },
    { from: 1, to: 2, name: 'a' },
    { from: 1, to: 3, name: 'b' },
  ];

  for (const fields of [6, 7] as const) {
    it(`decodes escapes and UTF-8 split across chunks (${fields}-field nodes)`, async () => {
      const f = writeHand(dir, `esc${fields}.heapsnapshot`, handSnapshot(nodes, edges, fields));
      for (const chunkBytes of [1, 3, 7, 4096]) {
        const s = await parseSnapshot(f, { chunkBytes });
        expect(s.nodeCount).toBe(4);
        expect(s.strings.get(s.nodeName[2])).toBe(nodes[2].name);
        expect(s.strings.get(s.nodeName[3])).toBe(nodes[3].name);
        expect(s.edgeTo[1]).toBe(2);
        expect(s.nodeId[3]).toBe(7);
      }
    });
  }

  it('rejects a truncated file with a clear one-line message', async () => {
    const bytes = fs.readFileSync(real.files[0]);
    for (const frac of [0.01, 0.4, 0.8, 0.999]) {
      const f = writeHand(dir, 'cut.heapsnapshot', '');
      fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length * frac)));
      const e = await rejection(parseSnapshot(f));
      expect(e).toBeInstanceOf(UserError);
      expect(e.message).toMatch(/^cut\.heapsnapshot is truncated: .*; take the snapshot again$/);
      expect(e.message).not.toContain('\n');
    }
  });

  it('rejects non-JSON, empty and foreign JSON files', async () => {
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['text.heapsnapshot', 'hello world', /is not a V8 heap snapshot \(it does not start with \{\)/],
      ['bin.heapsnapshot', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00]), /is not a V8 heap snapshot/],
      ['empty.heapsnapshot', '', /is empty/],
      ['pkg.heapsnapshot', '{"name":"x","version":"1.0.0"}', /truncated: no "snapshot" header/],
      [
        'meta.heapsnapshot',
        '{"snapshot":{"meta":{"node_fields":["type","name"],"edge_fields":["type","name_or_index","to_node"]},"node_count":1,"edge_count":0},"nodes":[0,0]}',
        /unsupported heap snapshot layout: node field "id" is missing/,
      ],
    ];
    for (const [name, text, re] of cases) {
      const f = writeHand(dir, name, '');
      fs.writeFileSync(f, text);
      const e = await rejection(parseSnapshot(f));
      expect(e, name).toBeInstanceOf(UserError);
      expect(e.message, name).toMatch(re);
    }
    const missing = await rejection(parseSnapshot(path.join(dir, 'nope.heapsnapshot')));
    expect(missing.message).toMatch(/does not exist/);
  });

  it('rejects corrupted counts and edges pointing outside the nodes', async () => {
    const good = handSnapshot(nodes, edges);
    const badCount = writeHand(dir, 'count.heapsnapshot', good.replace('"node_count":4', '"node_count":5'));
    expect((await rejection(parseSnapshot(badCount))).message).toMatch(
      /corrupted: 4 nodes where the header declares 5/,
    );
    const badEdge = writeHand(
      dir,
      'edge.heapsnapshot',
      good.replace(/"edges":\[(\d+),(\d+),(\d+)/, '"edges":[$1,$2,700'),
    );
    expect((await rejection(parseSnapshot(badEdge))).message).toMatch(
      /corrupted: an edge points outside the nodes/,
    );
  });

  it('refuses before parsing when the memory needed exceeds what is available', async () => {
    const f = real.files[0];
    const size = fs.statSync(f).size;
    const e = await rejection(parseSnapshot(f, { availableBytes: size / 2 }));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toMatch(/needs about \d+ MB of memory to analyse but only \d+ MB is available/);
    expect(estimateMemory(2 ** 30)).toBeGreaterThan(2 ** 30);
    expect(estimateMemory(2 ** 30)).toBeLessThan(1.6 * 2 ** 30);
  });
});
