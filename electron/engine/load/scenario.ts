// Load scenarios (issue 9): several weighted endpoints with methods, headers and bodies,
// per-request variables, think time and stages of users over time, read from a YAML or
// JSON file. Example:
//
//   baseUrl: http://127.0.0.1:{port}
//   headers: { Authorization: Bearer test }
//   timeout: 10s
//   thinkTime: [50ms, 150ms]          # or 100ms, or 0
//   rate: 500                          # optional cap, requests/s over all users
//   requests: 20000                    # optional total budget (ends the run early)
//   endpoints:
//     - { path: "/orders?page={{counter}}", weight: 3 }
//     - { path: /orders, method: POST, weight: 1, json: { id: "{{uuid}}", qty: 1 } }
//   stages:                            # or: ramp: { from: 50, step: 20, every: 3m, to: 130 }
//     - { duration: 3m, users: 50 }
//     - { duration: 3m, users: 70, rate: 800 }
//
// Variables: {{counter}} (1, 2, … across the run), {{uuid}}, {{random}}, {{timestamp}}, {{vu}}.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Endpoint } from '../../../shared/options';
import { UserError } from '../errors';
import type { LoadRecorder } from './recorder';
import { compileTemplate } from './request';
import { LoadRun } from './run';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** "250ms", "30s", "3m", "1h", "1.5s" or a number of ms */
export function parseDurationMs(v: string | number): number {
  if (typeof v === 'number') return v;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/.exec(v);
  if (!m) throw new Error(`"${v}" is not a duration: write e.g. 500ms, 30s, 3m or 1h`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

const duration = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  try {
    return parseDurationMs(v);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const users = z.number().int().min(1).max(10_000);

const endpointSpec = z
  .object({
    /** full URL, or use path with baseUrl */
    url: z.string().optional(),
    path: z.string().optional(),
    method: z
      .string()
      .regex(/^[A-Za-z]+$/, 'a method is letters only, e.g. GET')
      .default('GET'),
    weight: z.number().positive().default(1),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.string().optional(),
    /** a JSON body; strings inside may use variables */
    json: z.unknown().optional(),
  })
  .strict()
  .refine((e) => (e.url === undefined) !== (e.path === undefined), 'give either url or path (with baseUrl)')
  .refine((e) => e.body === undefined || e.json === undefined, 'give either body or json, not both');

const stageSpec = z.object({ duration, users, rate: z.number().positive().optional() }).strict();

const thinkTime = z
  .union([duration, z.tuple([duration, duration])])
  .transform((v) =>
    typeof v === 'number' ? ([v, v] as const) : ([Math.min(...v), Math.max(...v)] as const),
  );

export const scenarioSchema = z
  .object({
    baseUrl: z.string().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    timeout: duration.default(10_000),
    thinkTime: thinkTime.default([0, 0]),
    rate: z.number().positive().optional(),
    requests: z.number().int().positive().optional(),
    /** single-stage shorthand */
    users: users.optional(),
    duration: duration.optional(),
    endpoints: z.array(endpointSpec).min(1, 'list at least one endpoint'),
    stages: z.array(stageSpec).min(1).optional(),
    ramp: z
      .object({ from: users, step: z.number().int(), every: duration, to: users })
      .strict()
      .refine(
        (r) => r.step !== 0 && Math.sign(r.to - r.from) === Math.sign(r.step),
        'step must move from toward to',
      )
      .optional(),
  })
  .strict()
  .refine((s) => [s.stages, s.ramp, s.users ?? s.duration].filter((x) => x !== undefined).length <= 1, {
    message: 'give one of stages, ramp, or users + duration',
  })
  .refine((s) => s.endpoints.every((e) => e.url !== undefined) || s.baseUrl !== undefined, {
    message: 'endpoints with a path need baseUrl',
  });

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export interface Stage {
  durationMs: number;
  users: number;
  rate?: number;
}

/** parse and validate a scenario; `source` names the file in error messages */
export function parseScenario(text: string, source = 'scenario', opts: ScenarioCheck = {}): Scenario {
  let data: unknown;
  try {
    data = /^\s*[{[]/.test(text) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new UserError(`${source}: not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateScenario(data, source, opts);
}

export interface ScenarioCheck {
  /** a hunt has its own --requests/--duration, so its scenario need not say how long (default true) */
  requireLength?: boolean;
}

export function validateScenario(data: unknown, source = 'scenario', opts: ScenarioCheck = {}): Scenario {
  const r = scenarioSchema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where =
      issue.path.length > 0
        ? `${issue.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
            .join('')
            .replace(/^\./, '')}: `
        : '';
    throw new UserError(`${source}: ${where}${issue.message}`);
  }
  const s = r.data;
  // surface unknown {{variables}} now rather than mid-run
  for (const [i, e] of s.endpoints.entries()) {
    for (const text of [
      e.url,
      e.path,
      e.body,
      e.json === undefined ? undefined : JSON.stringify(e.json),
      ...Object.values(e.headers ?? {}),
    ]) {
      if (text === undefined) continue;
      try {
        compileTemplate(text);
      } catch (err) {
        throw new UserError(`${source}: endpoints[${i}]: ${(err as Error).message}`);
      }
    }
  }
  if (
    opts.requireLength !== false &&
    s.stages === undefined &&
    s.ramp === undefined &&
    s.duration === undefined &&
    s.requests === undefined
  ) {
    throw new UserError(`${source}: say how long to run: stages, ramp, duration or requests`);
  }
  return s;
}

export function loadScenarioFile(file: string, opts: ScenarioCheck = {}): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read scenario file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return parseScenario(text, path.basename(file), opts);
}

/** the scenario's endpoints as plain Endpoints; `resolve` fills in e.g. {port} */
export function scenarioEndpoints(s: Scenario, resolve: (url: string) => string = (u) => u): Endpoint[] {
  return s.endpoints.map((e) => {
    const url = e.url ?? `${(s.baseUrl ?? '').replace(/\/+$/, '')}/${(e.path ?? '').replace(/^\/+/, '')}`;
    const headers: Record<string, string> = { ...s.headers, ...e.headers };
    let body = e.body;
    if (e.json !== undefined) {
      body = JSON.stringify(e.json);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['Content-Type'] = 'application/json';
    }
    return { url: resolve(url), method: e.method.toUpperCase(), weight: e.weight, headers, body };
  });
}

/** the stages the scenario describes; one open-ended stage when only a request budget is given */
export function scenarioStages(s: Scenario): Stage[] {
  if (s.stages)
    return s.stages.map((st) => ({ durationMs: st.duration, users: st.users, rate: st.rate ?? s.rate }));
  if (s.ramp) {
    const { from, step, every, to } = s.ramp;
    const out: Stage[] = [];
    for (let u = from; step > 0 ? u <= to : u >= to; u += step)
      out.push({ durationMs: every, users: u, rate: s.rate });
    if (out[out.length - 1].users !== to) out.push({ durationMs: every, users: to, rate: s.rate });
    return out;
  }
  return [{ durationMs: s.duration ?? Number.POSITIVE_INFINITY, users: s.users ?? 10, rate: s.rate }];
}

export interface ScenarioRunOptions {
  signal?: AbortSignal;
  /** fills in placeholders such as {port} in URLs */
  resolveUrl?: (url: string) => string;
  /** told when each stage starts */
  onStage?: (index: number, stage: Stage) => void;
  /** override the scenario's request budget (e.g. the hunt's own) */
  requests?: number;
}

/** run a whole scenario, stage after stage, on the same connections */
export async function runScenario(
  s: Scenario,
  recorder: LoadRecorder,
  opts: ScenarioRunOptions = {},
): Promise<void> {
  const stages = scenarioStages(s);
  const totalMs = stages.reduce((a, st) => a + st.durationMs, 0);
  const run = new LoadRun(
    {
      endpoints: scenarioEndpoints(s, opts.resolveUrl),
      concurrency: stages[0].users,
      rate: stages[0].rate,
      requests: opts.requests ?? s.requests,
      durationMs: Number.isFinite(totalMs) ? totalMs : undefined,
      timeoutMs: s.timeout,
      thinkTimeMs: s.thinkTime[1] > 0 ? s.thinkTime : undefined,
      signal: opts.signal,
    },
    recorder,
  );
  const timers: NodeJS.Timeout[] = [];
  opts.onStage?.(0, stages[0]);
  let at = 0;
  for (let i = 1; i < stages.length; i++) {
    at += stages[i - 1].durationMs;
    const st = stages[i];
    timers.push(
      setTimeout(() => {
        run.setConcurrency(st.users);
        run.setRate(st.rate);
        opts.onStage?.(i, st);
      }, at),
    );
  }
  return run.start().finally(() => {
    for (const t of timers) clearTimeout(t);
  });
}
