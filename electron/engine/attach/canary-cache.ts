// What canaries showed, per executable + method + tool version + kernel: a verdict on one
// executable with one debugger on one kernel holds until one of them changes (a new file at
// the same path has another inode or mtime). Failures are kept too, so a method that once
// harmed a canary or a target is not tried on that executable again.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CanaryRecord {
  ok: boolean;
  pauseMs: number | null;
  error?: string;
  /** ISO time the canary ran */
  at: string;
}

export function cacheDir(): string {
  if (process.env.LEAKHOUND_CACHE_DIR) return process.env.LEAKHOUND_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'leakhound');
}

const file = () => path.join(cacheDir(), 'attach-canary.json');
const disabled = () => process.env.LEAKHOUND_NO_CANARY_CACHE === '1';

/**
 * The key for `exe` tried with `method` of `toolVersion`. `file` is what to stat for the
 * file's identity when `exe` is a path in another mount namespace (/proc/PID/exe).
 */
export function canaryKey(exe: string, method: string, toolVersion: string, file = exe): string {
  let id = exe;
  try {
    const st = statSync(file);
    id = `${exe}|${st.dev}:${st.ino}|${st.size}|${Math.round(st.mtimeMs)}`;
  } catch {}
  return createHash('sha256')
    .update(`${id}|${method}|${toolVersion}|${os.release()}`)
    .digest('hex')
    .slice(0, 24);
}

function readAll(): Record<string, CanaryRecord> {
  try {
    const v = JSON.parse(readFileSync(file(), 'utf8'));
    return v && typeof v === 'object' ? (v as Record<string, CanaryRecord>) : {};
  } catch {
    return {};
  }
}

export function readCanary(key: string): CanaryRecord | null {
  if (disabled()) return null;
  const r = readAll()[key];
  return r && typeof r.ok === 'boolean' && typeof r.at === 'string' ? r : null;
}

export function writeCanary(key: string, value: CanaryRecord): void {
  if (disabled()) return;
  try {
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    const all = readAll();
    all[key] = value;
    const tmp = `${file()}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 1)}\n`, { mode: 0o600 });
    renameSync(tmp, file());
  } catch {
    // a cache that cannot be written only means the canary runs again next time
  }
}
