// An edges thread that fails (cannot start here, crashes) costs the speed-up, not the parse.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseSnapshot } from '../../electron/engine/heap/parse';
import { writeSnapshots } from '../fixtures/heap/helpers';

const started = vi.hoisted(() => ({ count: 0 }));
vi.mock('../../electron/engine/heap/edges-thread', () => ({
  startEdgeThread: () => {
    started.count++;
    return {
      post: () => {},
      answer: Promise.resolve({ ok: false, error: 'exited with code 1', user: false }),
      stop: () => {},
    };
  },
}));

let real: { dir: string; files: string[] };
beforeAll(() => {
  real = writeSnapshots('leak', 200);
}, 120_000);
afterAll(() => fs.rmSync(real.dir, { recursive: true, force: true }));

describe('parallel parse with a failing edges thread', () => {
  it('parses serially instead and gives the same columns', async () => {
    const file = real.files[1];
    const serial = await parseSnapshot(file, { parallel: false });
    expect(started.count).toBe(0);
    const par = await parseSnapshot(file, { parallel: true });
    expect(started.count).toBe(1);
    expect(par.edgeCount).toBe(serial.edgeCount);
    const same = (a: ArrayBufferView, b: ArrayBufferView) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      );
    expect(same(par.edgeTo, serial.edgeTo)).toBe(true);
    expect(same(par.edgeName, serial.edgeName)).toBe(true);
    expect(same(par.nodeId, serial.nodeId)).toBe(true);
  });
});
