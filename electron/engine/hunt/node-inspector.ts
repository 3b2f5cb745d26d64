// What a hunt asks of a Node target over the inspector: heap figures, forced GC,
// snapshots streamed to disk chunk by chunk, and the sampling heap profiler.

import { createWriteStream, renameSync, statSync, unlinkSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { CdpClient } from '../cdp';

export interface NodeMemory {
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

export class NodeInspector {
  private constructor(
    readonly cdp: CdpClient,
    readonly pid: number,
    readonly version: string,
  ) {}

  /** Wrap a session someone else opened (attach), reading the target's pid and version. */
  static async fromClient(cdp: CdpClient): Promise<NodeInspector> {
    const r = await cdp.send('Runtime.evaluate', {
      expression: 'JSON.stringify([process.pid, process.version])',
      returnByValue: true,
    });
    const [pid, version] = JSON.parse(r.result.value) as [number, string];
    return new NodeInspector(cdp, pid, version);
  }

  /** Connect to each URL and keep the one whose process is `preferPid` (else the first that answers). */
  static async pick(urls: string[], preferPids: number[]): Promise<NodeInspector | null> {
    let fallback: NodeInspector | null = null;
    for (const url of urls) {
      let cdp: CdpClient;
      try {
        cdp = await CdpClient.connect(url, { timeoutMs: 5000 });
      } catch {
        continue;
      }
      try {
        const r = await cdp.send('Runtime.evaluate', {
          expression: 'JSON.stringify([process.pid, process.version])',
          returnByValue: true,
        });
        const [pid, version] = JSON.parse(r.result.value) as [number, string];
        const insp = new NodeInspector(cdp, pid, version);
        if (preferPids.includes(pid)) {
          if (fallback) await fallback.close();
          return insp;
        }
        if (!fallback) fallback = insp;
        else await cdp.close();
      } catch {
        await cdp.close();
      }
    }
    return fallback;
  }

  async enable(): Promise<void> {
    await this.cdp.send('HeapProfiler.enable');
  }

  async heapUsage(): Promise<{ used: number; total: number }> {
    const r = await this.cdp.send('Runtime.getHeapUsage', {}, { timeoutMs: 5000 });
    return { used: r.usedSize, total: r.totalSize };
  }

  /** Two full GCs (the second collects what the first's finalisers released), then memoryUsage(). */
  collectAndMeasure(): Promise<NodeMemory> {
    return this.collectAndEvaluate<NodeMemory>('JSON.stringify(process.memoryUsage())');
  }

  /** Two full GCs (the second frees what the first's finalizers released), then `expression`. */
  async collectAndEvaluate<T>(expression: string): Promise<T> {
    await this.cdp.send('HeapProfiler.collectGarbage', {}, { timeoutMs: 60_000 });
    await this.cdp.send('HeapProfiler.collectGarbage', {}, { timeoutMs: 60_000 });
    return this.evaluateJson<T>(expression);
  }

  /** The value of an expression that returns a JSON string, parsed. */
  async evaluateJson<T>(expression: string, timeoutMs = 10_000): Promise<T> {
    const r = await this.cdp.send('Runtime.evaluate', { expression, returnByValue: true }, { timeoutMs });
    return JSON.parse(r.result.value) as T;
  }

  /**
   * Stream a heap snapshot to `file` (via a .part file renamed when complete, so a crash
   * never leaves a truncated file under the final name). Returns the target's pause.
   */
  async takeSnapshot(file: string): Promise<{ bytes: number; pauseMs: number }> {
    const part = `${file}.part`;
    const out = createWriteStream(part, { mode: 0o600 });
    let writeError: Error | null = null;
    out.on('error', (e) => {
      writeError = e;
    });
    const off = this.cdp.on('HeapProfiler.addHeapSnapshotChunk', (p: { chunk: string }) => {
      if (!out.write(p.chunk)) {
        // The inspector has no flow control; the chunks queue in our memory until the disk
        // catches up, which is bounded by the snapshot size and short-lived.
      }
    });
    const started = performance.now();
    try {
      await this.cdp.send(
        'HeapProfiler.takeHeapSnapshot',
        { reportProgress: false, captureNumericValue: false },
        { timeoutMs: 30 * 60_000 },
      );
    } finally {
      off();
    }
    const pauseMs = performance.now() - started;
    try {
      out.end();
      // finished(), not once('close'): a write error (a full disk) may already have closed it
      await finished(out).catch((e: Error) => {
        writeError ??= e;
      });
      if (writeError) throw writeError;
    } catch (e) {
      // A partial snapshot is useless and, on a full disk, the space is needed for the result.
      out.destroy();
      try {
        unlinkSync(part);
      } catch {}
      throw e;
    }
    renameSync(part, file);
    return { bytes: statSync(file).size, pauseMs };
  }

  async startSampling(): Promise<void> {
    await this.cdp.send('HeapProfiler.startSampling', { samplingInterval: 16384 });
  }

  async stopSampling(): Promise<unknown> {
    const r = await this.cdp.send('HeapProfiler.stopSampling', {}, { timeoutMs: 60_000 });
    return r.profile;
  }

  /** Leave the target as found: profiler off, then `closer` (attach: shut the inspector port) or disconnect. */
  async close(closer?: () => Promise<void>): Promise<void> {
    try {
      await this.cdp.send('HeapProfiler.disable', {}, { timeoutMs: 2000 });
    } catch {
      // target gone
    }
    if (closer) await closer();
    else await this.cdp.close();
  }
}
