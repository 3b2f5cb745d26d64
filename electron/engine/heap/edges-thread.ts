// Starts the thread that parses a snapshot's edges while the calling thread parses its
// nodes (parse.ts). Compiled JS when built; from source (vitest, tsx) through tsx's hook.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EdgeAnswer, EdgeJob } from './parse';

export interface EdgeThread {
  post(job: EdgeJob): void;
  /** settles once: the worker's answer, or its failure as an answer */
  answer: Promise<EdgeAnswer>;
  stop(): void;
}

function entry(): { code: string; eval: boolean } | null {
  const js = path.join(__dirname, 'edges-worker.js');
  if (fs.existsSync(js)) return { code: js, eval: false };
  const ts = path.join(__dirname, 'edges-worker.ts');
  if (!fs.existsSync(ts)) return null;
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const hook = path.join(dir, 'node_modules', 'tsx', 'dist', 'cjs', 'index.cjs');
    if (fs.existsSync(hook))
      return { code: `require(${JSON.stringify(hook)});require(${JSON.stringify(ts)});`, eval: true };
  }
  return null;
}

/** null when the worker's code cannot be found: the caller parses serially. */
export function startEdgeThread(): EdgeThread | null {
  const e = entry();
  if (!e) return null;
  const worker = new Worker(e.code, { eval: e.eval });
  const answer = new Promise<EdgeAnswer>((resolve) => {
    worker.once('message', (m: EdgeAnswer) => resolve(m));
    worker.once('error', (err) => resolve({ ok: false, error: err.message, user: false }));
    worker.once('exit', (code) => resolve({ ok: false, error: `exited with code ${code}`, user: false }));
  });
  return {
    post: (job) => worker.postMessage(job),
    answer,
    stop: () => void worker.terminate(),
  };
}
