// Which runtime a process is: decides whether we may send it SIGUSR1 (Node opens its
// inspector; any other process dies of it) and whether the Python agent applies.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import type { Runtime } from '../../../shared/result';
import { exePath, readCmdline } from './procfs';

const NODE_EXE = /^(node|nodejs)(\d+(\.\d+)*)?(\.exe)?$/i;
const PYTHON_EXE = /^(python|pypy)(\d+(\.\d+)*)?[dmu]?(\.exe)?$/i;
const ELECTRON_EXE = /^electron(\.exe)?$/i;

export function runtimeOfExe(exe: string): Runtime | 'electron' {
  const base = path.basename(exe);
  if (NODE_EXE.test(base)) return 'node';
  if (PYTHON_EXE.test(base)) return 'python';
  if (ELECTRON_EXE.test(base)) return 'electron';
  return 'other';
}

/** The interpreter named by a script's `#!` line, or null. */
export function shebangOf(file: string): string | null {
  let head: string;
  try {
    const buf = Buffer.alloc(256);
    const fd = openSync(file, 'r');
    try {
      const n = readSync(fd, buf, 0, 256, 0);
      head = buf.subarray(0, n).toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const m = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (!m) return null;
  // `#!/usr/bin/env python3` names the interpreter in the second word
  return path.basename(m[1]) === 'env' && m[2] ? m[2] : m[1];
}

function envHas(pid: number, key: string): boolean {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    return env.split('\0').some((kv) => kv.startsWith(`${key}=`) && kv.length > key.length + 1);
  } catch {
    return false;
  }
}

/**
 * Runtime from argv alone (when /proc/<pid>/exe is not readable): node/python argv[0], or a
 * script (gunicorn, uvicorn …) whose shebang names one.
 */
export function runtimeOfArgv(argv: string[]): Runtime {
  if (argv.length === 0) return 'other';
  const first = runtimeOfExe(argv[0]);
  if (first === 'node' || first === 'python') return first;
  const script = argv[0].includes('/') ? argv[0] : null;
  const interp = script ? shebangOf(script) : null;
  if (interp) {
    const r = runtimeOfExe(interp);
    if (r === 'node' || r === 'python') return r;
  }
  // setproctitle'd gunicorn workers rename argv to "gunicorn: worker [app]"
  if (/^(gunicorn|uvicorn|celery|hypercorn|daphne)\b/.test(argv[0])) return 'python';
  return 'other';
}

/** 'node' | 'python' | 'other' for a live pid; null when the process does not exist. */
export function detectRuntime(pid: number): Runtime | null {
  const exe = exePath(pid);
  const argv = readCmdline(pid);
  if (exe === null && argv === null) return null;
  if (exe) {
    const r = runtimeOfExe(exe);
    if (r === 'electron') return envHas(pid, 'ELECTRON_RUN_AS_NODE') ? 'node' : 'other';
    if (r !== 'other') return r;
    // A statically renamed binary (e.g. a node build called "myserver") is still 'other':
    // we never guess "node" from argv when the exe says otherwise, since SIGUSR1 depends on it.
    return 'other';
  }
  return runtimeOfArgv(argv ?? []);
}
