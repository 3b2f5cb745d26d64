// Launches analysis-child in its own process and speaks its small message protocol. Inside
// Electron that is a utilityProcess (Chromium's service process, its own V8 heap); under plain
// Node (tests, `leakhound serve`) a child_process.fork of the same entry.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AnalysisMessage, AnalysisRequest } from './analysis-child';

export interface AnalysisOptions {
  onProgress?: (p: { phase: string; percent: number }) => void;
  signal?: AbortSignal;
  /** the analysis process's pid, once started */
  onStart?: (pid: number | undefined) => void;
  /** 'auto' = utilityProcess inside Electron's main process, else child_process.fork */
  backend?: 'auto' | 'utility' | 'fork';
}

export interface AnalysisDone {
  resultFile: string;
  suspects: number;
}

interface ChildLike {
  pid(): number | undefined;
  post(m: unknown): void;
  onMessage(cb: (m: unknown) => void): void;
  onExit(cb: (code: number | null) => void): void;
  stderrTail(): string;
  kill(): void;
}

/** The compiled entry beside this file, or the TypeScript source run through tsx (tests, dev). */
export function analysisChildEntry(): { file: string; execArgv: string[] } {
  const js = path.join(__dirname, 'analysis-child.js');
  if (fs.existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(__dirname, 'analysis-child.ts'), execArgv: ['--import', 'tsx'] };
}

function tailCollector(stream: NodeJS.ReadableStream | null | undefined): () => string {
  let tail = '';
  stream?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  });
  return () => tail.trim().split('\n').slice(-3).join(' | ');
}

function forkUtility(file: string): ChildLike {
  // Loaded lazily: requiring 'electron' outside Electron throws.
  const { utilityProcess } = require('electron') as typeof import('electron');
  const child = utilityProcess.fork(file, [], { serviceName: 'leakhound analysis', stdio: 'pipe' });
  const tail = tailCollector(child.stderr);
  child.stdout?.resume();
  return {
    pid: () => child.pid,
    post: (m) => child.postMessage(m),
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    stderrTail: tail,
    kill: () => void child.kill(),
  };
}

function forkNode(file: string, execArgv: string[]): ChildLike {
  const child = fork(file, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const tail = tailCollector(child.stderr);
  child.stdout?.resume();
  return {
    pid: () => child.pid,
    post: (m) => child.send(m as object),
    onMessage: (cb) => child.on('message', cb),
    onExit: (cb) => child.on('exit', (code) => cb(code)),
    stderrTail: tail,
    kill: () => void child.kill('SIGKILL'),
  };
}

function inElectronMain(): boolean {
  return Boolean(process.versions.electron) && (process as { type?: string }).type === 'browser';
}

/** Analyses 1–3 snapshots into `req.outDir/result.json` in a separate process. */
export function runAnalysis(
  req: Omit<AnalysisRequest, 'type'>,
  opts: AnalysisOptions = {},
): Promise<AnalysisDone> {
  const entry = analysisChildEntry();
  const backend = opts.backend ?? 'auto';
  const useUtility = backend === 'utility' || (backend === 'auto' && inElectronMain());
  return new Promise<AnalysisDone>((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new Error('analysis cancelled'));
    const child = useUtility ? forkUtility(entry.file) : forkNode(entry.file, entry.execArgv);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      child.kill();
      fn();
    };
    const onAbort = () => finish(() => reject(new Error('analysis cancelled')));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.onMessage((raw) => {
      const m = raw as AnalysisMessage;
      if (m?.type === 'progress') opts.onProgress?.({ phase: m.phase, percent: m.percent });
      else if (m?.type === 'done') finish(() => resolve({ resultFile: m.resultFile, suspects: m.suspects }));
      else if (m?.type === 'error') {
        const err = new Error(m.message);
        if (m.user) err.name = 'UserError';
        finish(() => reject(err));
      }
    });
    child.onExit((code) => {
      // Killed by the OS (out of memory) or crashed before answering.
      const tail = child.stderrTail();
      finish(() =>
        reject(
          new Error(`the analysis process exited (code ${code}) before finishing${tail ? `: ${tail}` : ''}`),
        ),
      );
    });
    child.post({ type: 'analyze', ...req } satisfies AnalysisRequest);
    opts.onStart?.(child.pid());
  });
}
