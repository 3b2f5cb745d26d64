// The one API the UI speaks. Both transports (Electron IPC through the preload bridge,
// and `leakhound serve` over HTTP + WebSocket) carry exactly these calls and events, and
// both sides validate every message against these schemas.
import { z } from 'zod';
import { phaseSchema, runOptionsSchema } from './options';
import { checkpointSchema, resultSchema, runStatusSchema, sampleSchema } from './result';

export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,128}$/, 'a run id is letters, digits, dot, dash or underscore');

export const runSummarySchema = z.object({
  id: runIdSchema,
  dir: z.string(),
  status: runStatusSchema,
  startedAt: z.string(),
  command: z.string(),
  verdict: z.enum(['leak', 'no-leak', 'inconclusive']).nullable(),
  bytesPerRequest: z.number().nullable(),
  requests: z.number().nullable(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const processEntrySchema = z.object({
  pid: z.number(),
  /** the pid it has inside its container's pid namespace (the host's pid is `pid`) */
  nsPid: z.number().optional(),
  ppid: z.number(),
  command: z.string(),
  runtime: z.enum(['node', 'python', 'other']),
  ports: z.array(z.number()),
  rssBytes: z.number(),
  pssBytes: z.number().nullable(),
  uptimeMs: z.number(),
  children: z.array(z.number()),
});
export type ProcessEntry = z.infer<typeof processEntrySchema>;

export const diffRowSchema = z.object({
  name: z.string(),
  added: z.number(),
  deleted: z.number(),
  countDelta: z.number(),
  perRequest: z.number().nullable(),
  selfSizeDelta: z.number(),
  retainedSizeDelta: z.number(),
});
export type DiffRow = z.infer<typeof diffRowSchema>;

export const retainerNodeSchema = z.object({
  nodeId: z.number(),
  name: z.string(),
  type: z.string(),
  edge: z.string(),
  edgeType: z.string(),
  selfSize: z.number(),
  retainedSize: z.number(),
  distance: z.number(),
  weak: z.boolean(),
});
export type RetainerNode = z.infer<typeof retainerNodeSchema>;

const snapshotIndex = z.number().int().min(0).max(16);

/** Sweeps (a grid of server configurations, one hunt each): see electron/engine/api/sweeps.ts. */
export const sweepGoalSchema = z.enum(['p90', 'p99', 'rps', 'pss']);
export const sweepStatusSchema = z.enum(['running', 'finished', 'stopped', 'failed', 'interrupted']);

export const sweepRowSchema = z.object({
  id: z.string(),
  params: z.record(z.string(), z.string()),
  status: z.string(),
  rps: z.number().nullable(),
  p50: z.number().nullable(),
  p90: z.number().nullable(),
  p99: z.number().nullable(),
  errorRate: z.number().nullable(),
  pssTotalBytes: z.number().nullable(),
  pssPerProcessBytes: z.number().nullable(),
  processes: z.number(),
  bytesPerRequest: z.number().nullable(),
  /** growth within each worker's life, when workers were recycled (does max-requests hide a leak) */
  lifetimeBytesPerRequest: z.number().nullable().optional(),
  /** requests a worker served before it was recycled (median) */
  recycledEvery: z.number().nullable().optional(),
  verdict: z.string().nullable(),
  restarts: z.number(),
  runDir: z.string(),
  /** the id to open this configuration's hunt with runs.get (and the run view) */
  runId: runIdSchema.optional(),
});
export type SweepRowInfo = z.infer<typeof sweepRowSchema>;

export const sweepGridSchema = z
  .array(
    z.object({
      name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a grid name is letters, digits or underscore'),
      values: z.array(z.string().trim().min(1, 'a grid value cannot be empty')).min(1),
    }),
  )
  .min(1, 'give at least one grid row (name = values)');

export const sweepSummarySchema = z.object({
  id: runIdSchema,
  dir: z.string(),
  status: sweepStatusSchema,
  startedAt: z.string(),
  spawn: z.string(),
  grid: sweepGridSchema,
  goal: sweepGoalSchema,
  total: z.number(),
  done: z.number(),
  best: z.record(z.string(), z.string()).nullable(),
  wallMs: z.number().nullable(),
});
export type SweepSummary = z.infer<typeof sweepSummarySchema>;

/** method name → params and result schemas */
export const apiMethods = {
  'runs.start': { params: runOptionsSchema, result: z.object({ id: runIdSchema }) },
  'runs.stop': { params: z.object({ id: runIdSchema }), result: z.object({ ok: z.boolean() }) },
  'runs.snapshotNow': { params: z.object({ id: runIdSchema }), result: z.object({ ok: z.boolean() }) },
  'runs.list': { params: z.object({}).strict(), result: z.array(runSummarySchema) },
  'runs.get': {
    params: z.object({
      id: runIdSchema,
      /** thin the samples to about this many, keeping peaks, dips and process changes */
      maxSamples: z.number().int().min(100).optional(),
    }),
    result: z.object({
      summary: runSummarySchema,
      result: resultSchema.nullable(),
      samples: z.array(sampleSchema),
      checkpoints: z.array(checkpointSchema),
    }),
  },
  'runs.delete': { params: z.object({ id: runIdSchema }), result: z.object({ ok: z.boolean() }) },
  'processes.list': { params: z.object({}).strict(), result: z.array(processEntrySchema) },
  /** ssh destinations: the Host names of the user's ssh config, then the ones added in the UI */
  'hosts.list': {
    params: z.object({}).strict(),
    result: z.object({
      configFile: z.string(),
      hosts: z.array(z.object({ name: z.string(), source: z.enum(['ssh-config', 'added']) })),
    }),
  },
  'hosts.add': {
    params: z.object({ name: z.string().min(1).max(255) }),
    result: z.object({ ok: z.boolean() }),
  },
  'hosts.remove': {
    params: z.object({ name: z.string().min(1).max(255) }),
    result: z.object({ ok: z.boolean() }),
  },
  /** `leakhound ps --host NAME`: the host's servers, read there by the remote helper */
  'hosts.processes': {
    params: z.object({ host: z.string().min(1).max(255) }),
    result: z.array(processEntrySchema),
  },
  'analysis.diff': {
    params: z.object({ id: runIdSchema, from: snapshotIndex, to: snapshotIndex }),
    result: z.object({ rows: z.array(diffRowSchema), requestsBetween: z.number().nullable() }),
  },
  'analysis.instances': {
    params: z.object({
      id: runIdSchema,
      snapshot: snapshotIndex,
      name: z.string().max(4096),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
      onlyNew: z.boolean().default(false),
      /** with onlyNew: new since this snapshot (default: the one before `snapshot`) */
      since: snapshotIndex.optional(),
      /** show string contents instead of length + hash (the user asked to reveal) */
      revealStrings: z.boolean().default(false),
    }),
    result: z.object({ total: z.number(), items: z.array(retainerNodeSchema) }),
  },
  'analysis.retainers': {
    params: z.object({
      id: runIdSchema,
      snapshot: snapshotIndex,
      nodeId: z.number().int(),
      revealStrings: z.boolean().default(false),
    }),
    result: z.array(retainerNodeSchema),
  },
  'reports.export': {
    params: z.object({ id: runIdSchema, format: z.enum(['pdf', 'html']) }),
    result: z.object({ path: z.string() }),
  },
  'sweeps.start': {
    params: z
      .object({
        /** command line with {name} for each grid row and {port} for the port */
        spawn: z.string().min(1),
        grid: sweepGridSchema,
        url: z.string().min(1),
        requests: z.number().int().positive().optional(),
        durationMs: z.number().int().positive().optional(),
        concurrency: z.number().int().positive().max(10_000).optional(),
        goal: sweepGoalSchema.default('p90'),
      })
      .strict(),
    result: z.object({ id: runIdSchema }),
  },
  'sweeps.list': { params: z.object({}).strict(), result: z.array(sweepSummarySchema) },
  'sweeps.get': {
    params: z.object({ id: runIdSchema }),
    result: sweepSummarySchema.extend({
      rows: z.array(sweepRowSchema),
      bestRow: sweepRowSchema.nullable(),
      /** index (0-based) of the configuration being run now, null when none is */
      current: z.number().nullable(),
      currentRunId: runIdSchema.nullable(),
      error: z.string().nullable(),
    }),
  },
  'sweeps.stop': { params: z.object({ id: runIdSchema }), result: z.object({ ok: z.boolean() }) },
  /** run the configurations of a stopped or interrupted sweep that have not finished */
  'sweeps.resume': { params: z.object({ id: runIdSchema }), result: z.object({ id: runIdSchema }) },
  /** the sweep report (comparison table, overlaid curves, verdicts) into the sweep's folder */
  'sweeps.export': {
    params: z.object({ id: runIdSchema, format: z.enum(['pdf', 'html']) }),
    result: z.object({ path: z.string() }),
  },
} as const;

export type ApiMethod = keyof typeof apiMethods;
export type ApiParams<M extends ApiMethod> = z.input<(typeof apiMethods)[M]['params']>;
export type ApiResult<M extends ApiMethod> = z.output<(typeof apiMethods)[M]['result']>;

export const apiEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('sample'), id: runIdSchema, sample: sampleSchema }),
  z.object({ type: z.literal('checkpoint'), id: runIdSchema, checkpoint: checkpointSchema }),
  z.object({
    type: z.literal('phase'),
    id: runIdSchema,
    phase: phaseSchema,
    progress: z.number().min(0).max(1),
    message: z.string(),
  }),
  z.object({
    type: z.literal('load'),
    id: runIdSchema,
    requests: z.number(),
    errors: z.number(),
    rps: z.number(),
    latencyMs: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }),
  }),
  z.object({
    type: z.literal('log'),
    id: runIdSchema,
    level: z.enum(['info', 'warn', 'error']),
    message: z.string(),
  }),
  z.object({ type: z.literal('done'), id: runIdSchema, status: runStatusSchema }),
  /** a sweep moved on: configuration `index` of `total` started (no row) or ended (row) */
  z.object({
    type: z.literal('sweep'),
    id: runIdSchema,
    index: z.number(),
    total: z.number(),
    row: sweepRowSchema.optional(),
    runId: runIdSchema.optional(),
    status: sweepStatusSchema.optional(),
  }),
]);
export type ApiEvent = z.infer<typeof apiEventSchema>;

/** What the preload bridge exposes as `window.leakhound`, and what the serve transport mimics. */
export interface LeakhoundBridge {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}
