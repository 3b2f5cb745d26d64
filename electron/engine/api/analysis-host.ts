// Runs heap queries in a worker thread, so parsing a 300 MB snapshot never blocks the
// thread that answers the UI. One worker, started on first use, holding the parsed
// snapshots between queries (that cache is what makes the second click instant).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors';
import type { AnalysisOp, AnalysisResponse } from './protocol';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** The compiled worker when it exists (dist/), else the TypeScript source through tsx. */
function spawnWorker(): Worker {
  const js = path.join(__dirname, 'analysis-worker.js');
  if (existsSync(js)) return new Worker(js);
  const ts = path.join(__dirname, 'analysis-worker.ts');
  const tsxApi = createRequire(__filename).resolve('tsx/cjs/api');
  const boot = `require(${JSON.stringify(tsxApi)}).register(); require(${JSON.stringify(ts)});`;
  return new Worker(boot, { eval: true });
}

export class AnalysisHost {
  private worker: Worker | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = spawnWorker();
    w.on('message', (m: AnalysisResponse) => {
      const p = this.pending.get(m.seq);
      if (!p) return;
      this.pending.delete(m.seq);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve(m.value);
      else p.reject(m.user ? new UserError(m.message) : new Error(m.message));
    });
    const fail = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = null;
    };
    w.on('error', (e) => fail(new Error(`the analysis worker failed: ${e.message}`)));
    w.on('exit', (code) => {
      if (this.worker === w)
        fail(new Error(`the analysis worker exited (code ${code}); was it out of memory?`));
    });
    // An idle worker must not keep a CLI or test process alive; a busy one must.
    w.unref();
    this.worker = w;
    return w;
  }

  run<T>(op: AnalysisOp): Promise<T> {
    const w = this.ensure();
    const seq = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      w.ref();
      w.postMessage({ seq, ...op });
    });
  }

  /** Drop cached snapshots (a run was deleted). */
  forget(files: string[]): void {
    if (this.worker && files.length) void this.run({ op: 'forget', files }).catch(() => {});
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const p of this.pending.values()) p.reject(new Error('the API handler was closed'));
    this.pending.clear();
    if (w) await w.terminate();
  }
}
