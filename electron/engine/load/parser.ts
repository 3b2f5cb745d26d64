// Minimal incremental HTTP/1.1 response parser for the load generator. It only extracts
// what a load test needs (status, whether the connection stays open, where the message
// ends) and skips bodies without copying them. Bytes may arrive split anywhere; several
// responses may arrive in one chunk. Anything it cannot frame is a ParseError: the caller
// counts it and drops the connection, since the byte stream can no longer be trusted.

export class ParseError extends Error {
  override name = 'ParseError';
}

const HEAD = 0;
const BODY = 1; // Content-Length bytes remain
const BODY_UNTIL_CLOSE = 2;
const CHUNK_SIZE = 3;
const CHUNK_EXT = 4;
const CHUNK_SIZE_LF = 5;
const CHUNK_DATA = 6;
const CHUNK_DATA_CR = 7;
const CHUNK_DATA_LF = 8;
const TRAILER_LINE_START = 9;
const TRAILER_LINE = 10;
const TRAILER_END_LF = 11;

const CR = 13;
const LF = 10;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** heads larger than this are treated as garbage rather than buffered forever */
export const MAX_HEAD_BYTES = 64 * 1024;

export type ResponseHandler = (status: number, keepAlive: boolean) => void;

export class ResponseParser {
  /** called once per complete response (1xx interim responses are skipped) */
  onResponse: ResponseHandler;
  /** the current request was HEAD: its response has headers only */
  noBody = false;
  private state = HEAD;
  private carry: Buffer | null = null;
  private remaining = 0;
  private chunkDigits = 0;
  private status = 0;
  private keepAlive = true;
  /** bytes of the current (incomplete) response seen so far */
  private partial = 0;

  constructor(onResponse: ResponseHandler) {
    this.onResponse = onResponse;
  }

  /** true when no bytes of an unfinished response are pending */
  get idle(): boolean {
    return this.state === HEAD && this.partial === 0;
  }

  reset(): void {
    this.state = HEAD;
    this.carry = null;
    this.partial = 0;
    this.remaining = 0;
  }

  /** feed bytes; calls onResponse for each response completed; throws ParseError */
  execute(buf: Buffer): void {
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      const state = this.state;
      if (state === HEAD) {
        pos = this.readHead(buf, pos);
        if (pos < 0) return; // head incomplete; rest kept in carry
      } else if (state === BODY) {
        const n = Math.min(this.remaining, end - pos);
        this.remaining -= n;
        pos += n;
        if (this.remaining === 0) this.complete();
        else this.partial += n;
      } else if (state === BODY_UNTIL_CLOSE) {
        this.partial += end - pos;
        return;
      } else if (state === CHUNK_DATA) {
        const n = Math.min(this.remaining, end - pos);
        this.remaining -= n;
        pos += n;
        this.partial += n;
        if (this.remaining === 0) this.state = CHUNK_DATA_CR;
      } else {
        this.chunkByte(buf[pos++]);
      }
    }
  }

  /**
   * The server closed the connection. Returns true if that completed a response whose
   * body runs until close; throws if a response was cut short; false when idle.
   */
  finish(): boolean {
    if (this.state === BODY_UNTIL_CLOSE) {
      this.complete();
      return true;
    }
    if (this.idle) return false;
    const where = this.state === HEAD ? 'headers' : 'body';
    this.reset();
    throw new ParseError(`connection closed in the middle of a response's ${where}`);
  }

  private complete(): void {
    const status = this.status;
    const keepAlive = this.keepAlive;
    this.state = HEAD;
    this.partial = 0;
    this.onResponse(status, keepAlive);
  }

  /** returns the position after the head, or -1 when more bytes are needed */
  private readHead(buf: Buffer, pos: number): number {
    let src = buf;
    let from = pos;
    let searchFrom = pos;
    if (this.carry !== null) {
      const carried = this.carry.length;
      src = Buffer.concat([this.carry, buf.subarray(pos)]);
      from = 0;
      searchFrom = Math.max(0, carried - 3);
    }
    const at = src.indexOf(HEAD_END, searchFrom);
    if (at < 0) {
      if (src.length - from > MAX_HEAD_BYTES) {
        this.reset();
        throw new ParseError(`response head larger than ${MAX_HEAD_BYTES} bytes`);
      }
      this.carry = from === 0 && src !== buf ? src : Buffer.from(src.subarray(from));
      this.partial = this.carry.length;
      return -1;
    }
    const headEnd = at + 4;
    const consumedFromBuf = this.carry === null ? headEnd : headEnd - this.carry.length + pos;
    this.carry = null;
    this.parseHead(src, from, at);
    return consumedFromBuf;
  }

  /** parse status line + headers in src[start, end) (end = index of the blank line's CR) */
  private parseHead(src: Buffer, start: number, end: number): void {
    // "HTTP/1.x SSS"
    if (
      end - start < 12 ||
      src[start] !== 72 || // H
      src[start + 1] !== 84 ||
      src[start + 2] !== 84 ||
      src[start + 3] !== 80 ||
      src[start + 4] !== 47 ||
      src[start + 5] !== 49 || // 1
      src[start + 6] !== 46 ||
      src[start + 8] !== 32
    ) {
      this.reset();
      throw new ParseError(`not an HTTP/1.x response: ${JSON.stringify(preview(src, start, end))}`);
    }
    const minor = src[start + 7] - 48;
    const d0 = src[start + 9] - 48;
    const d1 = src[start + 10] - 48;
    const d2 = src[start + 11] - 48;
    if (minor < 0 || minor > 9 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      this.reset();
      throw new ParseError(`bad status line: ${JSON.stringify(preview(src, start, end))}`);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    let keepAlive = minor >= 1;
    let contentLength = -1;
    let chunked = false;

    let line = src.indexOf(LF, start) + 1;
    while (line > 0 && line < end) {
      let eol = src.indexOf(LF, line);
      if (eol < 0 || eol > end) eol = end;
      const lineEnd = src[eol - 1] === CR ? eol - 1 : eol;
      const colon = src.indexOf(58, line);
      if (colon < 0 || colon > lineEnd) {
        this.reset();
        throw new ParseError(`bad header line: ${JSON.stringify(preview(src, line, lineEnd))}`);
      }
      const nameLen = colon - line;
      // only three headers matter; compare their names case-insensitively by length first
      if (nameLen === 14 && matchName(src, line, 'content-length')) {
        const v = src.toString('latin1', colon + 1, lineEnd).trim();
        if (!/^\d{1,15}$/.test(v)) {
          this.reset();
          throw new ParseError(`bad Content-Length: ${JSON.stringify(v)}`);
        }
        const n = Number(v);
        if (contentLength >= 0 && contentLength !== n) {
          this.reset();
          throw new ParseError('conflicting Content-Length headers');
        }
        contentLength = n;
      } else if (nameLen === 17 && matchName(src, line, 'transfer-encoding')) {
        const v = src
          .toString('latin1', colon + 1, lineEnd)
          .trim()
          .toLowerCase();
        chunked = v === 'chunked' || v.endsWith(',chunked') || v.endsWith(', chunked');
      } else if (nameLen === 10 && matchName(src, line, 'connection')) {
        const v = src.toString('latin1', colon + 1, lineEnd).toLowerCase();
        if (v.includes('close')) keepAlive = false;
        else if (v.includes('keep-alive')) keepAlive = true;
      }
      line = eol + 1;
    }

    this.status = status;
    this.keepAlive = keepAlive;
    this.partial = 1;
    if (status < 200) {
      if (status === 101) {
        this.reset();
        throw new ParseError('server switched protocols (101); only plain HTTP/1.1 is supported');
      }
      this.state = HEAD; // interim (100 Continue, 103 Early Hints): the real response follows
      this.partial = 1;
      return;
    }
    if (this.noBody || status === 204 || status === 304) {
      this.complete();
    } else if (chunked) {
      this.state = CHUNK_SIZE;
      this.chunkDigits = 0;
      this.remaining = 0;
    } else if (contentLength >= 0) {
      this.remaining = contentLength;
      if (contentLength === 0) this.complete();
      else this.state = BODY;
    } else {
      this.keepAlive = false;
      this.state = BODY_UNTIL_CLOSE;
    }
  }

  private chunkByte(c: number): void {
    this.partial++;
    switch (this.state) {
      case CHUNK_SIZE: {
        const h = hexValue(c);
        if (h >= 0) {
          if (++this.chunkDigits > 12) this.fail('chunk size too large');
          this.remaining = this.remaining * 16 + h;
        } else if (this.chunkDigits === 0) {
          this.fail(`bad chunk size byte 0x${c.toString(16)}`);
        } else if (c === CR) {
          this.state = CHUNK_SIZE_LF;
        } else if (c === LF) {
          this.endSizeLine();
        } else if (c === 59 || c === 32 || c === 9) {
          this.state = CHUNK_EXT; // ";ext=val" (or padding before it): ignored
        } else {
          this.fail(`bad chunk size byte 0x${c.toString(16)}`);
        }
        return;
      }
      case CHUNK_EXT:
        if (c === CR) this.state = CHUNK_SIZE_LF;
        else if (c === LF) this.endSizeLine();
        return;
      case CHUNK_SIZE_LF:
        if (c !== LF) this.fail('chunk size line not ended by CRLF');
        this.endSizeLine();
        return;
      case CHUNK_DATA_CR:
        if (c === CR) this.state = CHUNK_DATA_LF;
        else if (c === LF) this.state = CHUNK_SIZE;
        else this.fail('chunk data longer than its size');
        this.chunkDigits = 0;
        this.remaining = 0;
        return;
      case CHUNK_DATA_LF:
        if (c !== LF) this.fail('chunk data not ended by CRLF');
        this.state = CHUNK_SIZE;
        return;
      case TRAILER_LINE_START:
        if (c === CR) this.state = TRAILER_END_LF;
        else if (c === LF) this.complete();
        else this.state = TRAILER_LINE;
        return;
      case TRAILER_LINE:
        if (c === LF) this.state = TRAILER_LINE_START;
        return;
      case TRAILER_END_LF:
        if (c !== LF) this.fail('chunked message not ended by CRLF');
        this.complete();
        return;
      default:
        this.fail(`internal parser state ${this.state}`);
    }
  }

  private endSizeLine(): void {
    if (this.remaining === 0) {
      this.state = TRAILER_LINE_START;
    } else {
      this.state = CHUNK_DATA;
    }
  }

  private fail(msg: string): never {
    this.reset();
    throw new ParseError(msg);
  }
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** lowercase ASCII compare of src[at, at + name.length) with an already-lowercase name */
function matchName(src: Buffer, at: number, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    if ((src[at + i] | 0x20) !== name.charCodeAt(i) && src[at + i] !== name.charCodeAt(i)) return false;
  }
  return true;
}

function preview(src: Buffer, start: number, end: number): string {
  return src.toString('latin1', start, Math.min(end, start + 60));
}
