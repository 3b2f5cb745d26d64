// Runs the analysis pipeline off the caller's event loop, so the UI and the hunt's
// sampler keep running and the analysis gets its own heap limit: in a worker thread, or
// in a child process (analyze.ts prefers that: see analysisProcessEnv).
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../errors';
import type { PipelineOptions } from './pipeline';
import { runPipeline } from './pipeline';

export interface WorkerRequest {
  files: string[];
  opts: PipelineOptions;
}

export type WorkerMessage =
  | { type: 'progress'; phase: string; percent: number }
  | { type: 'result'; value: Awaited<ReturnType<typeof runPipeline>> }
  | { type: 'error'; message: string; user: boolean; stack?: string };

async function serve(req: WorkerRequest, send: (m: WorkerMessage) => void): Promise<void> {
  let last = 0;
  try {
    const value = await runPipeline(req.files, req.opts, (p) => {
      // a few messages a second are plenty
      const now = Date.now();
      if (now - last < 100 && p.percent < 100) return;
      last = now;
      send({ type: 'progress', ...p });
    });
    send({ type: 'result', value });
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', message: err.message, user: isUserError(e), stack: err.stack });
  }
}

const port = parentPort;
if (port) {
  void serve(workerData as WorkerRequest, (m) => port.postMessage(m));
} else if (process.send) {
  // a child process: one request in, messages out, then exit once they are flushed
  process.once('message', (req: WorkerRequest) => {
    let pending = 0;
    let done = false;
    const exitWhenFlushed = () => {
      if (done && pending === 0) process.exit(0);
    };
    void serve(req, (m) => {
      pending++;
      process.send?.(m, undefined, {}, () => {
        pending--;
        exitWhenFlushed();
      });
      if (m.type !== 'progress') done = true;
    });
  });
  // the parent went away: nobody is waiting for the answer
  process.once('disconnect', () => process.exit(0));
}
