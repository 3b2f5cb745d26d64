// SIGUSR1 opens a Node inspector on 127.0.0.1:9229, one port for the whole machine, and vitest
// runs two test files at once: files that attach to Node servers here take this lock for
// their whole run, so two of them never race for the port. A lock whose owner died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOCK = path.join(os.tmpdir(), 'leakhound-test-inspect-9229.lock');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits (up to timeoutMs) until this process holds the lock; returns its release. */
export async function lockInspectPort(timeoutMs = 15 * 60_000): Promise<() => void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      } catch {}
      // an owner that died without releasing (or one still writing its pid: wait)
      if (owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > end) throw new Error(`the test lock on port 9229 is still held by pid ${owner}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
