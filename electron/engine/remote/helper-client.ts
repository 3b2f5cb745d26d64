// Our end of the remote helper (helper.py): starts it over the SSH link (its source goes
// down the same channel, so nothing is installed), sends JSON-line requests, and passes on
// its sample lines. When the channel ends without our asking, the link is lost: `lost` fires
// once with the reason, and every pending request fails.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RemoteTransport } from './transport';

/** Where helper.py is: beside this file, else in the repo when running from dist/. */
export function helperSource(): string {
  const candidates = [
    path.join(__dirname, 'helper.py'),
    path.resolve(__dirname, '../../../../electron/engine/remote/helper.py'),
    path.resolve(__dirname, '../../../../../electron/engine/remote/helper.py'),
  ];
  for (const f of candidates) if (existsSync(f)) return readFileSync(f, 'utf8');
  throw new Error(`leakhound's remote helper is missing (looked in ${candidates.join(', ')})`);
}

// Reads the helper's length-prefixed source from stdin into a private temp folder (mkdtemp:
// 0700) and runs it from there; the helper removes the folder when it ends. Debian's
// python3 first: on PATH there may be a pyenv shim that needs a login shell.
const BOOTSTRAP = [
  'P=/usr/bin/python3; [ -x "$P" ] || P=$(command -v python3) || { echo "leakhound: no python3 on this host: the remote helper needs python3 (any version >= 3.6, standard library only)" >&2; exit 127; };',
  `exec "$P" -u -c 'import os,sys,tempfile;d=tempfile.mkdtemp(prefix="leakhound-rh-");n=int(sys.stdin.buffer.readline());f=os.path.join(d,"helper.py");open(f,"wb").write(sys.stdin.buffer.read(n));sys.argv=[f,d];exec(compile(open(f).read(),f,"exec"),{"__name__":"__main__"})'`,
].join(' ');

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class HelperError extends Error {
  constructor(
    message: string,
    /** the agent relay's error code (ENOENT, ECONNREFUSED, ETIMEDOUT, EPROTO), or 'ELINK' when the link is gone */
    readonly code: string,
  ) {
    super(message);
    this.name = 'HelperError';
  }
}

export interface HelperHello {
  pid: number;
  uid: number;
  python: string;
  hostname: string;
  cpus: number;
  kernel: string;
  workdir: string;
}

export class RemoteHelper extends EventEmitter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private buf = '';
  private stderr = '';
  private closing = false;
  /** why the channel ended without our asking; null while it is up */
  lostReason: string | null = null;
  bytesSent = 0;
  bytesReceived = 0;
  hello: HelperHello | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly host: string,
  ) {
    super();
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      this.bytesReceived += Buffer.byteLength(chunk);
      this.buf += chunk;
      let nl = this.buf.indexOf('\n');
      while (nl >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.onLine(line);
        nl = this.buf.indexOf('\n');
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => {
      this.stderr = (this.stderr + c).slice(-4000);
    });
    child.stdin?.on('error', () => {}); // EPIPE after a lost link: the exit handler reports it
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        const why =
          this.stderr
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .pop() ?? (signal ? `ssh killed by ${signal}` : `ssh exited with code ${code}`);
        if (!this.closing) {
          this.lostReason = why;
          this.emit('lost', why);
        }
        this.failAll(new HelperError(`the SSH link to ${host} is gone (${why})`, 'ELINK'));
        resolve();
      });
    });
  }

  /** Starts the helper on the host and waits for it to say hello. */
  static async start(link: RemoteTransport): Promise<RemoteHelper> {
    const child = link.spawn(BOOTSTRAP);
    const helper = new RemoteHelper(child, link.dest);
    const src = Buffer.from(helperSource(), 'utf8');
    helper.write(`${src.length}\n`);
    child.stdin?.write(src);
    helper.bytesSent += src.length;
    const ready = new Promise<void>((resolve, reject) => {
      helper.once('ready', () => resolve());
      helper.once('lost', (why: string) =>
        reject(new Error(`the remote helper did not start on ${link.dest}: ${why}`)),
      );
    });
    const timer = setTimeout(() => helper.emit('lost', 'no answer within 20 s'), 20_000);
    try {
      await ready;
    } catch (e) {
      helper.closing = true;
      child.kill('SIGTERM'); // our ssh client: the helper then sees its stdin close
      throw e;
    } finally {
      clearTimeout(timer);
    }
    helper.hello = await helper.request<HelperHello>('hello');
    return helper;
  }

  get pid(): number | null {
    return this.hello?.pid ?? null;
  }

  private write(s: string): void {
    this.bytesSent += Buffer.byteLength(s);
    this.child.stdin?.write(s);
  }

  private onLine(line: string): void {
    let msg: { id?: number; ok?: boolean; result?: unknown; error?: string; code?: string; ev?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (msg.ev) {
      this.emit(msg.ev === 'ready' ? 'ready' : msg.ev, msg);
      return;
    }
    const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id as number);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new HelperError(msg.error ?? 'failed', msg.code ?? 'EHELPER'));
  }

  request<T = unknown>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 15_000): Promise<T> {
    if (this.lostReason !== null || this.closing)
      return Promise.reject(
        new HelperError(`the SSH link to ${this.host} is gone (${this.lostReason ?? 'closed'})`, 'ELINK'),
      );
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new HelperError(
            `the remote helper on ${this.host} did not answer ${cmd} in ${timeoutMs} ms`,
            'ETIMEDOUT',
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.write(`${JSON.stringify({ id, cmd, args })}\n`);
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }

  /** Asks the helper to end (it removes its folder) and waits for the channel to close. */
  async close(): Promise<void> {
    if (this.closing) return this.exited;
    this.closing = true;
    if (this.lostReason === null) {
      this.bytesSent += 14;
      this.child.stdin?.write(`{"cmd":"bye"}\n`);
      this.child.stdin?.end();
    }
    const t = setTimeout(() => this.child.kill('SIGTERM'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}
