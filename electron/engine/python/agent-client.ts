// The transport to the in-process Python agent: one Unix socket per Python process, JSON
// lines, one short connection per request, a timeout on every call. Also builds the
// environment that makes a spawned Python target load the agent (no change to the app).
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, lstatSync, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

/** the agent's files, copied or sent wherever a target loads it from */
export const AGENT_FILES = ['sitecustomize.py', 'leakhound_agent.py'];
/** Unix socket paths are limited to 107 bytes; keep room for `/py-<pid>.sock`. */
const MAX_SOCKET_DIR = 90;

export const socketName = (pid: number): string => `py-${pid}.sock`;
export const SOCKET_RE = /^py-(\d+)\.sock$/;

/** Where the agent's .py files live: next to this file in the source tree, else in the repo from dist/. */
export function agentSourceDir(): string {
  const candidates = [
    join(__dirname, 'agent'),
    resolve(__dirname, '../../../../electron/engine/python/agent'),
    resolve(__dirname, '../../../../../electron/engine/python/agent'),
  ];
  for (const dir of candidates) {
    if (AGENT_FILES.every((f) => existsSync(join(dir, f)))) return dir;
  }
  throw new Error(`leakhound's Python agent files are missing (looked in ${candidates.join(', ')})`);
}

function privateDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) {
    throw new Error(`${dir} is not a directory owned by this user: remove it and retry`);
  }
  chmodSync(dir, 0o700); // mkdir's mode is filtered by the umask, and an existing dir keeps its own
  return dir;
}

/**
 * Copies the agent into `<runDir>/python-agent/` (readable by Python even when leakhound
 * itself runs from an asar archive) and makes the 0700 socket dir: below it, or a private
 * temp dir named after the run folder when that path is too long for a Unix socket.
 * Idempotent: the same run gives the same dirs.
 */
export function preparePythonAgent(runDir: string): { agentDir: string; socketDir: string } {
  const agentDir = privateDir(join(resolve(runDir), 'python-agent'));
  const src = agentSourceDir();
  for (const f of AGENT_FILES) copyFileSync(join(src, f), join(agentDir, f));
  const nested = join(agentDir, 'sockets');
  const hash = createHash('sha256').update(resolve(runDir)).digest('hex').slice(0, 16);
  const socketDir = privateDir(
    nested.length <= MAX_SOCKET_DIR ? nested : join(tmpdir(), `leakhound-py-${hash}`),
  );
  return { agentDir, socketDir };
}

/** Environment that loads the agent into every Python process of a spawned target (no change to the app). */
export function pythonAgentEnv(
  runDir: string,
  baseEnv: NodeJS.ProcessEnv = process.env,
): { env: Record<string, string>; socketDir: string } {
  const { agentDir, socketDir } = preparePythonAgent(runDir);
  const prev = baseEnv.PYTHONPATH;
  return {
    env: {
      PYTHONPATH: prev ? `${agentDir}${delimiter}${prev}` : agentDir,
      LEAKHOUND_AGENT_DIR: socketDir,
    },
    socketDir,
  };
}

/**
 * Python source that starts the agent inside a process that is already running (for attach:
 * run it in the master and in each worker; workers forked later get theirs from the master's
 * fork hook). Paths go in as JSON literals, which Python reads as string literals.
 */
export function agentBootstrapCode(agentDir: string, socketDir: string): string {
  return [
    'import os, sys',
    `_p = ${JSON.stringify(agentDir)}`,
    // a worker that runs this after the hunt ended (its first request came late) finds the
    // folders gone and stays quiet
    `if os.path.isdir(_p) and os.path.isdir(${JSON.stringify(socketDir)}):`,
    '    if _p not in sys.path: sys.path.insert(0, _p)',
    '    import leakhound_agent',
    `    leakhound_agent.start(${JSON.stringify(socketDir)})`,
  ].join('\n');
}

export class AgentError extends Error {
  constructor(
    message: string,
    readonly code: 'ENOENT' | 'ECONNREFUSED' | 'ETIMEDOUT' | 'EAGENT' | 'EPROTO' | string,
  ) {
    super(message);
    this.name = 'AgentError';
  }
}

/** One request to one agent. Rejects with an AgentError (never hangs past timeoutMs). */
export function agentRequest<T = unknown>(
  socketPath: string,
  cmd: string,
  args: Record<string, unknown> = {},
  timeoutMs = 5000,
): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    let done = false;
    let buf = '';
    const sock = createConnection(socketPath);
    const finish = (err: Error | null, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) reject(err);
      else resolvePromise(value as T);
    };
    const timer = setTimeout(
      () =>
        finish(
          new AgentError(
            `python agent at ${socketPath} did not answer ${cmd} in ${timeoutMs} ms`,
            'ETIMEDOUT',
          ),
        ),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(`${JSON.stringify({ id: 1, cmd, args })}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        const msg = JSON.parse(buf.slice(0, nl)) as { ok: boolean; result?: T; error?: string };
        if (msg.ok) finish(null, msg.result as T);
        else finish(new AgentError(`python agent ${cmd} failed: ${msg.error}`, 'EAGENT'));
      } catch {
        finish(new AgentError(`python agent at ${socketPath} sent a malformed answer to ${cmd}`, 'EPROTO'));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(new AgentError(`python agent at ${socketPath}: ${e.message}`, e.code ?? 'EIO')),
    );
    sock.on('close', () =>
      finish(new AgentError(`python agent at ${socketPath} closed before answering ${cmd}`, 'EPROTO')),
    );
  });
}
