// A realistic, deterministic Result for previews (the UI's report preview) and for the report
// tests: a leaking Node server, or a gunicorn-style Python tree with several workers.
import { type Result, resultSchema } from '../../../shared/result';

export interface SampleResultOptions {
  runtime?: 'node' | 'python';
  /** worker processes under the root (Python) */
  workers?: number;
  requests?: number;
  /** bytes leaked per request (0 = clean run) */
  leakBytesPerRequest?: number;
  /** extra fields merged over the generated result */
  patch?: Partial<Result>;
}

/** Small deterministic PRNG so samples look noisy but every build is identical. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function sampleResult(opts: SampleResultOptions = {}): Result {
  const runtime = opts.runtime ?? 'node';
  const requests = opts.requests ?? 3000;
  const leak = opts.leakBytesPerRequest ?? 412;
  const workers = runtime === 'python' ? (opts.workers ?? 2) : 0;
  const rand = rng(42);
  const rootPid = 41_000;
  const pids = [rootPid, ...Array.from({ length: workers }, (_, i) => rootPid + 1 + i)];
  const durationMs = 30_000;
  const warm = 1500;
  const samples: Result['samples'] = [];
  for (let t = 0; t <= durationMs + 3000; t += 100) {
    const req = Math.min(requests, Math.max(0, Math.round(((t - warm) / durationMs) * requests)));
    const heap = 6e6 + req * leak + rand() * 1.5e6;
    const processes = pids.map((pid, i) => {
      const base = i === 0 ? (workers ? 22e6 : 48e6) : 36e6;
      const share = i === 0 && workers ? 0 : workers ? 1 / workers : 1;
      const rss = base + req * leak * share * 1.2 + rand() * 4e5;
      return { pid, ppid: i === 0 ? 1 : rootPid, rssBytes: rss, pssBytes: rss * (workers ? 0.62 : 0.95) };
    });
    samples.push({
      t,
      requests: req,
      rssBytes: processes.reduce((a, p) => a + p.rssBytes, 0),
      pssBytes: processes.reduce((a, p) => a + p.pssBytes, 0),
      heapUsedBytes: heap,
      heapTotalBytes: heap * 1.3,
      processes,
    });
  }
  const checkpoints: Result['checkpoints'] = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const req = Math.round(f * requests);
    return {
      t: warm + f * durationMs,
      requests: req,
      heapBytes: 5.2e6 + req * leak + rand() * 5e4,
      externalBytes: 1e6,
      pssBytes: 45e6 + req * leak,
      rssBytes: 50e6 + req * leak,
    };
  });
  const leaking = leak > 0;
  const perReq = leaking ? 1 : 0;
  const base: Result = {
    schemaVersion: 1,
    id: '2026-11-25T16-30-00-sample',
    status: 'finished',
    startedAt: '2026-11-25T16:30:00.000Z',
    endedAt: '2026-11-25T16:30:48.000Z',
    span: { firstRequestT: warm, lastMeasurementT: warm + durationMs },
    leakhoundVersion: '0.1.0',
    host: { hostname: 'build-07', platform: 'linux', cpus: 2, totalMemBytes: 24e9 },
    options: {
      spawn: runtime === 'python' ? '/usr/bin/gunicorn -w 2 -b 127.0.0.1:{port} app:app' : 'node server.js',
      url: 'http://127.0.0.1:{port}/orders',
      requests,
      concurrency: 10,
      snapshots: 3,
      report: ['pdf', 'html'],
      revealStrings: false,
    },
    target: {
      runtime,
      mode: 'spawn',
      pid: rootPid,
      command: runtime === 'python' ? '/usr/bin/gunicorn -w 2 -b 127.0.0.1:38111 app:app' : 'node server.js',
      url: 'http://127.0.0.1:38111/orders',
      runtimeVersion: runtime === 'python' ? '3.11.2' : 'v20.20.2',
      exitCode: null,
      signal: null,
      processes: pids.map((pid, i) => ({
        pid,
        ppid: i === 0 ? 1 : rootPid,
        command:
          runtime === 'python' ? `gunicorn: ${i === 0 ? 'master' : 'worker'} [app:app]` : 'node server.js',
        firstSeenMs: 0,
        lastSeenMs: durationMs + 3000,
        exited: false,
        peakRssBytes: 48e6 + requests * leak * 1.2,
        lastPssBytes: 45e6 + requests * leak,
      })),
      restarts: 0,
    },
    load: {
      requests,
      errors: 3,
      errorsByKind: { connect: 0, timeout: 1, status: 2, other: 0 },
      rps: requests / (durationMs / 1000),
      durationMs,
      latencyMs: { p50: 0.84, p90: 1.9, p95: 2.6, p99: 7.3, max: 31.2, mean: 1.1 },
      statusCodes: { '200': requests - 2, '500': 2 },
    },
    samples,
    checkpoints,
    verdict: leaking
      ? {
          kind: 'leak',
          bytesPerRequest: leak,
          ci95: [leak * 0.96, leak * 1.04],
          reason: `The heap after forced GC grew steadily by ${leak} B per request and one object class gained one instance per request.`,
          basis: 'heap',
          pssBytesPerRequest: leak * 1.1,
          pssCi95: [leak * 0.8, leak * 1.4],
        }
      : {
          kind: 'no-leak',
          bytesPerRequest: 1.7,
          ci95: [-3.1, 6.4],
          reason: 'The heap after forced GC stayed flat across the run.',
          basis: 'heap',
          pssBytesPerRequest: 2.2,
          pssCi95: [-8, 12],
        },
    suspects: leaking
      ? [
          {
            name: runtime === 'python' ? 'OrderAuditEntry' : 'ApiClientSession',
            countDelta: requests,
            countPerRequest: perReq,
            selfSizeDelta: requests * 48,
            retainedSizeDelta: requests * (leak - 20),
            retainerPath: ['(GC roots)', 'system / Context', 'registry', '[2999]', 'ApiClientSession'],
            allocatedAt: [
              {
                functionName: 'handle',
                url: 'file:///srv/app/server.js',
                line: 17,
                column: 18,
                bytes: requests * 300,
                count: requests,
              },
            ],
            perProcess:
              runtime === 'python'
                ? pids.slice(1).map((pid) => ({
                    pid,
                    countDelta: requests / workers,
                    sizeDelta: (requests * leak) / workers,
                  }))
                : undefined,
          },
          {
            name: '(concatenated string)',
            countDelta: requests * 2,
            countPerRequest: 2 * perReq,
            selfSizeDelta: requests * 64,
            retainedSizeDelta: requests * 64,
            retainerPath: [
              '(GC roots)',
              'system / Context',
              'registry',
              '[2999]',
              'ApiClientSession',
              'apiKey',
            ],
          },
        ]
      : [],
    snapshots: [
      {
        file: 'snapshot-1-baseline.heapsnapshot',
        label: 'baseline',
        atRequests: 0,
        bytes: 5.1e6,
        pauseMs: 180,
      },
      {
        file: 'snapshot-2-middle.heapsnapshot',
        label: 'middle',
        atRequests: Math.round(requests / 2),
        bytes: 5.8e6,
        pauseMs: 210,
      },
      {
        file: 'snapshot-3-final.heapsnapshot',
        label: 'final',
        atRequests: requests,
        bytes: 6.4e6,
        pauseMs: 240,
      },
    ],
    warnings: ['Each heap snapshot paused the target for up to 240 ms and briefly doubled its memory.'],
    revealStrings: false,
  };
  return resultSchema.parse({ ...base, ...opts.patch });
}
