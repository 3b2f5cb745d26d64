// Processes in other namespaces (a container on this host, `unshare`): the pid it knows
// itself by, whether it shares our network / pid / mount namespace, and a loopback bridge
// into its network namespace, since its 127.0.0.1 is not ours.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** The pid the process has in its own (innermost) pid namespace; hostPid when not known. */
export function nsPid(hostPid: number): number {
  try {
    const m = /^NSpid:\s*([\d\s]+)$/m.exec(readFileSync(`/proc/${hostPid}/status`, 'latin1'));
    const ids = m ? m[1].trim().split(/\s+/).map(Number) : [];
    return ids.length > 0 ? ids[ids.length - 1] : hostPid;
  } catch {
    return hostPid;
  }
}

function otherNs(pid: number, kind: 'net' | 'pid' | 'mnt'): boolean {
  try {
    return readlinkSync(`/proc/${pid}/ns/${kind}`) !== readlinkSync(`/proc/self/ns/${kind}`);
  } catch {
    // gone or not ours to read: behave as if shared (the callers then fail as before)
    return false;
  }
}

export const otherNetns = (pid: number): boolean => otherNs(pid, 'net');
export const otherPidns = (pid: number): boolean => otherNs(pid, 'pid');
export const otherMountns = (pid: number): boolean => otherNs(pid, 'mnt');

export interface NetnsBridge {
  /** a port on our 127.0.0.1 that leads to 127.0.0.1:port inside the target's namespace */
  localPort: number;
  close(): Promise<void>;
}

// Runs inside the target's network namespace (nsenter --net keeps our mount namespace, so the
// Unix socket path is shared): each connection on the socket becomes one to 127.0.0.1:port
// there. It exits when its stdin closes, so a killed leakhound leaves nothing behind.
const BRIDGE_SCRIPT = `
const net = require('net');
const [sock, port] = process.argv.slice(-2);
const srv = net.createServer((c) => {
  const t = net.connect(Number(port), '127.0.0.1');
  c.pipe(t); t.pipe(c);
  const end = () => { c.destroy(); t.destroy(); };
  c.on('error', end); t.on('error', end); c.on('close', end); t.on('close', end);
});
srv.listen(sock, () => process.stdout.write('ready\\n'));
process.stdin.on('end', () => process.exit(0)).on('close', () => process.exit(0)).resume();
`;

/**
 * Opens a bridge from 127.0.0.1:<localPort> here to 127.0.0.1:port in the network namespace
 * of pid: a helper (our own Node, run with nsenter) listens on a Unix socket in a private
 * 0700 folder, and a TCP listener here pipes every connection to it.
 */
export async function openNetnsBridge(pid: number, port: number): Promise<NetnsBridge> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'leakhound-bridge-'));
  const sock = path.join(dir, 'b.sock');
  const child = spawn(
    'nsenter',
    [`--net=/proc/${pid}/ns/net`, '--', process.execPath, '-e', BRIDGE_SCRIPT, sock, String(port)],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: '' } },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-2000);
  });
  child.stdin.on('error', () => {});
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const cleanup = async () => {
    child.stdin.end();
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('ready')) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    child.once('error', () => resolve(false));
    child.once('close', () => resolve(false));
  });
  if (!ready) {
    await cleanup();
    const why = stderr.trim().split('\n').pop() || 'no output';
    throw new Error(`could not enter the network namespace of pid ${pid} (nsenter: ${why})`);
  }
  const conns = new Set<net.Socket>();
  const server = net.createServer((c) => {
    const u = net.connect(sock);
    conns.add(c);
    conns.add(u);
    c.pipe(u);
    u.pipe(c);
    const end = () => {
      c.destroy();
      u.destroy();
      conns.delete(c);
      conns.delete(u);
    };
    for (const s of [c, u]) s.on('error', end).on('close', end);
  });
  const localPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  }).catch(async (e: Error) => {
    await cleanup();
    throw e;
  });
  server.unref();
  let closing: Promise<void> | null = null;
  return {
    localPort,
    close: () => {
      closing ??= (async () => {
        await new Promise<void>((r) => {
          server.close(() => r());
          for (const c of conns) c.destroy();
        });
        await cleanup();
      })();
      return closing;
    },
  };
}
