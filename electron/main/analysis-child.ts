// Entry of the analysis process (Electron utilityProcess, or a Node child process outside
// Electron). Parsing a 1 GB snapshot takes a minute and gigabytes: doing it here keeps the
// main process, and so every window, responsive, and gives it its own V8 heap.
import { openSnapshots } from '../engine/open-snapshots';
import { readMeta, writeMeta } from '../engine/store';

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

async function analyze(req: AnalysisRequest): Promise<AnalysisMessage> {
  let lastSent = 0;
  const { result, resultFile } = await openSnapshots({
    id: req.runId,
    files: req.files,
    outDir: req.outDir,
    leakhoundVersion: req.leakhoundVersion,
    revealStrings: req.revealStrings,
    onProgress: (p) => {
      // Progress comes per chunk; a few messages a second is plenty for a progress bar.
      const now = Date.now();
      if (now - lastSent < 200 && p.percent < 100) return;
      lastSent = now;
      send({ type: 'progress', phase: p.phase, percent: p.percent });
    },
  });
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
