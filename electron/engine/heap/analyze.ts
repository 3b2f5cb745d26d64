// Entry point for the orchestrator, the CLI and the app: analyse 1–3 snapshots of one
// process in a worker thread (own heap limit, progress, cancellable) and return class
// summaries, leak suspects and the first→last comparison.
//   3 files: three-snapshot suspects (new after 1, present in 2, alive in 3)
//   2 files: suspects = objects new in the second, grouped and ranked
//   1 file:  class summary only
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors';
import { availableMemory, estimateMemory, refuseIfTooBig } from './parse';
import type { PipelineOptions, PipelineResult } from './pipeline';
import { runPipeline } from './pipeline';
import type { WorkerMessage, WorkerRequest } from './worker';

export type { ClassSummaryRow } from './aggregate';
export type { PipelineResult as AnalyzeResult } from './pipeline';

export interface AnalyzeOptions extends PipelineOptions {
  signal?: AbortSignal;
  onProgress?: (p: { phase: string; percent: number }) => void;
  /** 'auto' (a child process when available), 'process', 'worker' (a thread) or 'inline' */
  mode?: 'auto' | 'process' | 'worker' | 'inline';
}

/**
 * The analysis process asks glibc for transparent huge pages on its big allocations. The
 * analysis touches about 1.5× the snapshot's size in fresh typed arrays, and on VMs the
 * first touch of each 4 KiB page is what costs most (measured here: ~4 ms per MB with
 * 4 KiB pages, ~0.2–0.5 ms per MB with 2 MiB pages). A glibc tunable is read at process
 * start only, hence a child process rather than a thread; it is ignored where it does
 * not apply (other libcs, THP disabled).
 */
export function analysisProcessEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const want = 'glibc.malloc.hugetlb=1';
  const cur = env.GLIBC_TUNABLES;
  const tunables = !cur ? want : cur.includes('glibc.malloc.hugetlb') ? cur : `${cur}:${want}`;
  // inside the desktop app the child is the Electron binary: make it a plain Node
  const electron = process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
  return { ...env, ...electron, GLIBC_TUNABLES: tunables };
}

/**
 * How the worker can be started from here: compiled JS, TypeScript through tsx, or not at
 * all. `file` and `hook` (tsx's require hook, from source only) start it as a process.
 */
export function workerEntry(): { code: string; eval: boolean; file: string; hook?: string } | null {
  const here = path.dirname(__filename);
  const js = path.join(here, 'worker.js');
  if (fs.existsSync(js)) return { code: js, eval: false, file: js };
  const ts = path.join(here, 'worker.ts');
  if (fs.existsSync(ts)) {
    // running from source (vitest, tsx): register tsx's require hook inside the worker
    for (let dir = here; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const hook = path.join(dir, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
      if (fs.existsSync(hook))
        return {
          code: `require(${JSON.stringify(hook)});require(${JSON.stringify(ts)});`,
          eval: true,
          file: ts,
          hook,
        };
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

/**
 * Memory the pipeline needs for these files, refused up front. Snapshots are analysed one
 * at a time, but an earlier one's digest, the buffers the next cannot reuse and the
 * suspects' work stay beside the largest: measured on two distinct ~300 MB snapshots,
 * 500 MB for one alone, 660-700 MB for both (and the same for three), i.e. ~0.7× the
 * second-largest file on top (706 MB the highest seen); 0.9× here to stay on the safe side.
 */
export function pipelineMemory(sizes: number[]): number {
  const desc = [...sizes].sort((x, y) => y - x);
  return estimateMemory(desc[0]) + 0.9 * (desc[1] ?? 0);
}

function checkMemory(files: string[], availableBytes?: number): void {
  const sizes = files.map((f) => fs.statSync(f).size);
  const what = files.length === 1 ? files[0] : `${files.map((f) => path.basename(f)).join(' + ')}`;
  refuseIfTooBig(what, pipelineMemory(sizes), availableBytes ?? availableMemory());
}

export async function analyzeSnapshots(files: string[], opts: AnalyzeOptions = {}): Promise<PipelineResult> {
  checkFiles(files);
  checkMemory(files, opts.availableBytes);
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
  const runner = mode === 'worker' ? startThread(entry, req, heapMb) : startProcess(entry, req, heapMb);
  return new Promise<PipelineResult>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
      runner.stop();
    };
    const onAbort = () => finish(() => reject(signal?.reason ?? new Error('analysis cancelled')));
    signal?.addEventListener('abort', onAbort, { once: true });
    runner.onMessage((m: WorkerMessage) => {
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
    runner.onEnd((e, oom) => {
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
  });
}

interface Runner {
  onMessage(fn: (m: WorkerMessage) => void): void;
  /** the runner died or exited without answering */
  onEnd(fn: (e: Error, oom: boolean) => void): void;
  stop(): void;
}

const OOM = /heap out of memory|ERR_WORKER_OUT_OF_MEMORY/i;

function startThread(
  entry: NonNullable<ReturnType<typeof workerEntry>>,
  req: WorkerRequest,
  heapMb: number,
): Runner {
  const worker = new Worker(entry.code, {
    eval: entry.eval,
    workerData: req,
    resourceLimits: { maxOldGenerationSizeMb: heapMb },
  });
  return {
    onMessage: (fn) => worker.on('message', fn),
    onEnd: (fn) => {
      worker.on('error', (e) => fn(e, OOM.test(`${e.message} ${(e as { code?: string }).code}`)));
      worker.on('exit', (code) =>
        fn(new Error(`the analysis worker exited with code ${code} before answering`), false),
      );
    },
    stop: () => void worker.terminate(),
  };
}

function startProcess(
  entry: NonNullable<ReturnType<typeof workerEntry>>,
  req: WorkerRequest,
  heapMb: number,
): Runner {
  const child: ChildProcess = fork(entry.file, [], {
    execArgv: [`--max-old-space-size=${heapMb}`, ...(entry.hook ? ['--require', entry.hook] : [])],
    env: analysisProcessEnv(),
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // V8's out-of-memory report goes to stderr; keep its tail and pass the rest through
  let errTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    errTail = (errTail + d.toString()).slice(-4096);
    process.stderr.write(d);
  });
  child.send(req);
  return {
    onMessage: (fn) => child.on('message', (m) => fn(m as WorkerMessage)),
    onEnd: (fn) => {
      child.on('error', (e) => fn(e, false));
      child.on('close', (code, sig) => {
        const why = code !== null ? `code ${code}` : `signal ${sig}`;
        fn(new Error(`the analysis process exited with ${why} before answering`), OOM.test(errTail));
      });
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
