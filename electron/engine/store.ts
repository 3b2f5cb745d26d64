// Run folders on disk: the history the UI lists, the CLI repairs and the reports read.
// A folder is the unit of truth; nothing is kept only in memory.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunSummary } from '../../shared/api';
import { type Checkpoint, type Result, type RunStatus, resultSchema, type Sample } from '../../shared/result';
import { UserError } from './errors';
import { readJsonl } from './jsonl';

export interface RunMeta {
  id: string;
  startedAt: string;
  status: RunStatus;
  command: string;
  options: Record<string, unknown>;
  /** pid of the leakhound process that owns the run, to tell "running" from "interrupted" */
  ownerPid: number;
  targetPid?: number | null;
  /** start time of the target (ms since epoch), so a recycled pid is never mistaken for it */
  targetStartMs?: number | null;
  endedAt?: string | null;
}

export const FILES = {
  meta: 'run.json',
  result: 'result.json',
  samples: 'samples.jsonl',
  checkpoints: 'checkpoints.jsonl',
  events: 'events.jsonl',
  allocationProfile: 'allocation-profile.json',
} as const;

/** The machine a run was made on, so it can be repeated (and its figures read) elsewhere. */
export function hostInfo(): Result['host'] {
  return {
    hostname: os.hostname(),
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    totalMemBytes: os.totalmem(),
  };
}

export function defaultDataDir(): string {
  if (process.env.LEAKHOUND_DATA_DIR) return path.resolve(process.env.LEAKHOUND_DATA_DIR);
  if (process.platform === 'darwin')
    return path.join(os.homedir(), 'Library', 'Application Support', 'leakhound');
  if (process.platform === 'win32')
    return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'leakhound');
  const xdg = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'leakhound');
}

export function runsDir(dataDir: string): string {
  return path.join(dataDir, 'runs');
}

export function runDirOf(dataDir: string, id: string): string {
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(id) || id === '.' || id === '..')
    throw new UserError(`not a run id: ${id}`);
  return path.join(runsDir(dataDir), id);
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Write a file so that readers see the old or the new content, never half of it. */
export function writeFileAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function writeMeta(dir: string, meta: RunMeta): void {
  writeFileAtomic(path.join(dir, FILES.meta), `${JSON.stringify(meta, null, 2)}\n`);
}

export function readMeta(dir: string): RunMeta | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, FILES.meta), 'utf8')) as RunMeta;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "running" in run.json but its owner is gone: the run was interrupted by a crash. */
export function effectiveStatus(meta: RunMeta, result: Result | null): RunStatus {
  if (result) return result.status;
  if (meta.status === 'running' && !processAlive(meta.ownerPid)) return 'interrupted';
  return meta.status;
}

export function readResult(dir: string): Result | null {
  const file = path.join(dir, FILES.result);
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new UserError(
      `${file} is not valid JSON: the run folder is damaged; run \`leakhound runs --repair\``,
    );
  }
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success)
    throw new UserError(
      `${file} does not match result schema v1 (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

export function summarize(dir: string): RunSummary | null {
  const meta = readMeta(dir);
  if (!meta) return null;
  let result: Result | null = null;
  try {
    result = readResult(dir);
  } catch {
    result = null;
  }
  return {
    id: meta.id,
    dir,
    status: effectiveStatus(meta, result),
    startedAt: meta.startedAt,
    command: meta.command,
    verdict: result?.verdict.kind ?? null,
    bytesPerRequest: result?.verdict.bytesPerRequest ?? null,
    requests: result?.load?.requests ?? null,
  };
}

export function listRuns(dataDir: string): RunSummary[] {
  const root = runsDir(dataDir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  const out: RunSummary[] = [];
  for (const name of names) {
    const s = summarize(path.join(root, name));
    if (s) out.push(s);
  }
  return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
}

export function readRun(dir: string): {
  summary: RunSummary;
  result: Result | null;
  samples: Sample[];
  checkpoints: Checkpoint[];
} {
  const summary = summarize(dir);
  if (!summary) throw new UserError(`${dir} is not a leakhound run folder (no ${FILES.meta})`);
  return {
    summary,
    result: readResult(dir),
    samples: readJsonl<Sample>(path.join(dir, FILES.samples)),
    checkpoints: readJsonl<Checkpoint>(path.join(dir, FILES.checkpoints)),
  };
}

export function deleteRun(dataDir: string, id: string): void {
  const dir = runDirOf(dataDir, id);
  const meta = readMeta(dir);
  if (!meta) throw new UserError(`no run with id ${id}`);
  if (meta.status === 'running' && processAlive(meta.ownerPid) && meta.ownerPid !== process.pid)
    throw new UserError(`run ${id} is still running (leakhound pid ${meta.ownerPid}); stop it first`);
  rmSync(dir, { recursive: true, force: true });
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
