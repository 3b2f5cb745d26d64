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
]);
export type ApiEvent = z.infer<typeof apiEventSchema>;

/** What the preload bridge exposes as `window.leakhound`, and what the serve transport mimics. */
export interface LeakhoundBridge {
  call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>>;
  onEvent(listener: (event: ApiEvent) => void): () => void;
}
