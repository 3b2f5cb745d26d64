// Our end of the load generator running on the host (load-agent.ts): started over the SSH
// link by the host's node, given each load phase as the hunt would run it here, and fed back
// into the hunt's own LoadRecorder, so every figure downstream is the same shape. The
// requests go from the host's loopback to the server: no link in the latency.
import type { ChildProcess } from 'node:child_process';
import type { Endpoint } from '../../../shared/options';
import { UserError } from '../errors';
import type { ErrorKind, LoadRecorder } from '../load/recorder';
import type { LoadPhaseOptions } from '../load/run';
import { loadAgentSource } from './load-bundle';
import type { RemoteTransport } from './transport';

// Reads the length-prefixed bundle from stdin synchronously (nothing else is sent before it
// says ready), then runs it as a CommonJS module. No single quote inside: it goes in sh's '…'.
const READER = [
  'const fs=require("fs");let b=Buffer.alloc(0);const one=Buffer.alloc(65536);',
  'const more=()=>{let n;for(;;){try{n=fs.readSync(0,one,0,one.length,null);break}catch(e){if(e.code!=="EAGAIN")throw e}}',
  'if(n===0)process.exit(0);b=Buffer.concat([b,one.subarray(0,n)])};',
  'while(b.indexOf(10)<0)more();const nl=b.indexOf(10);const len=Number(b.subarray(0,nl).toString());b=b.subarray(nl+1);',
  'while(b.length<len)more();const M=require("module");const m=new M("leakhound-load");m.filename="leakhound-load.js";',
  'm._compile(b.subarray(0,len).toString(),"leakhound-load.js")',
].join('');

const bootstrap = (host: string) =>
  `N=$(command -v node) || { echo "leakhound: no node on ${host.replace(/[^\w.@-]/g, '')}: the built-in load cannot run there; use --load-from here (through the SSH forward) or --load none" >&2; exit 127; }; exec "$N" -e '${READER}'`;

interface Batch {
  ev?: string;
  id?: number;
  ok?: boolean;
  error?: string;
  node?: string;
  r?: number[];
  e?: [Exclude<ErrorKind, 'status'>, string | null][];
  b?: number;
}

export class RemoteLoad {
  private buf = '';
  private stderr = '';
  private nextId = 1;
  private recorder: LoadRecorder | null = null;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private exited = false;
  bytesReceived = 0;
  bytesSent = 0;
  node: string | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly host: string,
  ) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (d: string) => {
      this.bytesReceived += Buffer.byteLength(d);
      this.buf += d;
      for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        try {
          this.onMessage(JSON.parse(line) as Batch);
        } catch {
          // not ours
        }
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-2000);
    });
    child.stdin?.on('error', () => {});
    child.on('exit', () => {
      this.exited = true;
      const why = this.lastError() ?? 'its channel closed';
      for (const p of this.pending.values())
        p.reject(new UserError(`the load generator on ${host} ended (${why})`));
      this.pending.clear();
    });
  }

  private lastError(): string | null {
    return (
      this.stderr
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .pop() ?? null
    );
  }

  static async start(link: RemoteTransport): Promise<RemoteLoad> {
    const load = new RemoteLoad(link.spawn(bootstrap(link.dest)), link.dest);
    const src = Buffer.from(loadAgentSource(), 'utf8');
    load.write(`${src.length}\n`);
    load.child.stdin?.write(src);
    load.bytesSent += src.length;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail('no answer within 20 s'), 20_000);
      const fail = (why: string) => {
        clearTimeout(timer);
        load.child.kill('SIGTERM');
        const line = load.lastError() ?? why;
        reject(
          new UserError(
            line.startsWith('leakhound: ')
              ? line.slice(11)
              : `the load generator did not start on ${link.dest}: ${line}`,
          ),
        );
      };
      load.ready = () => {
        clearTimeout(timer);
        resolve();
      };
      load.child.once('exit', () => fail('it exited'));
    });
    return load;
  }

  private ready: (() => void) | null = null;

  private write(s: string): void {
    this.bytesSent += Buffer.byteLength(s);
    this.child.stdin?.write(s);
  }

  private onMessage(m: Batch): void {
    if (m.ev === 'ready') {
      this.node = m.node ?? null;
      this.ready?.();
      this.ready = null;
    } else if (m.ev === 'b' && this.recorder) {
      const now = performance.now();
      const r = m.r ?? [];
      for (let i = 0; i + 1 < r.length; i += 2) this.recorder.recordResponse(r[i], r[i + 1], now);
      for (const [kind, msg] of m.e ?? []) this.recorder.recordError(kind, msg ?? undefined);
      this.recorder.bytesRead += m.b ?? 0;
    } else if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve();
      else p?.reject(new UserError(`the load generator on ${this.host} failed: ${m.error}`));
    }
  }

  /** One load phase on the host, recorded into `recorder` as runLoad would record it here. */
  async run(opts: LoadPhaseOptions, recorder: LoadRecorder): Promise<void> {
    if (this.exited) throw new UserError(`the load generator on ${this.host} is gone`);
    this.recorder = recorder;
    const { signal, ...rest } = opts;
    const id = this.nextId++;
    const onAbort = () => this.write('{"cmd":"abort"}\n');
    signal?.addEventListener('abort', onAbort, { once: true });
    recorder.beginPhase(performance.now());
    try {
      await new Promise<void>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        this.write(`${JSON.stringify({ id, cmd: 'phase', opts: rest })}\n`);
        if (signal?.aborted) onAbort();
      });
    } finally {
      recorder.endPhase(performance.now());
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Ends it on the host: its stdin closes, and it exits. */
  close(): void {
    if (this.exited) return;
    this.child.stdin?.end();
    const t = setTimeout(() => this.child.kill('SIGTERM'), 3000);
    t.unref();
    this.child.once('exit', () => clearTimeout(t));
  }
}

/** The hunt's endpoints as the host sees them: our forwarded port back to the server's own. */
export function hostEndpoints(endpoints: Endpoint[], localPort: number, remotePort: number): Endpoint[] {
  // by text, not through URL: a path template's {{counter}} must not be percent-encoded
  const ours = new RegExp(`^(http://(?:127\\.0\\.0\\.1|localhost)):${localPort}(?=[/?#]|$)`);
  return endpoints.map((e) => ({ ...e, url: e.url.replace(ours, `$1:${remotePort}`) }));
}
