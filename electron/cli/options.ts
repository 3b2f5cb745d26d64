// From CLI flags to the shared RunOptions, through the same zod schema the API uses.
import type { ZodError } from 'zod';
import { type RunOptions, runOptionsSchema } from '../../shared/options';
import { UserError } from '../engine/errors';
import { loadScenarioFile } from '../engine/load/scenario';
import type { ParsedFlags } from './args';

export function zodToUserError(err: ZodError, what: string): UserError {
  const issue = err.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : what;
  return new UserError(`${where}: ${issue?.message ?? 'invalid'}`);
}

function parseEnv(list: string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list ?? []) {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new UserError(`--env takes KEY=VALUE (got "${kv}")`);
    env[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return env;
}

export function runOptionsFromFlags(f: ParsedFlags): RunOptions {
  const scenario = f.scenario
    ? (loadScenarioFile(String(f.scenario), { requireLength: false }) as unknown as Record<string, unknown>)
    : undefined;
  const report = f.report
    ? String(f.report)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
  for (const r of report)
    if (r !== 'pdf' && r !== 'html') throw new UserError(`--report takes pdf, html or pdf,html (got "${r}")`);
  const snapshots = f.snapshots === undefined ? undefined : Number(f.snapshots);
  const load = f.load === undefined ? (f['load-command'] ? 'command' : 'builtin') : String(f.load);
  if (!['builtin', 'none', 'command'].includes(load))
    throw new UserError(`--load takes builtin or none (got "${load}")`);
  const attach = f.attach === undefined ? undefined : Number(f.attach);
  const parsed = runOptionsSchema.safeParse({
    spawn: f.spawn,
    attach,
    targetLog: f.log,
    url: f.url,
    requests: f.requests,
    durationMs: f.duration,
    concurrency: f.concurrency,
    rate: f.rate,
    warmup: f.warmup,
    out: f.out,
    readyTimeoutMs: f['ready-timeout'],
    requestTimeoutMs: f['request-timeout'],
    cwd: f.cwd,
    env: parseEnv(f.env as string[] | undefined),
    failOnLeak: f['fail-on-leak'] === true,
    snapshots,
    load,
    loadCommand: f['load-command'],
    loadFrom: f['load-from'],
    scenario,
    report,
    revealStrings: f['reveal-strings'] === true,
    allowRemote: f['allow-remote'] === true,
    safe: f.safe === true,
    host: (f.host as string[] | undefined)?.[0],
    attachMatch: f['attach-match'],
    sshConfig: f['ssh-config'],
  });
  if (!parsed.success) throw zodToUserError(parsed.error, 'options');
  return parsed.data;
}
