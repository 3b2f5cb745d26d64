// The dormant agent: a server restarted once with the environment below loads leakhound's
// agent at start-up, where it only waits on a Unix socket in a per-user folder. An attach then
// finds it there (through /proc/PID/root, so inside a container too) and needs no debugger.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { descendants, readStatus } from '../proc/procfs';
import { AGENT_FILES, agentRequest, agentSourceDir, socketName } from '../python/agent-client';

/** The folder the agent makes for itself (sitecustomize.py computes the same). */
export const dormantDir = (uid: number): string => `/tmp/leakhound-agent-${uid}`;

/** The pid a process has in its own pid namespace (its agent names its socket by it). */
export function innerPid(pid: number): number {
  try {
    const m = /^NSpid:\s*([\d\s]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    const ids = m ? m[1].trim().split(/\s+/).map(Number) : [];
    return ids.length ? ids[ids.length - 1] : pid;
  } catch {
    return pid;
  }
}

/** Maps socket pids (inner pids) to host pids among the tree of `root`, as it is now. */
export function treePidResolver(root: number): (socketPid: number) => number | null {
  let map = new Map<number, number>();
  const refresh = () => {
    map = new Map([root, ...descendants(root)].map((p) => [innerPid(p), p]));
  };
  refresh();
  return (socketPid) => {
    if (!map.has(socketPid)) refresh(); // a worker started since
    return map.get(socketPid) ?? null;
  };
}

/** The dormant agents' folder as the host reaches it, when `pid`'s agent answers there. */
export async function findDormantAgent(pid: number): Promise<string | null> {
  const st = readStatus(pid);
  if (!st) return null;
  const dir = `/proc/${pid}/root${dormantDir(st.uid)}`;
  const sock = path.join(dir, socketName(innerPid(pid)));
  if (!existsSync(sock)) return null;
  const info = await agentRequest<{ pid: number }>(sock, 'ping', {}, 3000).catch(() => null);
  return info && info.pid === innerPid(pid) ? dir : null;
}

/**
 * Copies the agent to `dir` (readable by the server's user) and returns the environment that
 * loads it dormant: the lines `leakhound agent --print-env` prints.
 */
export function dormantEnv(dir: string, prevPythonPath = process.env.PYTHONPATH ?? ''): string[] {
  const target = path.resolve(dir);
  mkdirSync(target, { recursive: true, mode: 0o755 });
  chmodSync(target, 0o755);
  const src = agentSourceDir();
  for (const f of AGENT_FILES) {
    copyFileSync(path.join(src, f), path.join(target, f));
    chmodSync(path.join(target, f), 0o644);
  }
  const pp = prevPythonPath ? `${target}${path.delimiter}${prevPythonPath}` : target;
  return [`PYTHONPATH=${pp}`, 'LEAKHOUND_AGENT=dormant'];
}
