// Finding what a spawned target left behind. A server that daemonises (double fork, setsid)
// leaves our process tree and our process group, and the parent-death signal does not
// follow it; its environment does. Every spawned target carries LEAKHOUND_TARGET=<token>,
// and the processes whose environment holds it are the target's, wherever they went.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { allPids, hasProcfs } from './procfs';

export const MARKER_VAR = 'LEAKHOUND_TARGET';

export function newMarker(): string {
  return randomBytes(8).toString('hex');
}

/** Pids whose environment carries this marker (processes we may not read are skipped). */
export function pidsMarked(marker: string): number[] {
  if (!hasProcfs) return [];
  const needle = Buffer.from(`\0${MARKER_VAR}=${marker}\0`);
  const out: number[] = [];
  for (const pid of allPids()) {
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${pid}/environ`);
    } catch {
      continue;
    }
    // environ is NUL-separated with no leading NUL: prefix one so the first variable matches too
    if (Buffer.concat([Buffer.from([0]), env, Buffer.from([0])]).includes(needle)) out.push(pid);
  }
  return out;
}
