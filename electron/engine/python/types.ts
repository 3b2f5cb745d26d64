// Shapes of what the Python agent returns, and of a capture (one census per process, taken
// at the same point for every worker). A capture is written to `python-capture-*.json`, so
// it has a schema that reading it back validates.
import { z } from 'zod';

export const pyInspectedSchema = z.object({
  /** module.qualname of the type, as in `types` */
  type: z.string(),
  countDelta: z.number(),
  /** referrer chain from a module global or frame down to one instance */
  path: z.array(z.string()),
  /** where sampled instances were allocated, when tracemalloc traced them */
  sites: z.array(
    z.object({
      file: z.string(),
      line: z.number(),
      count: z.number(),
      bytes: z.number(),
      sampled: z.number(),
      /** the function holding that line (co_qualname), when its code object was found */
      function: z.string().optional(),
    }),
  ),
  /** what one new instance keeps alive on average (its referents nothing else refers to), bytes */
  ownedBytes: z.number().optional(),
  /** how many new instances that average is over */
  ownedSampled: z.number().optional(),
  /** builtin objects one new instance owns, per type ('builtins:str' → 1.0): what grows under it */
  ownedTypes: z.record(z.string(), z.number()).optional(),
});
export type PyInspected = z.infer<typeof pyInspectedSchema>;

export const pyTracemallocSchema = z.object({
  tracing: z.boolean(),
  top: z.array(z.object({ file: z.string(), line: z.number(), bytes: z.number(), count: z.number() })),
  tracedBytes: z.number(),
  peakBytes: z.number(),
  wallMs: z.number(),
  maxHoldMs: z.number(),
});
export type PyTracemalloc = z.infer<typeof pyTracemallocSchema>;

export const pyCensusSchema = z.object({
  pid: z.number(),
  ppid: z.number(),
  /** the agent's start time (epoch s): with pid, identifies a process across pid reuse */
  startedAt: z.number(),
  /** requests this process served (gunicorn worker.nr, uvicorn total_requests), when known */
  served: z.number().nullable().optional(),
  objects: z.number(),
  trackedObjects: z.number(),
  untrackedObjects: z.number(),
  /** sum of sys.getsizeof over every object found */
  bytes: z.number(),
  allocatedBlocks: z.number(),
  bytesPerBlock: z.number().nullable(),
  /** module.qualname → [count, sys.getsizeof total] */
  types: z.record(z.string(), z.tuple([z.number(), z.number()])),
  /** modules of those types that belong to Python or to installed packages, not to the app */
  libraryModules: z.array(z.string()).optional(),
  inspected: z.array(pyInspectedSchema),
  /** gc.collect + object walk + per-type sums */
  walkMs: z.number(),
  /** whole command, including referrer chains */
  wallMs: z.number(),
  /** CPU time of the agent thread for the whole command (wall minus time lost to other processes) */
  cpuMs: z.number(),
  /** longest single GIL-holding call (wall): how long request threads could not run at once */
  maxHoldMs: z.number(),
  /** CPU time of the longest such call: the hold without the waits of a busy machine */
  maxHoldCpuMs: z.number().optional(),
  tracemalloc: pyTracemallocSchema.optional(),
});
export type PyCensus = z.infer<typeof pyCensusSchema>;

export const pyCaptureSchema = z.object({
  label: z.string(),
  /** epoch ms when the capture started */
  t: z.number(),
  /** requests completed when the capture started, when the caller knows it */
  atRequests: z.number().optional(),
  processes: z.array(pyCensusSchema),
  /** processes that answered ping but failed or timed out during the census */
  errors: z.array(z.object({ pid: z.number(), error: z.string() })),
  /** socket files whose process was gone (removed) */
  deadPids: z.array(z.number()),
});
export type PyCapture = z.infer<typeof pyCaptureSchema>;

export interface PyCheckpoint {
  pid: number;
  startedAt: number;
  /** sys.getallocatedblocks() after gc.collect() */
  allocatedBlocks: number;
  /** blocks the agent keeps for itself (its first census's state), left out of heapBytes */
  agentBlocks: number;
  /** (allocatedBlocks − agentBlocks) × 64 (see leakhound_agent.py): the "heap" series, summed over processes */
  heapBytes: number;
  gcCounts: number[];
  gcCollections: number[];
  wallMs: number;
  maxHoldMs: number;
  /** requests this process served (gunicorn worker.nr, uvicorn total_requests); null in a master or when unknown */
  served?: number | null;
}

export interface PyProcessInfo {
  pid: number;
  ppid: number;
  python: string;
  implementation: string;
  executable: string;
  argv: string[];
  startedAt: number;
  tracing: boolean;
  agentVersion: number;
}
