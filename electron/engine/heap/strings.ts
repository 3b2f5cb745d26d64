// The snapshot's strings section kept as raw UTF-8 bytes with offsets, decoded on demand:
// most strings are never looked at, and a JS string per entry would cost more than the
// bytes themselves (and a single JS string cannot hold more than ~512 MiB).
import { createHash } from 'node:crypto';

export class StringTable {
  readonly count: number;
  private readonly bytes: Buffer;
  private readonly starts: Float64Array | Uint32Array;
  private readonly ends: Float64Array | Uint32Array;
  /** bit set when the string has JSON escapes and needs JSON.parse */
  private readonly escaped: Uint8Array;
  private readonly cache = new Map<number, string>();

  constructor(
    bytes: Buffer,
    starts: Float64Array | Uint32Array,
    ends: Float64Array | Uint32Array,
    escaped: Uint8Array,
    count: number,
  ) {
    this.bytes = bytes;
    this.starts = starts;
    this.ends = ends;
    this.escaped = escaped;
    this.count = count;
  }

  static fromArray(list: string[]): StringTable {
    const parts = list.map((s) => Buffer.from(JSON.stringify(s).slice(1, -1), 'utf8'));
    const starts = new Float64Array(list.length);
    const ends = new Float64Array(list.length);
    const escaped = new Uint8Array(list.length);
    let at = 0;
    parts.forEach((p, i) => {
      starts[i] = at;
      at += p.length;
      ends[i] = at;
      escaped[i] = p.includes(0x5c) ? 1 : 0;
    });
    return new StringTable(Buffer.concat(parts), starts, ends, escaped, list.length);
  }

  /** Decoded string; cached because names (classes, properties) are asked for again and again. */
  get(i: number): string {
    const hit = this.cache.get(i);
    if (hit !== undefined) return hit;
    if (i < 0 || i >= this.count) return '';
    const raw = this.bytes.toString('utf8', this.starts[i], this.ends[i]);
    const s = this.escaped[i] ? JSON.parse(`"${raw}"`) : raw;
    if (this.cache.size > 200_000) this.cache.clear();
    this.cache.set(i, s);
    return s;
  }

  /** Length of the raw (still escaped) UTF-8 bytes. */
  byteLength(i: number): number {
    return this.ends[i] - this.starts[i];
  }

  /** First byte of the raw string (0 for empty): a cheap filter before decoding. */
  firstByte(i: number): number {
    return this.ends[i] > this.starts[i] ? this.bytes[this.starts[i]] : 0;
  }

  /** The redacted form of a string's contents: length and a short content hash, never the contents. */
  redacted(i: number): string {
    const s = this.get(i);
    const h = createHash('sha256').update(s).digest('hex').slice(0, 8);
    return `string(len=${s.length}, sha256:${h})`;
  }

  /** Raw parts, for the on-disk cache. */
  raw(): {
    bytes: Buffer;
    starts: Float64Array | Uint32Array;
    ends: Float64Array | Uint32Array;
    escaped: Uint8Array;
  } {
    return { bytes: this.bytes, starts: this.starts, ends: this.ends, escaped: this.escaped };
  }

  get byteSize(): number {
    return this.bytes.length + this.count * 17;
  }
}
