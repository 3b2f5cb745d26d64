// Runs the analysis pipeline in a worker thread, so the caller's event loop (the UI, the
// hunt's sampler) keeps running and the analysis gets its own heap limit.
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

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const req = workerData as WorkerRequest;
  let last = 0;
  try {
    const value = await runPipeline(req.files, req.opts, (p) => {
      // a few messages a second are plenty
      const now = Date.now();
      if (now - last < 100 && p.percent < 100) return;
      last = now;
      port.postMessage({ type: 'progress', ...p } satisfies WorkerMessage);
    });
    port.postMessage({ type: 'result', value } satisfies WorkerMessage);
  } catch (e) {
    const err = e as Error;
    port.postMessage({
      type: 'error',
      message: err.message,
      user: isUserError(e),
      stack: err.stack,
    } satisfies WorkerMessage);
  }
}

void main();
