// Opening .heapsnapshot files (menu, drop, file association, argv): they become a run in
// the history, analysed in the analysis process like `leakhound analyze`, with progress
// sent to the UI as ordinary ApiEvents.
import fs from 'node:fs';
import path from 'node:path';
import type { ApiEvent } from '../../shared/api';
import { UserError } from '../engine/errors';
import { ensureDir, readMeta, runDirOf, runsDir, writeMeta } from '../engine/store';
import { type AnalysisOptions, runAnalysis } from './analysis-host';
import { analyzeRunId, isHeapSnapshotPath, orderSnapshots } from './open-args';

export interface OpenSnapshotsDeps {
  dataDir: string;
  leakhoundVersion: string;
  emit: (e: ApiEvent) => void;
  /** called once the run folder exists, before the (long) analysis */
  onStarted?: (id: string) => void;
  signal?: AbortSignal;
  backend?: AnalysisOptions['backend'];
  onAnalysisProcess?: AnalysisOptions['onStart'];
}

export function checkSnapshotFiles(files: readonly string[]): { path: string; mtimeMs: number }[] {
  if (files.length === 0 || files.length > 3) {
    throw new UserError(
      `open 1 to 3 .heapsnapshot files of one process (baseline, target, final), not ${files.length}`,
    );
  }
  return files.map((f) => {
    if (!isHeapSnapshotPath(f)) throw new UserError(`${f} is not a .heapsnapshot file`);
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new UserError(`${f} does not exist`);
    }
    if (!st.isFile()) throw new UserError(`${f} is not a file`);
    return { path: path.resolve(f), mtimeMs: st.mtimeMs };
  });
}

export async function analyzeSnapshotFiles(
  files: readonly string[],
  deps: OpenSnapshotsDeps,
): Promise<{ id: string; dir: string; resultFile: string; suspects: number }> {
  const ordered = orderSnapshots(checkSnapshotFiles(files));
  let taken: Set<string>;
  try {
    taken = new Set(fs.readdirSync(runsDir(deps.dataDir)));
  } catch {
    taken = new Set();
  }
  const id = analyzeRunId(new Date(), taken);
  const dir = runDirOf(deps.dataDir, id);
  ensureDir(dir);
  writeMeta(dir, {
    id,
    startedAt: new Date().toISOString(),
    status: 'running',
    command: `leakhound analyze ${ordered.map((f) => path.basename(f)).join(' ')}`,
    options: {},
    ownerPid: process.pid,
  });
  deps.onStarted?.(id);
  const phase = (progress: number, message: string): ApiEvent => ({
    type: 'phase',
    id,
    phase: 'analysis',
    progress: Math.min(1, Math.max(0, progress)),
    message,
  });
  deps.emit(phase(0, `analysing ${ordered.length} snapshot${ordered.length > 1 ? 's' : ''}`));
  try {
    const done = await runAnalysis(
      {
        runId: id,
        files: ordered,
        outDir: dir,
        leakhoundVersion: deps.leakhoundVersion,
        revealStrings: false,
      },
      {
        signal: deps.signal,
        backend: deps.backend,
        onStart: deps.onAnalysisProcess,
        onProgress: (p) => deps.emit(phase(p.percent / 100, `${p.phase} ${Math.round(p.percent)}%`)),
      },
    );
    deps.emit({ type: 'phase', id, phase: 'done', progress: 1, message: `${done.suspects} suspects` });
    deps.emit({ type: 'done', id, status: 'finished' });
    return { id, dir, ...done };
  } catch (e) {
    const meta = readMeta(dir);
    if (meta && meta.status === 'running')
      writeMeta(dir, { ...meta, status: 'failed', endedAt: new Date().toISOString() });
    deps.emit({ type: 'log', id, level: 'error', message: (e as Error).message });
    deps.emit({ type: 'done', id, status: 'failed' });
    throw e;
  }
}
