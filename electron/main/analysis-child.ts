// Entry of the analysis process (Electron utilityProcess, or a Node child process outside
// Electron). Parsing a 1 GB snapshot takes a minute and gigabytes: doing it here keeps the
// main process, and so every window, responsive, and gives it its own V8 heap.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Suspect } from '../../shared/result';
import { analyzeSnapshots } from '../engine/heap/analyze';
import { FILES, readMeta, writeFileAtomic, writeMeta } from '../engine/store';
import { buildAnalyzeResult, snapshotFileName } from './analysis-result';

export interface AnalysisRequest {
  type: 'analyze';
  runId: string;
  /** absolute paths, baseline → final */
  files: string[];
  /** the run folder (exists, holds run.json) */
  outDir: string;
  leakhoundVersion: string;
  revealStrings: boolean;
}

export type AnalysisMessage =
  | { type: 'progress'; phase: string; percent: number }
  | { type: 'done'; resultFile: string; suspects: number }
  | { type: 'error'; message: string; user: boolean };

interface ParentPortLike {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(m: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;

function send(m: AnalysisMessage): void {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
}

/** Link (not copy: they can be gigabytes) the snapshots into the run folder under a hunt's names. */
function linkSnapshots(files: string[], outDir: string, warnings: string[]): string[] {
  return files.map((file, i) => {
    const name = snapshotFileName(i, files.length);
    const dest = path.join(outDir, name);
    for (const make of [() => fs.symlinkSync(file, dest), () => fs.linkSync(file, dest)]) {
      try {
        make();
        return name;
      } catch {}
    }
    warnings.push(`could not link ${file} into the run folder; it is referenced by its path`);
    // Relative to the run folder, so `path.join(runDir, ref)` still finds it.
    return path.relative(outDir, file);
  });
}

async function analyze(req: AnalysisRequest): Promise<AnalysisMessage> {
  const startedAt = new Date().toISOString();
  const warnings: string[] = [];
  const sizes = req.files.map((f) => fs.statSync(f).size);
  const refs = linkSnapshots(req.files, req.outDir, warnings);
  let lastSent = 0;
  const { suspects } = await analyzeSnapshots(req.files, {
    revealStrings: req.revealStrings,
    onProgress: (p) => {
      // Progress comes per chunk; a few messages a second is plenty for a progress bar.
      const now = Date.now();
      if (now - lastSent < 200 && p.percent < 100) return;
      lastSent = now;
      send({ type: 'progress', phase: p.phase, percent: p.percent });
    },
  });
  const result = buildAnalyzeResult({
    id: req.runId,
    files: req.files,
    refs,
    sizes,
    startedAt,
    endedAt: new Date().toISOString(),
    suspects: suspects as Suspect[],
    leakhoundVersion: req.leakhoundVersion,
    host: {
      hostname: os.hostname(),
      platform: process.platform,
      cpus: os.cpus().length,
      totalMemBytes: os.totalmem(),
    },
    revealStrings: req.revealStrings,
    warnings,
  });
  const resultFile = path.join(req.outDir, FILES.result);
  writeFileAtomic(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  const meta = readMeta(req.outDir);
  if (meta) writeMeta(req.outDir, { ...meta, status: 'finished', endedAt: result.endedAt });
  return { type: 'done', resultFile, suspects: result.suspects.length };
}

async function handle(data: unknown): Promise<void> {
  const req = data as AnalysisRequest;
  if (req?.type !== 'analyze') return;
  let reply: AnalysisMessage;
  try {
    reply = await analyze(req);
  } catch (e) {
    const err = e as Error;
    reply = {
      type: 'error',
      message: String(err?.message ?? e).split('\n')[0],
      user: err?.name === 'UserError',
    };
    const meta = readMeta(req.outDir);
    if (meta) writeMeta(req.outDir, { ...meta, status: 'failed', endedAt: new Date().toISOString() });
  }
  send(reply);
}

if (parentPort) parentPort.on('message', (e) => void handle(e.data));
else {
  process.on('message', (m) => void handle(m));
  // Orphaned (the app died): nothing left to report to.
  process.on('disconnect', () => process.exit(0));
}
