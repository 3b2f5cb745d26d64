// `leakhound ps`: the server-like processes a user may attach to. Server-like = listens on a
// TCP port, or is the node/python parent of one that does (a gunicorn master whose workers
// hold the socket, `npm start` over its node server). Workers are grouped under their
// master through `children`.

import { readlinkSync } from 'node:fs';
import type { ProcessEntry } from '../../../shared/api';
import type { Runtime } from '../../../shared/result';
import { nsPid } from './namespaces';
import { listeningSockets, socketInodes } from './ports';
import { allPids, hasProcfs, readCmdline, readSmapsRollup, readStatus, startTimeMs } from './procfs';
import { listeningPortsByPid, psTable } from './psfallback';
import { detectRuntime, runtimeOfArgv } from './runtime';

interface Row {
  pid: number;
  /** the pid it knows itself by, in a container's pid namespace */
  nsPid?: number;
  ppid: number;
  command: string;
  runtime: Runtime;
  ports: number[];
  rssBytes: number;
  pssBytes: number | null;
  uptimeMs: number;
}

/** The listening-socket table of pid's network namespace (a container's is not ours), one read per namespace. */
function socketsFor(pid: number, tables: Map<string, ReturnType<typeof listeningSockets>>) {
  let ns = 'self';
  try {
    ns = readlinkSync(`/proc/${pid}/ns/net`);
  } catch {}
  let t = tables.get(ns);
  if (!t) {
    t = ns === 'self' ? listeningSockets() : listeningSockets(pid);
    tables.set(ns, t);
  }
  return t;
}

function rowsFromProcfs(): Row[] {
  const tables = new Map<string, ReturnType<typeof listeningSockets>>();
  try {
    tables.set(readlinkSync('/proc/self/ns/net'), listeningSockets());
  } catch {}
  const now = Date.now();
  const rows: Row[] = [];
  for (const pid of allPids()) {
    if (pid === process.pid) continue;
    const st = readStatus(pid);
    if (!st) continue;
    const argv = readCmdline(pid);
    // kernel threads have an empty cmdline
    if (!argv || argv.length === 0) continue;
    const ports = new Set<number>();
    const sockets = socketsFor(pid, tables);
    for (const inode of socketInodes(pid)) {
      const s = sockets.get(inode);
      if (s) ports.add(s.port);
    }
    const started = startTimeMs(pid);
    const inner = nsPid(pid);
    rows.push({
      ...(inner !== pid ? { nsPid: inner } : {}),
      pid,
      ppid: st.ppid,
      command: argv.join(' '),
      runtime: 'other',
      ports: [...ports].sort((a, b) => a - b),
      rssBytes: st.rssBytes,
      pssBytes: null,
      uptimeMs: started === null ? 0 : Math.max(0, Math.round(now - started)),
    });
  }
  return rows;
}

async function rowsFromPs(): Promise<Row[]> {
  const [table, ports] = await Promise.all([psTable(), listeningPortsByPid()]);
  return table
    .filter((r) => r.pid !== process.pid && r.command !== '')
    .map((r) => ({
      pid: r.pid,
      ppid: r.ppid,
      command: r.command,
      runtime: 'other' as Runtime,
      ports: (ports.get(r.pid) ?? []).sort((a, b) => a - b),
      rssBytes: r.rssBytes,
      pssBytes: r.privateBytes,
      uptimeMs: r.elapsedSec === null ? 0 : r.elapsedSec * 1000,
    }));
}

/** Pure: which rows are server-like, with children grouped. Exported for tests. */
export function selectServers(rows: Row[]): ProcessEntry[] {
  const byPid = new Map(rows.map((r) => [r.pid, r]));
  const keep = new Set<number>();
  for (const r of rows) {
    if (r.ports.length === 0) continue;
    keep.add(r.pid);
    const parent = byPid.get(r.ppid);
    // A shell or terminal over a server is not something to attach to; a node/python parent is.
    if (parent && parent.runtime !== 'other') keep.add(parent.pid);
  }
  const out: ProcessEntry[] = [];
  for (const r of rows) {
    if (!keep.has(r.pid)) continue;
    out.push({
      ...r,
      children: rows.filter((c) => c.ppid === r.pid && keep.has(c.pid)).map((c) => c.pid),
    });
  }
  return out.sort((a, b) => a.pid - b.pid);
}

export async function listProcesses(): Promise<ProcessEntry[]> {
  const rows = hasProcfs ? rowsFromProcfs() : await rowsFromPs();
  // Runtime needs exe + argv: only worth it for rows that listen or parent a listener.
  const parents = new Set(rows.filter((r) => r.ports.length > 0).map((r) => r.ppid));
  for (const r of rows) {
    if (r.ports.length === 0 && !parents.has(r.pid)) continue;
    r.runtime = hasProcfs ? (detectRuntime(r.pid) ?? 'other') : runtimeOfArgv(r.command.split(' '));
  }
  const servers = selectServers(rows);
  if (hasProcfs) {
    for (const s of servers) s.pssBytes = readSmapsRollup(s.pid)?.pssBytes ?? null;
  }
  return servers;
}

export function formatBytes(n: number | null): string {
  if (n === null) return '-';
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/** Pure: the table `leakhound ps` prints, children indented under their parent. */
export function formatProcessTable(entries: ProcessEntry[], width = 120): string {
  const byPid = new Map(entries.map((e) => [e.pid, e]));
  const ordered: { e: ProcessEntry; depth: number }[] = [];
  const placed = new Set<number>();
  const place = (e: ProcessEntry, depth: number) => {
    if (placed.has(e.pid)) return;
    placed.add(e.pid);
    ordered.push({ e, depth });
    for (const c of e.children) {
      const ce = byPid.get(c);
      if (ce) place(ce, depth + 1);
    }
  };
  for (const e of entries) if (!byPid.has(e.ppid)) place(e, 0);
  for (const e of entries) place(e, 0);

  const header = ['PID', 'RUNTIME', 'PORTS', 'RSS', 'PSS', 'UPTIME', 'COMMAND'];
  const cells = ordered.map(({ e, depth }) => [
    `${'  '.repeat(depth)}${depth > 0 ? '└ ' : ''}${e.pid}${e.nsPid !== undefined ? ` (${e.nsPid} inside)` : ''}`,
    e.runtime,
    e.ports.join(',') || '-',
    formatBytes(e.rssBytes),
    formatBytes(e.pssBytes),
    formatUptime(e.uptimeMs),
    e.command,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (i < 6 ? c[i].length : 0))));
  const line = (c: string[]) => {
    const fixed = c
      .slice(0, 6)
      .map((v, i) => (i >= 3 && i <= 5 ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ');
    const room = Math.max(20, width - fixed.length - 2);
    const cmd = c[6].length > room ? `${c[6].slice(0, room - 1)}…` : c[6];
    return `${fixed}  ${cmd}`.trimEnd();
  };
  if (cells.length === 0)
    return 'no server-like processes found (nothing listening on a TCP port that we may inspect)\n';
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

/** `leakhound ps [--json]`; returns the exit code. */
export async function psCli(
  opts: { json: boolean },
  out: { write(s: string): unknown } = process.stdout,
): Promise<number> {
  const entries = await listProcesses();
  if (opts.json) out.write(`${JSON.stringify(entries, null, 2)}\n`);
  else out.write(formatProcessTable(entries, (process.stdout as { columns?: number }).columns ?? 120));
  return 0;
}
