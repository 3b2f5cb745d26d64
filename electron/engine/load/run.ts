// The load loop: `concurrency` virtual users, each with one keep-alive connection per
// origin and at most one request in flight (closed loop, like wrk and autocannon), an
// optional overall rate cap spread evenly over time, per-request timeouts swept by one
// interval timer (a timer per request costs more than the request at 30k rps), and
// reconnection whenever the server closes — servers that close after every response
// (gunicorn sync workers) are normal, not errors.
import dns from 'node:dns';
import net from 'node:net';
import type { Endpoint } from '../../../shared/options';
import { UserError } from '../errors';
import { ParseError, ResponseParser } from './parser';
import type { LoadRecorder } from './recorder';
import { type CompiledEndpoint, compileEndpoint, type Origin, WeightedPicker } from './request';

export interface LoadPhaseOptions {
  /** urls already resolved (no `{port}`) */
  endpoints: Endpoint[];
  concurrency: number;
  /** stop after this many request outcomes (responses + requests that got none) */
  requests?: number;
  durationMs?: number;
  /** overall cap, requests per second */
  rate?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** pause of each virtual user after a response: fixed ms, or uniform in [min, max] */
  thinkTimeMs?: number | readonly [number, number];
}

/** after a connect error a user waits this long before trying again, so a dead target is not spun on */
const CONNECT_BACKOFF_MS = 50;
/**
 * How far behind schedule the rate limiter may catch up at once: two intervals, but at
 * least a few ms since timers fire ~1 ms late and high rates need several sends per tick.
 */
const rateCatchUpMs = (interval: number) => Math.max(2 * interval, 4);

class Conn {
  socket: net.Socket | null = null;
  parser: ResponseParser | null = null;
  connected = false;
  /** responses read on the current socket: a reused socket may be closed by the server at any time */
  served = 0;
  lastError: Error | null = null;

  constructor(
    readonly run: LoadRun,
    readonly slot: Slot,
    readonly origin: Origin,
  ) {}

  write(buf: Buffer, noBody: boolean): void {
    if (this.socket === null) this.open();
    this.parser!.noBody = noBody;
    this.socket!.write(buf);
  }

  open(): void {
    const { host, port } = this.origin;
    // no Nagle: a request body may need a second segment, which must not wait for an ACK
    const s = net.isIP(host)
      ? net.connect({ host, port, noDelay: true })
      : net.connect({ host, port, noDelay: true, lookup: cachedLookup });
    const parser = new ResponseParser((status, keepAlive) => {
      if (this.socket !== s) return;
      this.served++;
      if (!keepAlive) this.drop();
      this.run.onResponse(this.slot, status);
    });
    this.socket = s;
    this.parser = parser;
    this.connected = false;
    this.served = 0;
    this.lastError = null;
    const run = this.run;
    s.on('connect', () => {
      if (this.socket === s) this.connected = true;
    });
    s.on('data', (chunk: Buffer) => {
      if (this.socket !== s) return;
      run.recorder.bytesRead += chunk.length;
      try {
        parser.execute(chunk);
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        this.drop();
        run.onFailure(this.slot, 'other', `bad response from ${this.origin.key}: ${e.message}`);
      }
    });
    s.on('error', (e) => {
      if (this.socket === s) this.lastError = e;
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.onClose(parser);
    });
  }

  private onClose(parser: ResponseParser): void {
    const reused = this.served > 0;
    const connected = this.connected;
    const err = this.lastError;
    const slot = this.slot;
    if (!slot.inFlight || slot.conn !== this) {
      this.socket = null; // idle keep-alive connection closed: fine
      this.parser = null;
      return;
    }
    try {
      // a body delimited by the close ends here; its onResponse still sees this socket as current
      if (parser.finish()) return;
    } catch (e) {
      this.drop();
      this.run.onFailure(slot, 'other', `${this.origin.key}: ${(e as Error).message}`);
      return;
    }
    this.socket = null;
    this.parser = null;
    if (!connected) {
      this.run.onFailure(
        slot,
        'connect',
        `cannot connect to ${this.origin.key}: ${err?.message ?? 'closed'}`,
      );
    } else if (reused && !slot.retried) {
      // the server closed an idle keep-alive connection just as we reused it: resend once
      slot.retried = true;
      this.run.resend(slot);
    } else {
      this.run.onFailure(
        slot,
        'other',
        `${this.origin.key} closed the connection without a response${err ? ` (${err.message})` : ''}`,
      );
    }
  }

  /** forget the socket (its events are ignored from now on) and close it */
  drop(): void {
    const s = this.socket;
    this.socket = null;
    this.parser = null;
    if (s !== null) s.destroy();
  }
}

const lookupCache = new Map<string, { at: number; addrs: dns.LookupAddress[] }>();

/**
 * dns.lookup with a short cache: a server that closes after every response would otherwise
 * cost a getaddrinfo (on the libuv thread pool) per request.
 */
function cachedLookup(
  hostname: string,
  options: dns.LookupOptions,
  callback: (
    err: NodeJS.ErrnoException | null,
    address: string | dns.LookupAddress[],
    family?: number,
  ) => void,
): void {
  const reply = (addrs: dns.LookupAddress[]) =>
    options.all ? callback(null, addrs) : callback(null, addrs[0].address, addrs[0].family);
  const hit = lookupCache.get(hostname);
  if (hit !== undefined && performance.now() - hit.at < 10_000) {
    process.nextTick(reply, hit.addrs);
    return;
  }
  dns.lookup(hostname, { all: true }, (err, addrs) => {
    if (err) return callback(err, []);
    lookupCache.set(hostname, { at: performance.now(), addrs });
    reply(addrs);
  });
}

class Slot {
  inFlight = false;
  retried = false;
  sentAt = 0;
  endpoint: CompiledEndpoint | null = null;
  buf: Buffer | null = null;
  conn: Conn | null = null;
  retire = false;
  timer: NodeJS.Timeout | null = null;
  readonly conns: Conn[] = [];

  constructor(readonly index: number) {}

  closeAll(): void {
    for (const c of this.conns) c?.drop();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export class LoadRun {
  readonly recorder: LoadRecorder;
  private readonly endpoints: CompiledEndpoint[];
  private readonly originIndex: number[];
  private readonly origins: Origin[] = [];
  private readonly picker: WeightedPicker;
  private readonly slots: Slot[] = [];
  private readonly idle: Slot[] = [];
  private readonly budget: number;
  private readonly timeoutMs: number;
  private readonly think: readonly [number, number] | null;
  private readonly signal: AbortSignal | undefined;
  private readonly durationMs: number | undefined;
  private dispatched = 0;
  private inFlight = 0;
  private interval = 0;
  private nextToken = 0;
  private rateTimer: NodeJS.Timeout | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private forceTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private finished = false;
  private resolve: (() => void) | null = null;
  private readonly onAbort = () => this.stop();
  private wantSlots: number;

  constructor(opts: LoadPhaseOptions, recorder: LoadRecorder) {
    validate(opts);
    this.recorder = recorder;
    this.endpoints = opts.endpoints.map(compileEndpoint);
    this.originIndex = this.endpoints.map((ep) => {
      const i = this.origins.findIndex((o) => o.key === ep.origin.key);
      if (i >= 0) return i;
      this.origins.push(ep.origin);
      return this.origins.length - 1;
    });
    this.picker = new WeightedPicker(this.endpoints.map((e) => e.weight));
    this.budget = opts.requests ?? Number.POSITIVE_INFINITY;
    this.timeoutMs = opts.timeoutMs;
    this.signal = opts.signal;
    const t = opts.thinkTimeMs;
    this.think = t === undefined || t === 0 ? null : typeof t === 'number' ? [t, t] : [t[0], t[1]];
    this.wantSlots = opts.concurrency;
    this.setRate(opts.rate);
    this.durationMs = opts.durationMs;
  }

  /** runs until the budget or duration is met or stop()/abort; resolves when all requests ended */
  start(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.resolve = resolve;
      const now = performance.now();
      this.recorder.beginPhase(now);
      this.nextToken = now;
      if (this.signal?.aborted) {
        this.stopping = true;
        this.maybeFinish();
        return;
      }
      this.signal?.addEventListener('abort', this.onAbort, { once: true });
      if (this.durationMs !== undefined) {
        this.deadlineTimer = setTimeout(() => this.stop(), this.durationMs);
      }
      const period = Math.min(250, Math.max(5, this.timeoutMs / 10));
      this.sweeper = setInterval(() => this.sweep(), period);
      this.setConcurrency(this.wantSlots);
    });
  }

  /** change the number of virtual users; extra users leave after their current request */
  setConcurrency(n: number): void {
    if (!Number.isInteger(n) || n < 0)
      throw new UserError(`concurrency must be a whole number ≥ 0, got ${n}`);
    this.wantSlots = n;
    let active = this.slots.filter((s) => !s.retire).length;
    for (const s of this.slots) {
      if (active <= n) break;
      if (!s.retire) {
        s.retire = true;
        active--;
        const at = this.idle.indexOf(s);
        if (at >= 0) {
          this.idle.splice(at, 1);
          s.closeAll();
        }
      }
    }
    // reuse retired users before adding new ones, so connection counts stay honest
    for (const s of this.slots) {
      if (active >= n) break;
      if (s.retire) {
        s.retire = false;
        active++;
        if (!s.inFlight && s.timer === null) this.idle.push(s);
      }
    }
    while (active < n) {
      const s = new Slot(this.slots.length);
      this.slots.push(s);
      this.idle.push(s);
      active++;
    }
    this.pump();
  }

  setRate(rate: number | undefined): void {
    if (rate !== undefined && !(rate > 0)) throw new UserError(`rate must be > 0 requests/s, got ${rate}`);
    this.interval = rate === undefined ? 0 : 1000 / rate;
    if (this.rateTimer !== null) {
      clearTimeout(this.rateTimer);
      this.rateTimer = null;
    }
    this.nextToken = performance.now();
    if (this.resolve !== null) this.pump();
  }

  /** stop sending; requests in flight finish, or time out within timeoutMs */
  stop(): void {
    if (this.stopping || this.finished) return;
    this.stopping = true;
    this.forceTimer = setTimeout(() => this.finish(), this.timeoutMs + 500);
    this.maybeFinish();
  }

  private pump(): void {
    if (this.stopping || this.resolve === null) {
      this.maybeFinish();
      return;
    }
    const idle = this.idle;
    while (idle.length > 0) {
      if (this.dispatched >= this.budget) {
        this.stopping = true;
        break;
      }
      if (this.interval > 0) {
        const now = performance.now();
        if (this.nextToken > now) {
          if (this.rateTimer === null) {
            this.rateTimer = setTimeout(this.onRateTimer, this.nextToken - now);
          }
          break;
        }
        this.nextToken = Math.max(this.nextToken, now - rateCatchUpMs(this.interval)) + this.interval;
      }
      const slot = idle.pop()!;
      this.dispatched++;
      this.send(slot);
    }
    this.maybeFinish();
  }

  private readonly onRateTimer = () => {
    this.rateTimer = null;
    this.pump();
  };

  private send(slot: Slot): void {
    const i = this.endpoints.length === 1 ? 0 : this.picker.next();
    const ep = this.endpoints[i];
    const buf = ep.fixed ?? ep.build({ counter: ++this.recorder.sequence, vu: slot.index });
    let conn = slot.conns[this.originIndex[i]];
    if (conn === undefined) {
      conn = new Conn(this, slot, this.origins[this.originIndex[i]]);
      slot.conns[this.originIndex[i]] = conn;
    }
    slot.endpoint = ep;
    slot.buf = buf;
    slot.conn = conn;
    slot.inFlight = true;
    slot.retried = false;
    this.inFlight++;
    slot.sentAt = performance.now();
    conn.write(buf, ep.noBody);
  }

  resend(slot: Slot): void {
    slot.sentAt = performance.now();
    slot.conn!.write(slot.buf!, slot.endpoint!.noBody);
  }

  onResponse(slot: Slot, status: number): void {
    if (!slot.inFlight) {
      // a response nobody asked for: the stream is out of step, start over
      slot.conn?.drop();
      this.recorder.recordError('other', 'server sent a response without a request');
      return;
    }
    const now = performance.now();
    this.recorder.recordResponse(status, (now - slot.sentAt) * 1000, now);
    this.release(slot, 0);
  }

  onFailure(slot: Slot, kind: 'connect' | 'timeout' | 'other', message: string): void {
    if (!slot.inFlight) return;
    this.recorder.recordError(kind, message);
    this.release(slot, kind === 'connect' ? CONNECT_BACKOFF_MS : 0);
  }

  private release(slot: Slot, delayMs: number): void {
    slot.inFlight = false;
    slot.buf = null;
    this.inFlight--;
    if (slot.retire || this.finished) {
      slot.closeAll();
      this.maybeFinish();
      return;
    }
    if (this.think !== null) {
      const [lo, hi] = this.think;
      delayMs += lo + (hi > lo ? Math.random() * (hi - lo) : 0);
    }
    if (delayMs > 0 && !this.stopping) {
      slot.timer = setTimeout(() => {
        slot.timer = null;
        if (slot.retire) {
          slot.closeAll();
          return;
        }
        this.idle.push(slot);
        this.pump();
      }, delayMs);
      this.maybeFinish();
      return;
    }
    this.idle.push(slot);
    this.pump();
  }

  private sweep(): void {
    const limit = performance.now() - this.timeoutMs;
    for (const slot of this.slots) {
      if (slot.inFlight && slot.sentAt < limit) {
        slot.conn?.drop(); // the connection may still deliver the late response: never reuse it
        this.onFailure(slot, 'timeout', `no response within ${this.timeoutMs} ms`);
      }
    }
  }

  private maybeFinish(): void {
    if (this.stopping && this.inFlight === 0 && !this.finished) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopping = true;
    for (const t of [this.rateTimer, this.deadlineTimer, this.forceTimer]) if (t !== null) clearTimeout(t);
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.signal?.removeEventListener('abort', this.onAbort);
    for (const s of this.slots) {
      s.closeAll();
      if (s.inFlight) {
        s.inFlight = false; // dropped: neither a response nor an error
        this.inFlight--;
      }
    }
    this.idle.length = 0;
    this.recorder.endPhase(performance.now());
    const resolve = this.resolve;
    this.resolve = null;
    resolve?.();
  }
}

function validate(opts: LoadPhaseOptions): void {
  if (!Array.isArray(opts.endpoints) || opts.endpoints.length === 0) {
    throw new UserError('no endpoints to load: give a --url or at least one endpoint');
  }
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new UserError(`concurrency must be a whole number ≥ 1, got ${opts.concurrency}`);
  }
  if (opts.requests !== undefined && (!Number.isInteger(opts.requests) || opts.requests < 0)) {
    throw new UserError(`requests must be a whole number ≥ 0, got ${opts.requests}`);
  }
  if (opts.durationMs !== undefined && !(opts.durationMs >= 0)) {
    throw new UserError(`duration must be ≥ 0 ms, got ${opts.durationMs}`);
  }
  if (opts.requests === undefined && opts.durationMs === undefined && opts.signal === undefined) {
    throw new UserError('a load phase needs a request budget, a duration or an abort signal to end');
  }
  if (!(opts.timeoutMs > 0)) throw new UserError(`request timeout must be > 0 ms, got ${opts.timeoutMs}`);
}

/**
 * Run one load phase, accumulating into `recorder`. Resolves when the request budget or
 * the duration is met, or the signal aborts (requests in flight then finish or are dropped
 * within timeoutMs).
 */
export function runLoad(opts: LoadPhaseOptions, recorder: LoadRecorder): Promise<void> {
  try {
    return new LoadRun(opts, recorder).start();
  } catch (e) {
    return Promise.reject(e);
  }
}
