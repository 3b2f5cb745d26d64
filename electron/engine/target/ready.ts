// Waiting for the target to accept connections: a TCP connect loop, because a process
// can be alive long before its server socket is bound.
import net from 'node:net';

export function canConnect(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export async function waitForPort(
  host: string,
  port: number,
  opts: { timeoutMs: number; isAlive: () => boolean; signal?: AbortSignal },
): Promise<'ready' | 'exited' | 'timeout' | 'aborted'> {
  const deadline = Date.now() + opts.timeoutMs;
  while (Date.now() < deadline) {
    if (opts.signal?.aborted) return 'aborted';
    if (!opts.isAlive()) return 'exited';
    if (await canConnect(host, port)) return 'ready';
    await new Promise((r) => setTimeout(r, 100));
  }
  return 'timeout';
}
