// Options of one hunt: the same shape whether it comes from `leakhound run` flags,
// from `POST /api/runs`, or from the desktop app's New-hunt form.
import { z } from 'zod';

export const endpointSchema = z.object({
  url: z.string().min(1),
  method: z.string().default('GET'),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  weight: z.number().positive().default(1),
});
export type Endpoint = z.infer<typeof endpointSchema>;

/** Defaults every front end shows and the engine applies (CLI help, the New-hunt form, the schema). */
export const DEFAULTS = {
  /** requests after the warm-up */
  requests: 6000,
  concurrency: 10,
  snapshots: 3,
} as const;

export const runOptionsSchema = z
  .object({
    /** command line to start the target; `{port}` is replaced by a free loopback port */
    spawn: z.string().min(1).optional(),
    /** pid of a running target */
    attach: z.number().int().positive().optional(),
    /** an attached target's log file: its last lines go into the result when it dies (it is not our child) */
    targetLog: z.string().min(1).optional(),
    /** URL to load; `{port}` allowed with spawn */
    url: z.string().min(1).optional(),
    /** extra endpoints (weights), beside or instead of url */
    endpoints: z.array(endpointSchema).optional(),
    requests: z.number().int().positive().optional(),
    durationMs: z.number().int().positive().optional(),
    concurrency: z.number().int().positive().max(10_000).default(DEFAULTS.concurrency),
    rate: z.number().positive().optional(),
    warmup: z.number().int().nonnegative().optional(),
    out: z.string().optional(),
    readyTimeoutMs: z.number().int().positive().default(20_000),
    requestTimeoutMs: z.number().int().positive().default(10_000),
    cwd: z.string().optional(),
    env: z.record(z.string(), z.string()).default({}),
    failOnLeak: z.boolean().default(false),
    /** number of heap snapshots: 0 (memory curves only), 2 or 3 */
    snapshots: z.number().int().min(0).max(3).default(DEFAULTS.snapshots),
    load: z.enum(['builtin', 'none', 'command']).default('builtin'),
    loadCommand: z.string().optional(),
    /** with host and the built-in load: send the requests from here (through a forward) or from the host itself */
    loadFrom: z.enum(['here', 'host']).default('here'),
    /** a load scenario (see electron/engine/load/scenario.ts): endpoints, variables, think time, stages */
    scenario: z.record(z.string(), z.unknown()).optional(),
    report: z.array(z.enum(['pdf', 'html'])).default([]),
    revealStrings: z.boolean().default(false),
    allowRemote: z.boolean().default(false),
    /** production-safe: no full heap snapshots */
    safe: z.boolean().default(false),
    /** an ssh destination (user@host, a ~/.ssh/config alias): the target runs there */
    host: z.string().min(1).optional(),
    /** pick the attached pid by its command line (with host): the topmost process containing this text */
    attachMatch: z.string().min(1).optional(),
    /** an ssh config file instead of ~/.ssh/config (`ssh -F`) */
    sshConfig: z.string().min(1).optional(),
  })
  .strict();
export type RunOptionsInput = z.input<typeof runOptionsSchema>;
export type RunOptions = z.output<typeof runOptionsSchema>;

export const phaseSchema = z.enum([
  'starting',
  'warmup',
  'load',
  'snapshot',
  'analysis',
  'stopping',
  'done',
  'failed',
]);
export type Phase = z.infer<typeof phaseSchema>;

/**
 * The rules between options, in one place for the CLI, the API, the hunt and the form: the
 * first one broken, as the line to show (flags named as the CLI spells them), or null.
 */
export function optionConflicts(o: RunOptionsInput): string | null {
  if (!o.spawn && o.attach === undefined && !(o.host && o.attachMatch))
    return 'say what to hunt: --spawn "<command line>" or --attach <pid>';
  if (o.spawn && o.attach !== undefined) return '--spawn and --attach exclude each other';
  const load = o.load ?? 'builtin';
  if (o.spawn && load === 'builtin' && !o.url && !o.endpoints?.length)
    return '--url is required: the URL to send requests to, e.g. http://127.0.0.1:{port}/';
  if (o.loadFrom === 'host' && (!o.host || load !== 'builtin'))
    return '--load-from host runs the built-in load on the --host: give --host DEST, and not --load none or --load-command';
  if (o.requests !== undefined && o.durationMs !== undefined)
    return 'give --requests or --duration, not both';
  if (load === 'command' && !o.loadCommand)
    return '--load command needs --load-command "CMD", e.g. --load-command "k6 run script.js"';
  if (load === 'command' && o.durationMs === undefined)
    return '--load-command needs --duration, so leakhound knows when to take the middle and final snapshots';
  return null;
}

const isLoopback = (host: string) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The URLs to load: http only, and on this machine unless allowRemote (the form asks first). */
export function urlProblem(o: RunOptionsInput): string | null {
  for (const u of [o.url, ...(o.endpoints ?? []).map((e) => e.url)]) {
    if (!u) continue;
    let parsed: URL;
    try {
      parsed = new URL(u.split('{port}').join('1'));
    } catch {
      return `not a valid URL: ${u} (example: http://127.0.0.1:{port}/)`;
    }
    if (parsed.protocol !== 'http:')
      return `only http:// URLs can be loaded (got ${parsed.protocol} in ${u})`;
    if (!isLoopback(parsed.hostname) && !o.allowRemote)
      return `${u} is not on this machine: leakhound only loads loopback targets unless you pass --allow-remote`;
  }
  return null;
}
