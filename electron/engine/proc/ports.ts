// Listening TCP ports of a process: /proc/net/tcp{,6} rows in state 0A (LISTEN) joined with
// the socket inodes found in /proc/<pid>/fd. Forked workers inherit the listening socket, so
// a gunicorn master and each of its workers all show the port.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { allPids, descendants, hasProcfs } from './procfs';
import { listeningPortsByPid, psTreeSnapshot } from './psfallback';

export interface ListenRow {
  inode: number;
  port: number;
  /** address in readable form: 127.0.0.1, 0.0.0.0, ::, ::1 … */
  address: string;
}

function hexToIPv4(hex: string): string {
  // /proc prints the address as a host-order (little endian on x86/arm) 32-bit word.
  const n = Number.parseInt(hex, 16);
  return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255].join('.');
}

function hexToIPv6(hex: string): string {
  const words: string[] = [];
  for (let i = 0; i < 32; i += 8) {
    const w = hex.slice(i, i + 8);
    // each 32-bit word is host-order too
    const b = w.match(/../g)!.reverse().join('');
    words.push(b.slice(0, 4), b.slice(4, 8));
  }
  const s = words.map((w) => Number.parseInt(w, 16).toString(16)).join(':');
  if (s === '0:0:0:0:0:0:0:0') return '::';
  if (s === '0:0:0:0:0:0:0:1') return '::1';
  return s.replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** Parses /proc/net/tcp or tcp6 text: the rows in LISTEN state. */
export function parseNetTcp(text: string, v6: boolean): ListenRow[] {
  const out: ListenRow[] = [];
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    // Under load the table holds thousands of TIME_WAIT rows: skip them before splitting.
    if (!lines[i].includes(' 0A ')) continue;
    const f = lines[i].trim().split(/\s+/);
    if (f.length < 10 || f[3] !== '0A') continue;
    const [addrHex, portHex] = f[1].split(':');
    out.push({
      inode: Number(f[9]),
      port: Number.parseInt(portHex, 16),
      address: v6 ? hexToIPv6(addrHex) : hexToIPv4(addrHex),
    });
  }
  return out;
}

/** inode → listen row, for the network namespace of `pid` (default: ours). */
export function listeningSockets(pid?: number): Map<number, ListenRow> {
  const base = pid === undefined ? '/proc/net' : `/proc/${pid}/net`;
  const out = new Map<number, ListenRow>();
  for (const [file, v6] of [
    ['tcp', false],
    ['tcp6', true],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(`${base}/${file}`, 'latin1');
    } catch {
      continue;
    }
    for (const row of parseNetTcp(text, v6)) out.set(row.inode, row);
  }
  return out;
}

/** Socket inodes held open by pid; [] when gone or not permitted. */
export function socketInodes(pid: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (link.startsWith('socket:[')) out.push(Number(link.slice(8, -1)));
  }
  return out;
}

function portsFrom(pid: number, sockets: Map<number, ListenRow>): number[] {
  const ports = new Set<number>();
  for (const inode of socketInodes(pid)) {
    const row = sockets.get(inode);
    if (row) ports.add(row.port);
  }
  return [...ports].sort((a, b) => a - b);
}

/** Listening TCP ports of one process (Linux: /proc; elsewhere lsof/netstat). */
export async function listeningPorts(pid: number): Promise<number[]> {
  if (!hasProcfs) return ((await listeningPortsByPid()).get(pid) ?? []).sort((a, b) => a - b);
  return portsFrom(pid, listeningSockets(pid));
}

/** Synchronous Linux-only variant. */
export function listeningPortsSync(pid: number): number[] {
  return portsFrom(pid, listeningSockets(pid));
}

/** Listening ports of pid and all its descendants, merged. */
export async function treePorts(rootPid: number): Promise<number[]> {
  if (!hasProcfs) {
    const byPid = await listeningPortsByPid();
    const ports = new Set<number>();
    for (const r of await psTreeSnapshot(rootPid)) for (const p of byPid.get(r.pid) ?? []) ports.add(p);
    return [...ports].sort((a, b) => a - b);
  }
  const sockets = listeningSockets(rootPid);
  const ports = new Set<number>();
  for (const pid of [rootPid, ...descendants(rootPid)]) for (const p of portsFrom(pid, sockets)) ports.add(p);
  return [...ports].sort((a, b) => a - b);
}

/** Pids (in our network namespace) that hold a listening socket on `port`. Linux only. */
export function pidsListeningOn(port: number): number[] {
  const inodes = new Set<number>();
  for (const row of listeningSockets().values()) if (row.port === port) inodes.add(row.inode);
  if (inodes.size === 0) return [];
  const out: number[] = [];
  for (const pid of allPids()) {
    for (const inode of socketInodes(pid)) {
      if (inodes.has(inode)) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

/** True when nothing listens on host:port (we could bind it ourselves). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => {
      srv.close(() => resolve(true));
    });
  });
}

/** A port the OS says is free on host now (it may be taken again before use: bind soon). */
export function pickFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}
