// Where an injected agent lives: in the target's own /tmp as the target sees it (a container's
// /tmp is reached from here through /proc/PID/root), in a 0700 folder owned by the target's
// user, since the agent refuses a socket folder of anyone else and a www-data server cannot
// read root's run folder. leakhound, as root or as that user, can still connect.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { readStatus } from '../proc/procfs';
import { agentSourceDir } from '../python/agent-client';

export interface AttachDirs {
  /** prefix that turns a path as the target sees it into one we can open ('' on the same root) */
  hostRoot: string;
  /** the folder as the target sees it */
  inner: string;
  agentDir: string;
  socketDir: string;
  /** run a process where the target's files are (a container's mount namespace) */
  nsenterPid: number | null;
  uid: number;
  gid: number;
  /** our path to a path the target sees */
  host(p: string): string;
  /** a fresh private sub-folder (for a canary), as [inner, host] paths */
  privateSub(name: string): [string, string];
  remove(): void;
}

function sameRoot(pid: number): boolean {
  try {
    const a = statSync(`/proc/${pid}/root/`);
    const b = statSync('/');
    return (
      a.dev === b.dev &&
      a.ino === b.ino &&
      readlinkSync(`/proc/${pid}/ns/mnt`) === readlinkSync('/proc/self/ns/mnt')
    );
  } catch {
    return true;
  }
}

export function prepareAttachDirs(pid: number, runDir: string): AttachDirs {
  const hostRoot = sameRoot(pid) ? '' : `/proc/${pid}/root`;
  const st = readStatus(pid);
  const uid = st?.uid ?? process.getuid?.() ?? 0;
  const gid = st?.gid ?? process.getgid?.() ?? 0;
  const weAreRoot = process.getuid?.() === 0;
  const hash = createHash('sha256')
    .update(`${path.resolve(runDir)}|${pid}`)
    .digest('hex')
    .slice(0, 12);
  const inner = `/tmp/leakhound-att-${hash}`;
  const host = (p: string) => `${hostRoot}${p}`;
  const own = (p: string, mode: number) => {
    chmodSync(host(p), mode);
    if (weAreRoot && uid !== 0) chownSync(host(p), uid, gid);
  };
  const mk = (p: string, mode: number) => {
    mkdirSync(host(p), { recursive: true, mode });
    const s = statSync(host(p));
    if (!s.isDirectory()) throw new Error(`${host(p)} is not a directory: remove it and retry`);
    own(p, mode);
  };
  mk(inner, 0o700);
  const agentDir = `${inner}/agent`;
  const socketDir = `${inner}/sockets`;
  mk(agentDir, 0o755);
  mk(socketDir, 0o700);
  const src = agentSourceDir();
  for (const f of readdirSync(src).filter((f) => f.endsWith('.py'))) {
    copyFileSync(path.join(src, f), host(`${agentDir}/${f}`));
    own(`${agentDir}/${f}`, 0o644);
  }
  let n = 0;
  return {
    hostRoot,
    inner,
    agentDir,
    socketDir,
    nsenterPid: hostRoot ? pid : null,
    uid,
    gid,
    host,
    privateSub(name) {
      const p = `${inner}/${name}-${++n}`;
      // the canary runs as us, and its agent insists on a folder of its own user
      mkdirSync(host(p), { recursive: true, mode: 0o700 });
      chmodSync(host(p), 0o700);
      return [p, host(p)];
    },
    remove() {
      rmSync(host(inner), { recursive: true, force: true });
    },
  };
}
