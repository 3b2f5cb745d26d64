// The pipeline's buffer pool across snapshots of different sizes (scratch.ts).
import { describe, expect, it } from 'vitest';
import { ScratchPool } from '../../electron/engine/heap/scratch';

describe('ScratchPool across snapshots', () => {
  it('reuses a buffer for the same array of a slightly bigger next snapshot', () => {
    const pool = new ScratchPool();
    const a = pool.u32(1_000_000);
    pool.give(a);
    // the next snapshot 3% bigger (as the two bench files are)
    const b = pool.u32(1_030_000);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(1_030_000);
    expect(b.every((v) => v === 0)).toBe(true);
  });

  it('drops a free buffer that is too small for the same array of a much bigger snapshot', () => {
    const pool = new ScratchPool();
    const small = pool.u32(100_000);
    pool.give(small);
    const big = pool.u32(150_000);
    expect(big.buffer).not.toBe(small.buffer);
    // dropped, not kept beside the new one: a later request of its size gets a fresh buffer
    expect(pool.u32(100_000).buffer).not.toBe(small.buffer);
  });

  it('hands shared buffers only to shared requests and plain ones to either', () => {
    const pool = new ScratchPool();
    const plain = pool.u8(200_000);
    pool.give(plain);
    const shared = pool.u8(200_000, true, true);
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.buffer).not.toBe(plain.buffer);
    pool.give(shared);
    expect(pool.u8(200_000, true, true).buffer).toBe(shared.buffer);
  });
});
