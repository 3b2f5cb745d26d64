// A minimal Chrome DevTools Protocol client: one WebSocket, request ids, events.
// Kept small on purpose: the engine needs a handful of HeapProfiler/Runtime calls, and
// every call carries a timeout because the target is, by definition, misbehaving.
import WebSocket from 'ws';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  method: string;
}

export class CdpError extends Error {}

/** CDP payloads are untyped JSON here (the typed protocol package is large); callers narrow. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type CdpPayload = any;

export class CdpClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<(params: CdpPayload) => void>>();
  private closedFlag = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.onMessage(data as Buffer));
    ws.on('close', () => this.failAll('the inspector connection closed (did the target exit?)'));
    ws.on('error', (e) => this.failAll(`inspector connection error: ${e.message}`));
  }

  static connect(wsUrl: string, opts: { timeoutMs?: number } = {}): Promise<CdpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      // Snapshot chunks can be large; no payload cap beyond ws's default (100 MiB) is needed
      // since V8 sends them in small chunks.
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new CdpError(`could not reach the inspector at ${wsUrl} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(new CdpClient(ws));
      });
      ws.once('error', (e) => {
        clearTimeout(timer);
        reject(new CdpError(`could not connect to the inspector at ${wsUrl}: ${e.message}`));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  send<T = CdpPayload>(method: string, params: object = {}, opts: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closedFlag) return Promise.reject(new CdpError(`cannot send ${method}: inspector closed`));
    const id = this.nextId++;
    const timeoutMs = opts.timeoutMs ?? 30_000;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CdpError(`${method} got no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, method });
      this.ws.send(JSON.stringify({ id, method, params }), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new CdpError(`could not send ${method}: ${err.message}`));
      });
    });
  }

  on(event: string, cb: (params: CdpPayload) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(cb);
    return () => set.delete(cb);
  }

  close(): Promise<void> {
    if (this.closedFlag) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.failAll('inspector closed');
        resolve();
      };
      if (this.ws.readyState === WebSocket.CLOSED) return done();
      const timer = setTimeout(() => {
        this.ws.terminate();
        done();
      }, 2000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        done();
      });
      this.ws.close();
    });
  }

  private onMessage(data: Buffer): void {
    let msg: {
      id?: number;
      method?: string;
      params?: unknown;
      result?: unknown;
      error?: { message: string };
    };
    try {
      msg = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    if (typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new CdpError(`${p.method} failed: ${msg.error.message}`));
      else p.resolve(msg.result);
      return;
    }
    if (msg.method) {
      const set = this.listeners.get(msg.method);
      if (set) for (const cb of set) cb(msg.params);
    }
  }

  private failAll(reason: string): void {
    this.closedFlag = true;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new CdpError(`${p.method}: ${reason}`));
      this.pending.delete(id);
    }
  }
}
