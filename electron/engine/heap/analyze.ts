// Entry point for the orchestrator, the CLI and the app: analyse 1–3 snapshots of one
// process in a worker thread (own heap limit, progress, cancellable) and return class
// summaries, leak suspects and the first→last comparison.
//   3 files: three-snapshot suspects (new after 1, present in 2, alive in 3)
//   2 files: suspects = objects new in the second, grouped and ranked
//   1 file:  class summary only
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors';
import type { PipelineOptions, PipelineResult } from './pipeline';
import { runPipeline } from './pipeline';
import type { WorkerMessage, WorkerRequest } from './worker';

export type { ClassSummaryRow } from './aggregate';
export type { PipelineResult as AnalyzeResult } from './pipeline';

export interface AnalyzeOptions extends PipelineOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; percent: number }) => void;
  /** 'auto' (worker when available), 'worker' or 'inline' (this thread) */
  mode?: 'auto' | 'worker' | 'inline';
}

/** How the worker can be started from here: compiled JS, TypeScript through tsx, or not at all. */
export function workerEntry(): { code: string; eval: boolean } | null {
  const here = path.dirname(__filename);
  const js = path.join(here, 'worker.js');
  if (fs.existsSync(js)) return { code: js, eval: false };
  const ts = path.join(here, 'worker.ts');
  if (fs.existsSync(ts)) {
    // running from source (vitest, tsx): register tsx's require hook inside the worker
    for (let dir = here; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const hook = path.join(dir, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
      if (fs.existsSync(hook))
        return { code: `require(${JSON.stringify(hook)});require(${JSON.stringify(ts)});`, eval: true };
    }
  }
  return null;
}

function checkFiles(files: string[]): void {
  if (files.length < 1) throw new UserError('give 1 to 3 .heapsnapshot files (baseline, target, final)');
  for (const f of files) {
    let st: fs.Stats;
    try {
      st = fs.statSync(f);
    } catch {
      throw new UserError(`${f} does not exist or cannot be read; check the path`);
    }
    if (!st.isFile()) throw new UserError(`${f} is not a file; give the path of a .heapsnapshot file`);
  }
}

export async function analyzeSnapshots(files: string[], opts: AnalyzeOptions = {}): Promise<PipelineResult> {
  checkFiles(files);
  opts.signal?.throwIfAborted();
  const { signal, onProgress, mode = 'auto', ...pipe } = opts;
  const entry = mode === 'inline' ? null : workerEntry();
  if (!entry) {
    if (mode === 'worker') throw new Error('the analysis worker is not available (build with tsc first)');
    return runPipeline(files, pipe, onProgress, signal);
  }
  const totalMb = files.reduce((s, f) => s + fs.statSync(f).size, 0) / 2 ** 20;
  // typed arrays live outside the V8 heap; the heap holds names, maps and small results
  const heapMb = Math.round(Math.min(8192, 768 + totalMb / 2));
  const req: WorkerRequest = { files, opts: pipe };
  return new Promise<PipelineResult>((resolve, reject) => {
    const worker = new Worker(entry.code, {
      eval: entry.eval,
      workerData: req,
      resourceLimits: { maxOldGenerationSizeMb: heapMb },
    });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = () => finish(() => reject(signal?.reason ?? new Error('analysis cancelled')));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress?.({ phase: m.phase, percent: m.percent });
      else if (m.type === 'result') finish(() => resolve(m.value));
      else if (m.type === 'error') {
        finish(() => {
          if (m.user) reject(new UserError(m.message));
          else {
            const e = new Error(m.message);
            if (m.stack) e.stack = m.stack;
            reject(e);
          }
        });
      }
    });
    worker.on('error', (e) => {
      const oom = /heap out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
        `${e.message} ${(e as { code?: string }).code}`,
      );
      finish(() =>
        reject(
          oom
            ? new UserError(
                `analysing ${files.map((f) => path.basename(f)).join(', ')} ran out of memory (limit ${heapMb} MB); free memory or analyse fewer snapshots`,
              )
            : e,
        ),
      );
    });
    worker.on('exit', (code) => {
      finish(() => reject(new Error(`the analysis worker exited with code ${code} before answering`)));
    });
  });
}
