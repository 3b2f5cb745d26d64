// Which Python ran a spawned target that died of a missing module, and which Python here has
// that module. On a machine with pyenv first on PATH, `python3` is pyenv's, while gunicorn
// and the Debian packages (Flask, Django, uvicorn) live under /usr/bin/python3: the target's
// traceback alone does not say that a different interpreter would have worked.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';

const MISSING = /(?:ModuleNotFoundError: )?No module named '?([A-Za-z_][\w.]*)'?/;
const PYTHON_NAME = /^python(\d+(\.\d+)?)?$/;
const IDENTIFIER = /^[A-Za-z_]\w*$/;
const PROBE_TIMEOUT_MS = 5_000;

/** The top-level module a Python target's output says it could not import, or null. */
export function missingModule(lines: readonly string[]): string | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = MISSING.exec(lines[i]!);
    if (m) return m[1]!.split('.')[0]!;
  }
  return null;
}

interface Probe {
  cwd: string;
  env: Record<string, string>;
}

function run(file: string, args: string[], p: Probe): Promise<string | null> {
  // The agent must not start in a probe: it would open a socket for a process we throw away.
  const env = { ...p.env };
  delete env.LEAKHOUND_AGENT_DIR;
  delete env.LEAKHOUND_AGENT;
  return new Promise((resolve) => {
    execFile(file, args, { cwd: p.cwd, env, timeout: PROBE_TIMEOUT_MS }, (err, stdout) =>
      resolve(err ? null : stdout.trim()),
    );
  });
}

/**
 * The Python that `file` runs as (follows pyenv shims and symlinks): sys.executable, and its
 * environment (sys.prefix) so a venv's `python` and `python3` count once.
 */
async function realInterpreter(file: string, p: Probe): Promise<{ exe: string; env: string } | null> {
  const out = await run(file, ['-c', 'import sys; print(sys.executable); print(sys.prefix)'], p);
  const [exe, env] = out?.split('\n') ?? [];
  return exe && env ? { exe, env } : null;
}

/** `#!/usr/bin/python3` or `#!/usr/bin/env python3` → the interpreter a script names. */
function shebangInterpreter(script: string, p: Probe): string | null {
  let head: string;
  try {
    head = readFileSync(script, { encoding: 'latin1' }).slice(0, 256);
  } catch {
    return null;
  }
  const m = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (!m) return null;
  const [, prog, arg] = m;
  if (path.basename(prog!) === 'env' && arg) return onPath(arg, p.env.PATH ?? '');
  return PYTHON_NAME.test(path.basename(prog!)) ? prog! : null;
}

function onPath(name: string, envPath: string): string | null {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {}
  }
  return null;
}

export interface SpawnedCommand {
  /** argv[0] resolved to a file */
  executable: string;
  /** as the user wrote it ({port} left in), for the command line we suggest */
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * One line naming the interpreter that ran the target, that it lacks `module`, and which
 * interpreter on this machine has it (with the command to use), or null when the target is
 * not a Python whose interpreter can be told.
 */
export async function explainMissingModule(module: string, cmd: SpawnedCommand): Promise<string | null> {
  const p: Probe = { cwd: cmd.cwd, env: cmd.env };
  const direct = PYTHON_NAME.test(path.basename(cmd.argv[0] ?? ''));
  const launcher = direct ? cmd.executable : shebangInterpreter(cmd.executable, p);
  if (!launcher) return null;
  const ranAs = await realInterpreter(launcher, p);
  if (!ranAs) return null;
  const ran = ranAs.exe;

  const tried: string[] = [];
  const seen = new Set([ranAs.env]);
  const candidates = ['/usr/bin/python3', 'python3', 'python', '/usr/local/bin/python3'];
  for (const c of candidates) {
    const file = c.includes('/') ? c : onPath(c, p.env.PATH ?? '');
    if (!file) continue;
    const found = await realInterpreter(file, p);
    if (!found || seen.has(found.env)) continue;
    seen.add(found.env);
    const real = found.exe;
    tried.push(real);
    if ((await run(real, ['-c', `import ${module}`], p)) === null) continue;
    // a script such as gunicorn or uvicorn runs as its module of the same name (`python -m gunicorn`)
    const script = path.basename(cmd.argv[0] ?? '');
    const asModule =
      !direct && IDENTIFIER.test(script) && (await run(real, ['-c', `import ${script}`], p)) !== null;
    if (!direct && !asModule)
      return `${ranLine(ran, module)}; ${real} has it: start the server with that interpreter`;
    const head = direct ? real : `${real} -m ${script}`;
    const rest = cmd.argv.slice(1).map(quote).join(' ');
    return `${ranLine(ran, module)}; ${real} has it: run '${rest ? `${head} ${rest}` : head}'`;
  }
  return `${ranLine(ran, module)}${
    tried.length ? `, nor does ${tried.join(' or ')}` : ''
  }: install it for that interpreter, or start the server with a Python that has it`;
}

function ranLine(ran: string, module: string): string {
  return `the target ran under ${ran}, which has no module '${module}'`;
}

function quote(arg: string): string {
  return /^[\w@%+=:,./{}-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\$`])/g, '\\$1')}"`;
}
