// The built-in load generator as it runs on the host (`--load-from host`): bundled into one
// file (load-bundle.ts), sent down the SSH link and run by the host's node, so the requests
// go from the host's loopback to the server and latency carries no link. JSON lines: in
// {"id", "cmd": "phase", "opts"} and {"cmd": "abort"}; out {"ev": "ready"}, batches
// {"ev": "b", "r": [status, µs, …], "e": [[kind, message], …], "b": bytes} every 100 ms,
// and {"id", "ok"} when a phase ends. It exits when its stdin closes.
import { type ErrorKind, LoadRecorder } from '../load/recorder';
import { type LoadPhaseOptions, runLoad } from '../load/run';

class StreamingRecorder extends LoadRecorder {
  responses: number[] = [];
  errorsOut: [string, string | null][] = [];
  private sentBytes = 0;

  override recordResponse(status: number, latencyUs: number, now: number): void {
    super.recordResponse(status, latencyUs, now);
    this.responses.push(status, Math.round(latencyUs));
  }

  override recordError(kind: Exclude<ErrorKind, 'status'>, message?: string): void {
    super.recordError(kind, message);
    this.errorsOut.push([kind, message ?? null]);
  }

  flush(): void {
    if (this.responses.length === 0 && this.errorsOut.length === 0) return;
    const b = this.bytesRead - this.sentBytes;
    this.sentBytes = this.bytesRead;
    send({ ev: 'b', r: this.responses, e: this.errorsOut, b });
    this.responses = [];
    this.errorsOut = [];
  }
}

function send(msg: unknown): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

const recorder = new StreamingRecorder();
let current: AbortController | null = null;
setInterval(() => recorder.flush(), 100).unref();

async function phase(id: number, opts: Omit<LoadPhaseOptions, 'signal'>): Promise<void> {
  current = new AbortController();
  try {
    await runLoad({ ...opts, signal: current.signal }, recorder);
    recorder.flush();
    send({ id, ok: true });
  } catch (e) {
    recorder.flush();
    send({ id, ok: false, error: (e as Error).message });
  } finally {
    current = null;
  }
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d: string) => {
  buf += d;
  for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    let msg: { id?: number; cmd?: string; opts?: Omit<LoadPhaseOptions, 'signal'> };
    try {
      msg = JSON.parse(line);
    } catch {
      continue;
    }
    if (msg.cmd === 'phase' && msg.opts && typeof msg.id === 'number') void phase(msg.id, msg.opts);
    else if (msg.cmd === 'abort') current?.abort();
  }
});
process.stdin.on('end', () => process.exit(0));
send({ ev: 'ready', node: process.version });
