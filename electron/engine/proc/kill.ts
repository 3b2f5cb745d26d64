// Ends a whole process tree: SIGTERM to every member (deepest first, so a supervisor does
// not see its children die before it is told to stop itself… and the group too when we
// spawned it detached), a grace period, then SIGKILL for what is left. Members are
// identified by pid + start time, so a pid reused meanwhile is never signalled.

import { descendants, hasProcfs, isAlive, readStat } from './procfs';
import { psTreeSnapshot } from './psfallback';

export interface KillTreeOptions {
  /** ms between SIGTERM and SIGKILL (default 3000) */
  graceMs?: number;
  /** also signal the process group rootPid leads (spawned with detached: true); default: when it leads one */
  group?: boolean;
  /** give up waiting after SIGKILL (default 5000 ms) */
  killWaitMs?: number;
}

export interface KillTreeResult {
  /** every pid signalled */
  pids: number[];
  /** pids that needed SIGKILL */
  forced: number[];
  /** pids still present at the end (only if SIGKILL could not end them: EPERM, D state) */
  survivors: number[];
}

interface Member {
  pid: number;
  startTicks: number;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

function sameProcess(m: Member): boolean {
  if (!hasProcfs) return isAlive(m.pid);
  const st = readStat(m.pid);
  return st !== null && st.startTicks === m.startTicks && st.state !== 'Z' && st.state !== 'X';
}

async function collect(rootPid: number): Promise<Member[]> {
  if (!hasProcfs) {
    const rows = await psTreeSnapshot(rootPid);
    return rows.map((r) => ({ pid: r.pid, startTicks: 0 }));
  }
  const out: Member[] = [];
  for (const pid of [rootPid, ...descendants(rootPid)]) {
    const st = readStat(pid);
    if (st && st.state !== 'Z') out.push({ pid, startTicks: st.startTicks });
  }
  return out;
}

const RESEND_MS = 1000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function killTree(rootPid: number, opts: KillTreeOptions = {}): Promise<KillTreeResult> {
  const graceMs = opts.graceMs ?? 3000;
  const killWaitMs = opts.killWaitMs ?? 5000;
  const members = new Map<number, Member>();
  const leadsGroup = hasProcfs ? readStat(rootPid)?.pgrp === rootPid : false;
  const useGroup = opts.group ?? leadsGroup;

  const addNew = async (): Promise<Member[]> => {
    const found = await collect(rootPid);
    const fresh: Member[] = [];
    for (const m of found) {
      if (!members.has(m.pid)) {
        members.set(m.pid, m);
        fresh.push(m);
      }
    }
    return fresh;
  };

  // Breadth-first order reversed = deepest first.
  const first = await addNew();
  for (const m of [...first].reverse()) signal(m.pid, 'SIGTERM');
  if (useGroup) signal(-rootPid, 'SIGTERM');

  const alive = () => [...members.values()].filter(sameProcess);
  const deadline = Date.now() + graceMs;
  let resendAt = Date.now() + RESEND_MS;
  while (Date.now() < deadline) {
    // A supervisor may fork a replacement before it handles its own SIGTERM: catch those too.
    if (isAlive(rootPid)) for (const m of (await addNew()).reverse()) signal(m.pid, 'SIGTERM');
    const left = alive();
    if (left.length === 0) break;
    if (Date.now() >= resendAt) {
      // A freshly forked gunicorn worker runs the master's handlers until it installs its
      // own, and those only queue the signal: the first SIGTERM can be lost. Say it again.
      for (const m of left.reverse()) signal(m.pid, 'SIGTERM');
      resendAt = Date.now() + RESEND_MS;
    }
    await sleep(Math.min(50, Math.max(1, deadline - Date.now())));
  }

  const forced: number[] = [];
  let left = alive();
  if (left.length > 0) {
    if (isAlive(rootPid)) await addNew();
    left = alive();
    for (const m of left.reverse()) {
      if (signal(m.pid, 'SIGKILL')) forced.push(m.pid);
    }
    if (useGroup) signal(-rootPid, 'SIGKILL');
    const killDeadline = Date.now() + killWaitMs;
    while (Date.now() < killDeadline && alive().length > 0) await sleep(20);
  }
  return { pids: [...members.keys()], forced, survivors: alive().map((m) => m.pid) };
}
