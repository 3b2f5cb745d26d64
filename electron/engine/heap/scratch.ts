// Big typed arrays handed from one analysis step to the next instead of allocated anew.
// Every fresh array of this size is fresh memory (glibc maps it, and unmaps it when V8
// collects it), and on these VMs the first touch of fresh memory costs ~4 ms per MB:
// more than the arithmetic of most steps. Reusing the buffers of finished steps keeps
// their pages mapped, and the peak at the largest step's need rather than their sum.

type View = Uint8Array | Uint32Array | Int32Array | Float64Array;

// Requests of n and n + 1 elements (CSR offsets) must fit the same buffer.
const SLACK = 64 * 1024;

export class ScratchPool {
  private free: ArrayBuffer[] = [];

  constructor(private readonly reuse = true) {}

  private take(bytes: number, shared = false): ArrayBuffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      // a worker thread writes into shared ones: only a SharedArrayBuffer will do there
      if (shared && !(this.free[i] instanceof SharedArrayBuffer)) continue;
      const len = this.free[i].byteLength;
      // a small request must not take a big buffer a later step needs whole
      if (len >= bytes && len <= 2 * bytes + SLACK && (best < 0 || len < this.free[best].byteLength))
        best = i;
    }
    if (best < 0) {
      // The next snapshot of a hunt is usually a little bigger (it is the leak): room for
      // 1/8 more lets it reuse this buffer. The room is never touched, so it costs address
      // space, not memory. Free buffers that are almost this size but too small are most
      // likely this very array of a smaller snapshot: kept, they would sit beside the new
      // one (measured, the pipeline on 2 distinct ~300 MB snapshots: 970 MB peak before,
      // 670-700 MB with both; one alone: 500 MB).
      this.free = this.free.filter((f) => !(f.byteLength < bytes && f.byteLength >= bytes / 2));
      const size = this.reuse ? Math.ceil((bytes + (bytes >>> 3) + SLACK) / SLACK) * SLACK : bytes;
      return shared ? (new SharedArrayBuffer(size) as unknown as ArrayBuffer) : new ArrayBuffer(size);
    }
    const buf = this.free[best];
    this.free[best] = this.free[this.free.length - 1];
    this.free.pop();
    return buf;
  }

  /** A Uint32Array of `length`, zero-filled unless `zero` is false (every slot written first). */
  u32(length: number, zero = true, shared = false): Uint32Array {
    const a = new Uint32Array(this.take(length * 4, shared), 0, length);
    if (zero) a.fill(0);
    return a;
  }

  i32(length: number, zero = true): Int32Array {
    const a = new Int32Array(this.take(length * 4), 0, length);
    if (zero) a.fill(0);
    return a;
  }

  u8(length: number, zero = true, shared = false): Uint8Array {
    const a = new Uint8Array(this.take(length, shared), 0, length);
    if (zero) a.fill(0);
    return a;
  }

  f64(length: number, zero = true): Float64Array {
    const a = new Float64Array(this.take(length * 8), 0, length);
    if (zero) a.fill(0);
    return a;
  }

  /** Hand arrays back; the caller must not use them (or any view of their buffer) again. */
  give(...views: View[]): void {
    if (!this.reuse) return;
    for (const v of views) {
      if (v.buffer.byteLength >= SLACK && !this.free.includes(v.buffer as ArrayBuffer)) {
        this.free.push(v.buffer as ArrayBuffer);
      }
    }
  }

  /** Drop every free buffer (V8 unmaps them when it collects). */
  clear(): void {
    this.free = [];
  }
}

/** Plain allocation: for callers that keep every array they are given (queries, tests). */
export const noPool = new ScratchPool(false);
