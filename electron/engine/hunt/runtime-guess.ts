// Which runtime a command line starts, before it runs: decides whether we switch on the
// Node inspector or put the Python agent on PYTHONPATH. Confirmed afterwards by what
// actually answers.
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { resolveExecutable, splitCommand } from '../target/command';

const PYTHON_EXE = /^python(\d+(\.\d+)?)?$|^pypy3?$/;
const PYTHON_TOOLS = new Set(['gunicorn', 'uvicorn', 'hypercorn', 'daphne', 'flask', 'django-admin', 'waitress-serve']);
const NODE_EXE = /^(node|nodejs|bun|deno)$/;

function shebang(file: string): string {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, 256, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0];
    return first.startsWith('#!') ? first.slice(2) : '';
  } catch {
    return '';
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export function runtimeOfArgv(argv: string[], executable: string): 'node' | 'python' | 'other' {
  const base = path.basename(argv[0]);
  if (NODE_EXE.test(base)) return 'node';
  if (PYTHON_EXE.test(base) || PYTHON_TOOLS.has(base)) return 'python';
  const bang = shebang(executable);
  if (/\bpython[\d.]*\b/.test(bang)) return 'python';
  if (/\bnode(js)?\b/.test(bang)) return 'node';
  return 'other';
}

export function guessRuntime(command: string, cwd: string): 'node' | 'python' | 'other' {
  const argv = splitCommand(command);
  return runtimeOfArgv(argv, resolveExecutable(argv[0], cwd));
}
