import { describe, expect, it } from 'vitest';
import { MAX_HEAD_BYTES, ParseError, ResponseParser } from '../../electron/engine/load/parser';

type Event = [number, boolean];

function feed(chunks: Buffer[], noBody = false): { events: Event[]; parser: ResponseParser } {
  const events: Event[] = [];
  const parser = new ResponseParser((status, keepAlive) => events.push([status, keepAlive]));
  parser.noBody = noBody;
  for (const c of chunks) parser.execute(c);
  return { events, parser };
}

const b = (s: string) => Buffer.from(s, 'latin1');

const RESPONSES: { name: string; raw: string; events: Event[] }[] = [
  {
    name: 'content-length',
    raw: 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
    events: [[200, true]],
  },
  { name: 'empty body', raw: 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n', events: [[404, true]] },
  {
    name: 'chunked with extension and trailer',
    raw: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;name=v\r\nhel\r\nA\r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\n',
    events: [[200, true]],
  },
  {
    name: 'chunked, upper-case hex, gzip first',
    raw: 'HTTP/1.1 201 Created\r\nTRANSFER-ENCODING: gzip, chunked\r\n\r\n1F\r\n0123456789012345678901234567890\r\n0\r\n\r\n',
    events: [[201, true]],
  },
  {
    name: 'connection close',
    raw: 'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok',
    events: [[200, false]],
  },
  {
    name: 'http/1.0 default close',
    raw: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
    events: [[200, false]],
  },
  {
    name: 'http/1.0 keep-alive',
    raw: 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok',
    events: [[200, true]],
  },
  {
    name: '204 has no body',
    raw: 'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n',
    events: [[204, true]],
  },
  { name: '304 has no body', raw: 'HTTP/1.1 304 Not Modified\r\n\r\n', events: [[304, true]] },
  {
    name: '100 continue is skipped',
    raw: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Internal Server Error\r\nContent-Length: 3\r\n\r\nbad',
    events: [[500, true]],
  },
];

describe('ResponseParser', () => {
  for (const r of RESPONSES) {
    it(`parses ${r.name}`, () => {
      const { events, parser } = feed([b(r.raw)]);
      expect(events).toEqual(r.events);
      expect(parser.idle).toBe(true);
    });
  }

  it('gives the same events wherever a stream of responses is split (every boundary, and byte by byte)', () => {
    const all = RESPONSES.map((r) => r.raw).join('');
    const expected = RESPONSES.flatMap((r) => r.events);
    const whole = b(all);
    expect(feed([whole]).events).toEqual(expected);
    for (let i = 0; i <= whole.length; i++) {
      expect(feed([whole.subarray(0, i), whole.subarray(i)]).events, `split at ${i}`).toEqual(expected);
    }
    for (let i = 1; i < whole.length; i += 7) {
      const j = Math.min(whole.length, i + 13);
      const three = [whole.subarray(0, i), whole.subarray(i, j), whole.subarray(j)];
      expect(feed(three).events, `split at ${i} and ${j}`).toEqual(expected);
    }
    const bytes = [...whole].map((x) => Buffer.from([x]));
    expect(feed(bytes).events).toEqual(expected);
  });

  it('reports each response of pipelined-looking input in order', () => {
    const one = 'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na';
    const two = 'HTTP/1.1 503 Busy\r\nContent-Length: 1\r\n\r\nb';
    const { events } = feed([b(one + two + one)]);
    expect(events).toEqual([
      [200, true],
      [503, true],
      [200, true],
    ]);
  });

  it('is not idle in the middle of a response, and idle again after it', () => {
    const { parser, events } = feed([b('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab')]);
    expect(events).toEqual([]);
    expect(parser.idle).toBe(false);
    parser.execute(b('cd'));
    expect(events).toEqual([[200, true]]);
    expect(parser.idle).toBe(true);
  });

  it('ends a body without length at close, and calls that a closing response', () => {
    const { parser, events } = feed([b('HTTP/1.1 200 OK\r\n\r\nstream of bytes')]);
    expect(events).toEqual([]);
    expect(parser.finish()).toBe(true);
    expect(events).toEqual([[200, false]]);
    expect(parser.finish()).toBe(false);
  });

  it('treats a HEAD response as headers only', () => {
    const { events } = feed([b('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n')], true);
    expect(events).toEqual([[200, true]]);
  });

  const malformed: [string, string][] = [
    ['not http', 'SSH-2.0-OpenSSH_9.2\r\n\r\n'],
    ['bad status', 'HTTP/1.1 2x0 OK\r\n\r\n'],
    ['status out of range', 'HTTP/1.1 700 What\r\n\r\n'],
    ['http/2 preface-like', 'HTTP/2 200\r\n\r\n'],
    ['header without colon', 'HTTP/1.1 200 OK\r\nContent-Length 5\r\n\r\nhello'],
    ['bad content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello'],
    ['conflicting content-length', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello'],
    ['bad chunk size', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
    [
      'chunk longer than its size',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
    ],
    ['upgrade', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'],
  ];
  for (const [name, raw] of malformed) {
    it(`rejects ${name} with a ParseError`, () => {
      expect(() => feed([b(raw)])).toThrow(ParseError);
    });
  }

  it('rejects a head that never ends instead of buffering it forever', () => {
    const parser = new ResponseParser(() => {});
    parser.execute(b('HTTP/1.1 200 OK\r\n'));
    const filler = b(`X-Filler: ${'a'.repeat(1000)}\r\n`);
    expect(() => {
      for (let i = 0; i <= MAX_HEAD_BYTES / filler.length + 1; i++) parser.execute(filler);
    }).toThrow(/larger than/);
  });

  it('throws when the connection closes in the middle of a response', () => {
    const { parser } = feed([b('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')]);
    expect(() => parser.finish()).toThrow(/middle of a response's body/);
    const half = feed([b('HTTP/1.1 200 OK\r\nContent-')]).parser;
    expect(() => half.finish()).toThrow(/headers/);
  });
});
