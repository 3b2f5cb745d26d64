// Is this command line (or executable) a Python process? Used to pick the Python agent for
// a spawned target and the runtime label of an attached one.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';

/** python, python3, python3.11, python3.11d, pypy3, python3.13t … */
const PYTHON_EXE = /^(python|pypy)(\d+(\.\d+)?)?[a-z]?(\.exe)?$/i;
/** entry points that are Python console scripts on every install we know */
const PYTHON_LAUNCHERS = new Set([
  'gunicorn',
  'uvicorn',
  'hypercorn',
  'daphne',
  'granian',
  'waitress-serve',
  'flask',
  'django-admin',
  'celery',
  'fastapi',
]);
/** wrappers that run the next argument */
const WRAPPERS = new Set(['env', 'nice', 'nohup', 'exec', 'setsid', 'stdbuf', 'taskset', 'ionice', 'time']);

function resolveOnPath(cmd: string, cwd: string, pathEnv: string | undefined): string | null {
  if (cmd.includes('/')) return isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return null;
}

function shebang(file: string): string | null {
  let fd: number | null = null;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const line = buf.subarray(0, n).toString('utf8').split('\n')[0];
    return line.startsWith('#!') ? line.slice(2).trim() : null;
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** `/usr/bin/env python3 -u` → true; `/usr/bin/python3.11` → true */
function shebangIsPython(line: string): boolean {
  const words = line.split(/\s+/).filter(Boolean);
  let i = 0;
  if (words[0] && basename(words[0]) === 'env') {
    i = 1;
    while (words[i]?.startsWith('-') || words[i]?.includes('=')) i++;
  }
  return words[i] !== undefined && PYTHON_EXE.test(basename(words[i]));
}

/**
 * True when the process runs CPython/PyPy: from its executable (`/proc/<pid>/exe`) when given,
 * else from argv: a python binary (incl. `python -m x`), a known launcher (gunicorn, uvicorn …),
 * a `.py` script, or a script whose shebang names python (resolved via PATH).
 */
export function detectPythonRuntime(
  argv: string[],
  exePath?: string,
  opts: { cwd?: string; pathEnv?: string } = {},
): boolean {
  if (exePath && PYTHON_EXE.test(basename(exePath))) return true;
  const cwd = opts.cwd ?? process.cwd();
  const pathEnv = opts.pathEnv ?? process.env.PATH;
  let i = 0;
  // skip VAR=value assignments and wrappers with their options (`env -i`, `nice -n 10`)
  while (i < argv.length) {
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[i])) i++;
    else if (WRAPPERS.has(basename(argv[i]))) {
      i++;
      while (i < argv.length && (argv[i].startsWith('-') || /^\d+$/.test(argv[i]))) i++;
    } else break;
  }
  const cmd = argv[i];
  if (!cmd) return false;
  const name = basename(cmd);
  if (PYTHON_EXE.test(name) || PYTHON_LAUNCHERS.has(name)) return true;
  if (/\.pyw?$/.test(name)) return true;
  const file = resolveOnPath(cmd, cwd, pathEnv);
  if (!file) return false;
  const line = shebang(file);
  return line !== null && shebangIsPython(line);
}
