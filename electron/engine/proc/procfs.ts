// Readers for Linux /proc. Every reader returns null (or an empty list) when the process
// vanishes mid-read: in a process tree under load, workers come and go between two syscalls,
// and that is normal, not an error.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readlinkSync, readSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';

export interface ProcStatus {
  pid: number;
  ppid: number;
  name: string;
  rssBytes: number;
  vmHwmBytes: number;
  threads: number;
  uid: number;
  gid: number;
}

export interface SmapsRollup {
  pssBytes: number;
  privateBytes: number;
  rssBytes: number;
}

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** clock ticks since boot */
  startTicks: number;
}

export const hasProcfs: boolean = process.platform === 'linux' && existsSync('/proc/self/status');

/** USER_HZ: fixed at 100 by the kernel ABI on every architecture Node runs on. */
const CLK_TCK = 100;

/** One reusable buffer for the hot path: /proc/<pid>/status is ~1.5 KB. */
const statusBuf = Buffer.allocUnsafe(16 * 1024);

/** Reads a whole /proc file into `buf`; -1 when the process (or file) is gone or unreadable. */
export function readInto(path: string, buf: Buffer): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    let len = 0;
    while (len < buf.length) {
      const n = readSync(fd, buf, len, buf.length - len, null);
      if (n === 0) break;
      len += n;
    }
    return len;
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return null;
  }
}

const NL = 10;
const SPACE = 32;
const TAB = 9;

/**
 * Integer value of `key:` in a key/value /proc file held in buf[0..len), or -1.
 * Works on bytes so the sampler's hot path builds no strings.
 */
export function fieldInt(buf: Buffer, len: number, key: string): number {
  const k0 = key.charCodeAt(0);
  const klen = key.length;
  let i = 0;
  while (i < len) {
    // i is at the start of a line
    if (buf[i] === k0 && i + klen < len && buf[i + klen] === 58 /* : */) {
      let match = true;
      for (let j = 1; j < klen; j++) {
        if (buf[i + j] !== key.charCodeAt(j)) {
          match = false;
          break;
        }
      }
      if (match) {
        let p = i + klen + 1;
        while (p < len && (buf[p] === SPACE || buf[p] === TAB)) p++;
        let v = 0;
        let digits = 0;
        while (p < len && buf[p] >= 48 && buf[p] <= 57) {
          v = v * 10 + (buf[p] - 48);
          p++;
          digits++;
        }
        return digits > 0 ? v : -1;
      }
    }
    while (i < len && buf[i] !== NL) i++;
    i++;
  }
  return -1;
}

/** Parses the text of /proc/<pid>/status. */
export function parseStatus(text: string, pid: number): ProcStatus {
  const get = (key: string): string | undefined => {
    const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text);
    return m?.[1];
  };
  const kb = (key: string): number => {
    const v = get(key);
    return v ? Number.parseInt(v, 10) * 1024 || 0 : 0;
  };
  return {
    pid,
    ppid: Number.parseInt(get('PPid') ?? '0', 10) || 0,
    name: get('Name') ?? '',
    rssBytes: kb('VmRSS'),
    vmHwmBytes: kb('VmHWM'),
    threads: Number.parseInt(get('Threads') ?? '0', 10) || 0,
    uid: Number.parseInt(get('Uid') ?? '-1', 10),
    gid: Number.parseInt(get('Gid') ?? '-1', 10),
  };
}

export function readStatus(pid: number): ProcStatus | null {
  const len = readInto(`/proc/${pid}/status`, statusBuf);
  if (len <= 0) return null;
  return parseStatus(statusBuf.toString('latin1', 0, len), pid);
}

/**
 * The sampler's hot path: RSS, parent pid and thread count into `out` ([rssBytes, ppid,
 * threads]) with no string built from the file. False when the process is gone. Zombies
 * have no VmRSS: 0 bytes.
 */
export function readRssPpid(path: string, out: Float64Array): boolean {
  const len = readInto(path, statusBuf);
  if (len <= 0) return false;
  const rssKb = fieldInt(statusBuf, len, 'VmRSS');
  out[0] = rssKb < 0 ? 0 : rssKb * 1024;
  out[1] = fieldInt(statusBuf, len, 'PPid');
  if (out.length > 2) out[2] = fieldInt(statusBuf, len, 'Threads');
  return true;
}

/** Bytes of a `Key:   N kB` line starting at i, or -1 when the line has another key. */
function kbAfter(buf: Buffer, len: number, i: number, key: string): number {
  for (let j = 0; j < key.length; j++) if (buf[i + j] !== key.charCodeAt(j)) return -1;
  let p = i + key.length;
  while (p < len && buf[p] === SPACE) p++;
  let n = 0;
  while (p < len && buf[p] >= 48 && buf[p] <= 57) {
    n = n * 10 + (buf[p] - 48);
    p++;
  }
  return n * 1024;
}

/** Parses /proc/<pid>/smaps_rollup (or a full smaps: the same keys, summed). */
export function parseSmaps(buf: Buffer, len: number): SmapsRollup {
  // smaps_rollup has each key once; a full smaps has one per mapping, so sum every line.
  let pss = 0;
  let priv = 0;
  let rss = 0;
  let i = 0;
  while (i < len) {
    const c = buf[i];
    if (c === 80 /* P */ || c === 82 /* R */) {
      const x = kbAfter(buf, len, i, 'Pss:');
      if (x >= 0) pss += x;
      else {
        const r = kbAfter(buf, len, i, 'Rss:');
        if (r >= 0) rss += r;
        else
          priv +=
            Math.max(0, kbAfter(buf, len, i, 'Private_Clean:')) +
            Math.max(0, kbAfter(buf, len, i, 'Private_Dirty:'));
      }
    }
    while (i < len && buf[i] !== NL) i++;
    i++;
  }
  return { pssBytes: pss, privateBytes: priv, rssBytes: rss };
}

let rollupMissing: boolean | null = null;
function smapsPath(pid: number): string {
  // Kernels before 4.14 have no smaps_rollup; the full smaps has the same keys per mapping.
  if (rollupMissing === null) rollupMissing = hasProcfs && !existsSync('/proc/self/smaps_rollup');
  return rollupMissing ? `/proc/${pid}/smaps` : `/proc/${pid}/smaps_rollup`;
}

const smapsBuf = Buffer.allocUnsafe(8 * 1024);

export function readSmapsRollup(pid: number): SmapsRollup | null {
  const path = smapsPath(pid);
  if (rollupMissing) {
    try {
      const b = readFileSync(path);
      return parseSmaps(b, b.length);
    } catch {
      return null;
    }
  }
  const len = readInto(path, smapsBuf);
  // An empty rollup means a zombie or a kernel thread: no address space to measure.
  if (len <= 0) return null;
  return parseSmaps(smapsBuf, len);
}

/**
 * Async variant for the sampler: a smaps read costs 1–60 ms of kernel time on a big
 * target, so it runs on the libuv pool instead of stalling the engine's event loop
 * (which may be driving the load generator).
 */
export async function readSmapsRollupAsync(pid: number, buf: Buffer): Promise<SmapsRollup | null> {
  const path = smapsPath(pid);
  let fh: Awaited<ReturnType<typeof openAsync>> | undefined;
  try {
    fh = await openAsync(path, 'r');
    if (rollupMissing) {
      const b = await fh.readFile();
      return parseSmaps(b, b.length);
    }
    let len = 0;
    while (len < buf.length) {
      const { bytesRead } = await fh.read(buf, len, buf.length - len, null);
      if (bytesRead === 0) break;
      len += bytesRead;
    }
    if (len <= 0) return null;
    return parseSmaps(buf, len);
  } catch {
    return null;
  } finally {
    await fh?.close().catch(() => {});
  }
}

let childrenFileMissing: boolean | null = null;

/**
 * Direct children of pid (every thread's children file), or [] when it is gone. `threads`
 * (from status) lets a single-threaded process skip listing its task directory.
 */
export function childrenOf(pid: number, threads = 0, out: number[] = []): number[] {
  if (childrenFileMissing === null) {
    // CONFIG_PROC_CHILDREN may be off: then fall back to a scan of every process's ppid.
    childrenFileMissing = !existsSync(`/proc/self/task/${process.pid}/children`);
  }
  if (childrenFileMissing) {
    for (const c of childrenByScan(pid)) out.push(c);
    return out;
  }
  let tids: (string | number)[];
  if (threads === 1) tids = [pid];
  else {
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      return out;
    }
  }
  for (const tid of tids) {
    const len = readInto(`/proc/${pid}/task/${tid}/children`, statusBuf);
    if (len <= 0) continue;
    let v = 0;
    let digits = 0;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? statusBuf[i] : SPACE;
      if (c >= 48 && c <= 57) {
        v = v * 10 + (c - 48);
        digits++;
      } else if (digits > 0) {
        out.push(v);
        v = 0;
        digits = 0;
      }
    }
  }
  return out;
}

function childrenByScan(pid: number): number[] {
  const out: number[] = [];
  for (const p of allPids()) {
    const st = readStat(p);
    if (st && st.ppid === pid) out.push(p);
  }
  return out;
}

/** Every descendant of root (not root itself), parents before children (breadth first). */
export function descendants(root: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>([root]);
  let frontier = [root];
  // Bounded by depth: a pid loop cannot happen in a real tree, but /proc races can show a
  // reused pid under a new parent; `seen` stops any cycle.
  for (let depth = 0; depth < 64 && frontier.length > 0; depth++) {
    const next: number[] = [];
    for (const p of frontier) {
      for (const c of childrenOf(p)) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
        next.push(c);
      }
    }
    frontier = next;
  }
  return out;
}

export function allPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const n of names) {
    const c = n.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(n));
  }
  return out;
}

export function readCmdline(pid: number): string[] | null {
  const t = readText(`/proc/${pid}/cmdline`);
  if (t === null) return null;
  if (t.length === 0) return [];
  const parts = Buffer.from(t, 'latin1').toString('utf8').split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Resolved executable path; null when gone or not permitted (another user's process). */
export function exePath(pid: number): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return null;
  }
}

/** Why exePath returned null: 'gone', 'denied' or null when it did not. */
export function exeError(pid: number): 'gone' | 'denied' | null {
  try {
    readlinkSync(`/proc/${pid}/exe`);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return 'denied';
    return 'gone';
  }
}

export function parseStat(text: string, pid: number): ProcStat | null {
  // comm may contain spaces and parentheses: the fields start after the LAST ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const f = text.slice(close + 2).split(' ');
  return {
    pid,
    state: f[0],
    ppid: Number(f[1]),
    pgrp: Number(f[2]),
    session: Number(f[3]),
    startTicks: Number(f[19]),
  };
}

export function readStat(pid: number): ProcStat | null {
  const len = readInto(`/proc/${pid}/stat`, statusBuf);
  if (len <= 0) return null;
  return parseStat(statusBuf.toString('latin1', 0, len), pid);
}

let bootMs: number | null = null;
function bootTimeMs(): number {
  if (bootMs === null) {
    const m = /^btime\s+(\d+)/m.exec(readText('/proc/stat') ?? '');
    bootMs = m ? Number(m[1]) * 1000 : 0;
  }
  return bootMs;
}

/** Wall-clock start time of pid (ms since the epoch), or null when it is gone. */
export function startTimeMs(pid: number): number | null {
  const st = readStat(pid);
  if (!st) return null;
  return bootTimeMs() + (st.startTicks * 1000) / CLK_TCK;
}

/** True while pid exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  if (hasProcfs) {
    const st = readStat(pid);
    return st !== null && st.state !== 'Z' && st.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
