// The result contract: what `leakhound run` writes to DIR/result.json and what the UI,
// the reports and CI gates read. Validated at runtime on both sides, so a run folder
// written by another version fails loudly instead of rendering nonsense.
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

export const runtimeSchema = z.enum(['node', 'python', 'other']);
export type Runtime = z.infer<typeof runtimeSchema>;

export const processSampleSchema = z.object({
  pid: z.number().int(),
  ppid: z.number().int().nullable().optional(),
  rssBytes: z.number(),
  pssBytes: z.number().nullable(),
  /** private_clean + private_dirty from smaps_rollup, when read this tick */
  privateBytes: z.number().nullable().optional(),
  /** runtime heap (V8 used, or the Python agent's figure) when known */
  heapUsedBytes: z.number().nullable().optional(),
});
export type ProcessSample = z.infer<typeof processSampleSchema>;

export const sampleSchema = z.object({
  /** ms since the run started */
  t: z.number(),
  /** requests completed by the load generator (or counted on the target) so far */
  requests: z.number(),
  rssBytes: z.number(),
  /** PSS summed over the tree; the last read value is carried between smaps reads */
  pssBytes: z.number().nullable(),
  heapUsedBytes: z.number().nullable(),
  heapTotalBytes: z.number().nullable().optional(),
  processes: z.array(processSampleSchema),
});
export type Sample = z.infer<typeof sampleSchema>;

/** A post-GC measurement taken at a checkpoint; the verdict's main series. */
export const checkpointSchema = z.object({
  t: z.number(),
  requests: z.number(),
  /** JS heap used after a forced GC (+ external/ArrayBuffer memory for Node) */
  heapBytes: z.number().nullable(),
  externalBytes: z.number().nullable().optional(),
  pssBytes: z.number().nullable(),
  rssBytes: z.number(),
  /** a heap snapshot was taken since the previous checkpoint (its native memory inflates PSS) */
  afterSnapshot: z.boolean().optional(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

export const latencySchema = z.object({
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
});

export const loadStatsSchema = z.object({
  requests: z.number(),
  errors: z.number(),
  errorsByKind: z.object({
    connect: z.number(),
    timeout: z.number(),
    status: z.number(),
    other: z.number(),
  }),
  rps: z.number(),
  durationMs: z.number(),
  latencyMs: latencySchema,
  statusCodes: z.record(z.string(), z.number()).optional(),
  /** where the requests came from: this machine straight, or this machine through an SSH forward (--host) */
  /** where the requests came from: here, here through an SSH forward, or the host itself */
  via: z.enum(['local', 'ssh-forward', 'host']).optional(),
  bytesRead: z.number().optional(),
});
export type LoadStats = z.infer<typeof loadStatsSchema>;

export const verdictKindSchema = z.enum(['leak', 'no-leak', 'inconclusive']);
export type VerdictKind = z.infer<typeof verdictKindSchema>;

export const verdictSchema = z.object({
  kind: verdictKindSchema,
  bytesPerRequest: z.number(),
  ci95: z.tuple([z.number(), z.number()]),
  /** one paragraph in plain words */
  reason: z.string(),
  /** which series the figure comes from */
  basis: z.enum(['heap', 'pss', 'rss', 'none']),
  /** what bytesPerRequest is per: a request, or a second when no load was sent (--load none) */
  unit: z.enum(['request', 'second']).optional(),
  /** growth of process memory per request, reported beside the heap figure */
  pssBytesPerRequest: z.number().nullable().optional(),
  pssCi95: z.tuple([z.number(), z.number()]).nullable().optional(),
  /** true when process memory grows while the runtime heap stays flat */
  offHeapGrowth: z.boolean().optional(),
  /** true when growth stopped in the later part of the run (cache filled) */
  plateau: z.boolean().optional(),
  /** growth within each worker's life (recycled workers: gunicorn --max-requests), when one ended */
  lifetimes: z
    .object({
      bytesPerRequest: z.number(),
      ci95: z.tuple([z.number(), z.number()]),
      lifetimes: z.number(),
      lifetimesFitted: z.number(),
      endedLifetimes: z.number(),
      recycledEvery: z.number().nullable(),
      rssLowBytes: z.number().nullable(),
      rssHighBytes: z.number().nullable(),
      maxPoints: z.number(),
      /** the whole tree's heap figure the lifetime verdict replaced */
      treeBytesPerRequest: z.number().optional(),
      treeCi95: z.tuple([z.number(), z.number()]).optional(),
    })
    .optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const allocationSiteSchema = z.object({
  functionName: z.string(),
  url: z.string(),
  line: z.number(),
  column: z.number(),
  /** bytes of live samples allocated here */
  bytes: z.number(),
  count: z.number().optional(),
  /** where V8 saw it, when a source map moved url/line/column to the original source */
  generated: z.object({ url: z.string(), line: z.number(), column: z.number() }).optional(),
});
export type AllocationSite = z.infer<typeof allocationSiteSchema>;

export const suspectSchema = z.object({
  name: z.string(),
  countDelta: z.number(),
  countPerRequest: z.number(),
  selfSizeDelta: z.number(),
  retainedSizeDelta: z.number(),
  retainerPath: z.array(z.string()),
  allocatedAt: z.array(allocationSiteSchema).optional(),
  /** per process (Python workers), when the suspect was summed over several */
  perProcess: z
    .array(z.object({ pid: z.number(), countDelta: z.number(), sizeDelta: z.number() }))
    .optional(),
  /** what owns the growth: a class, a closure (by its source), a collection (by its holder), or a bare type */
  kind: z.enum(['class', 'closure', 'collection', 'type']).optional(),
  /** the holder, its own name first: 'demo-orders.js › auditLog (Array, +6000 entries)' */
  heldBy: z.string().optional(),
  /** a closure's captured variables: 'w: RequestWatcher' */
  captures: z.array(z.string()).optional(),
  /** classes and types it keeps alive that grew with it (reported here, not as suspects of their own) */
  holds: z.array(z.object({ name: z.string(), countDelta: z.number() })).optional(),
  /** up to 3 distinct ranked retainer paths, most objects first; the first is retainerPath */
  retainerPaths: z.array(z.object({ path: z.array(z.string()), count: z.number() })).optional(),
  /** this suspect's own growth test: new objects still alive, per interval between heap captures */
  growth: z
    .object({
      intervals: z.array(z.object({ requests: z.number(), count: z.number(), perRequest: z.number() })),
      /** lowest and highest per-request rate over the intervals */
      range: z.tuple([z.number(), z.number()]),
    })
    .optional(),
  /** why no allocation site is given (the sampling profile cannot tell), when none is */
  siteNote: z.string().optional(),
});
export type Suspect = z.infer<typeof suspectSchema>;

export const snapshotRefSchema = z.object({
  /** file name relative to the run folder */
  file: z.string(),
  label: z.string(),
  atRequests: z.number(),
  bytes: z.number(),
  pid: z.number().optional(),
  /** how long the target was frozen while the snapshot was taken */
  pauseMs: z.number().optional(),
});
export type SnapshotRef = z.infer<typeof snapshotRefSchema>;

export const processInfoSchema = z.object({
  pid: z.number(),
  ppid: z.number().nullable(),
  command: z.string(),
  firstSeenMs: z.number(),
  lastSeenMs: z.number(),
  exited: z.boolean(),
  peakRssBytes: z.number(),
  lastPssBytes: z.number().nullable(),
});

/** One process touched by an attach step, checked right after it. */
export const attachProcessSchema = z.object({
  pid: z.number(),
  role: z.enum(['master', 'worker', 'process']),
  /** how long this process was stopped by the step (debugger attached → detached, or signal → inspector up) */
  pauseMs: z.number().nullable(),
  /** alive, same process (start time), not stopped/traced, no stop/trap signal pending */
  verified: z.boolean(),
  /** what the check found wrong, in one line (absent when verified) */
  problem: z.string().optional(),
});

/** What an attach canary (a throwaway process from the target's executable) showed for one method. */
export const canaryTrySchema = z.object({
  method: z.string(),
  ok: z.boolean(),
  pauseMs: z.number().nullable(),
  /** the result came from the per-executable cache (taken earlier, same executable, debugger and kernel) */
  cached: z.boolean(),
  error: z.string().optional(),
});

/** How leakhound got into a process it did not start, and that the process was fine afterwards. */
export const attachInfoSchema = z.object({
  /** sigusr1 (Node), gdb / lldb / remote_exec (Python injection), dormant (an agent already waiting), none (memory curves only) */
  method: z.enum(['sigusr1', 'gdb', 'lldb', 'remote_exec', 'dormant', 'preexisting', 'none']),
  canary: z.array(canaryTrySchema),
  processes: z.array(attachProcessSchema),
  /** every process verified and the target answered a request after the attach */
  verified: z.boolean(),
  /** the target answered one request after the attach (null: no URL to ask) */
  serving: z.boolean().nullable(),
  /** why heap detail is missing, and what to do, in one line (method none) */
  fallback: z.string().optional(),
  /** pid namespace differs from leakhound's (a container): pids here are the host's */
  container: z.boolean().optional(),
});
export type AttachInfo = z.infer<typeof attachInfoSchema>;

export const targetSchema = z.object({
  runtime: runtimeSchema,
  mode: z.enum(['spawn', 'attach']),
  pid: z.number().nullable(),
  command: z.string(),
  url: z.string().nullable(),
  runtimeVersion: z.string().nullable().optional(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  stderrTail: z.array(z.string()).optional(),
  processes: z.array(processInfoSchema).optional(),
  restarts: z.number().optional(),
  /** attached targets: how leakhound got in, and the checks after */
  attach: attachInfoSchema.optional(),
  /** why the target ended, in one line, when known (an attached target is not our child: its exit status is unknown) */
  exitNote: z.string().optional(),
  /** the ssh destination the target runs on (--host); absent: this machine */
  host: z.string().optional(),
  /** the remote side of a --host hunt: transport, helper cost on the host, bytes over the link */
  remote: z
    .object({
      host: z.string(),
      transport: z.literal('ssh'),
      hostname: z.string().nullable(),
      kernel: z.string().nullable(),
      helperPython: z.string().nullable(),
      /** CPU the helper used on the host during the hunt (sampling, relaying) */
      helperCpuMs: z.number().nullable(),
      /** over the helper's channel (not counting forwarded load and snapshot traffic) */
      bytesSent: z.number(),
      bytesReceived: z.number(),
      /** the target's URL as the host sees it */
      url: z.string().nullable(),
      linkLost: z.string().nullable(),
      fallback: z.string().optional(),
      /** --load-from host: the host's node that ran the load, and that channel's bytes */
      loadNode: z.string().optional(),
      loadBytes: z.number().optional(),
      /** the server was started there by leakhound (and ended by it) */
      spawned: z.boolean().optional(),
    })
    .optional(),
});
export type Target = z.infer<typeof targetSchema>;

export const runStatusSchema = z.enum(['running', 'finished', 'target-died', 'interrupted', 'failed']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const resultSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.string(),
  status: runStatusSchema,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  /** what hunt time counts (shared/hunt-time.ts), in ms since the run started (the samples' clock) */
  span: z
    .object({ firstRequestT: z.number().nullable(), lastMeasurementT: z.number().nullable() })
    .optional(),
  leakhoundVersion: z.string(),
  host: z.object({ hostname: z.string(), platform: z.string(), cpus: z.number(), totalMemBytes: z.number() }),
  options: z.record(z.string(), z.unknown()),
  target: targetSchema,
  load: loadStatsSchema.nullable(),
  samples: z.array(sampleSchema),
  checkpoints: z.array(checkpointSchema),
  verdict: verdictSchema,
  suspects: z.array(suspectSchema),
  snapshots: z.array(snapshotRefSchema),
  warnings: z.array(z.string()),
  /** string contents of the heap are never written unless the user asked for them */
  revealStrings: z.boolean(),
  /** why the run failed, in one line (status failed) */
  error: z.string().nullable().optional(),
  errorKind: z.enum(['target-hung', 'disk-full', 'link-lost', 'error']).nullable().optional(),
});
export type Result = z.infer<typeof resultSchema>;
