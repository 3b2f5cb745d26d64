// The checks after every attach step: the process we touched is still the same process
// (pid reuse is told apart by its start time), runs freely (not stopped, not traced, no stop
// or trap signal waiting for it), and its server still answers. Used for Node and Python.
import http from 'node:http';
import https from 'node:https';
import { readInto, readStat } from '../proc/procfs';

export interface ProcessId {
  pid: number;
  /** start time in clock ticks since boot (/proc/PID/stat field 22): unique per pid incarnation */
  startTime: number;
}

export interface Verification {
  verified: boolean;
  /** what is wrong, in one line (absent when verified) */
  problem?: string;
}

/** Signals whose being pending means the process was, or is about to be, stopped by someone. */
const STOP_SIGNALS: ReadonlyArray<[number, string]> = [
  [5, 'SIGTRAP'],
  [19, 'SIGSTOP'],
  [20, 'SIGTSTP'],
  [21, 'SIGTTIN'],
  [22, 'SIGTTOU'],
];

const buf = Buffer.allocUnsafe(16 * 1024);

function statusText(pid: number): string | null {
  const len = readInto(`/proc/${pid}/status`, buf);
  return len > 0 ? buf.toString('latin1', 0, len) : null;
}

function field(text: string, key: string): string | null {
  const m = new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(text);
  return m ? m[1].trim() : null;
}

/** A signal mask line (hex, bit n-1 = signal n) as a bigint; 0n when absent. */
export function sigMask(text: string, key: string): bigint {
  const v = field(text, key);
  if (!v || !/^[0-9a-f]+$/i.test(v)) return 0n;
  return BigInt(`0x${v}`);
}

export const hasSignal = (mask: bigint, signo: number): boolean => ((mask >> BigInt(signo - 1)) & 1n) === 1n;

/** pid plus its start time, or null when there is no such (live) process. */
export function identify(pid: number): ProcessId | null {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') return null;
  return { pid, startTime: st.startTicks };
}

/** Checks the process `id` names is alive, the same one, and running freely. */
export function verifyProcess(id: ProcessId): Verification {
  const st = readStat(id.pid);
  if (!st || st.state === 'X') return { verified: false, problem: `pid ${id.pid} is gone` };
  if (st.startTicks !== id.startTime)
    return { verified: false, problem: `pid ${id.pid} is gone (the pid now belongs to another process)` };
  if (st.state === 'Z') return { verified: false, problem: `pid ${id.pid} has exited (a zombie)` };
  if (st.state === 'T') return { verified: false, problem: `pid ${id.pid} is stopped (state T)` };
  if (st.state === 't') return { verified: false, problem: `pid ${id.pid} is stopped by a tracer (state t)` };
  const text = statusText(id.pid);
  if (text === null) return { verified: false, problem: `pid ${id.pid} is gone` };
  const tracer = Number(field(text, 'TracerPid') ?? '0');
  if (tracer > 0) return { verified: false, problem: `pid ${id.pid} is still traced by pid ${tracer}` };
  const pending = sigMask(text, 'SigPnd') | sigMask(text, 'ShdPnd');
  const stops = STOP_SIGNALS.filter(([n]) => hasSignal(pending, n)).map(([, name]) => name);
  if (stops.length > 0)
    return { verified: false, problem: `pid ${id.pid} has ${stops.join(' and ')} pending` };
  return { verified: true };
}

/**
 * True when one request to url gets an HTTP response (any status: the server is up and
 * answering) within timeoutMs. Only the status line and headers are waited for.
 */
export function answersHttp(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      resolve(false);
      return;
    }
    const lib = u.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (v: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(v);
    };
    const req = lib.get(u, { agent: false, rejectUnauthorized: false }, (res) => {
      res.resume();
      finish(true);
    });
    req.on('error', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
  });
}
