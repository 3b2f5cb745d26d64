// The New-hunt form as plain data, and its translation into RunOptions. Pure, so the
// same rules hold for presets loaded from localStorage and for what the user typed.
import { DEFAULTS, optionConflicts, type RunOptionsInput, runOptionsSchema } from '../../../shared/options';

export interface HuntForm {
  mode: 'spawn' | 'attach';
  command: string;
  cwd: string;
  env: string;
  url: string;
  attachPid: string;
  budget: 'requests' | 'duration';
  requests: string;
  durationSec: string;
  concurrency: string;
  rate: string;
  warmup: string;
  endpoints: string;
  snapshots: '0' | '2' | '3';
}

export const defaultForm: HuntForm = {
  mode: 'spawn',
  command: '',
  cwd: '',
  env: '',
  url: 'http://127.0.0.1:{port}/',
  attachPid: '',
  budget: 'requests',
  requests: String(DEFAULTS.requests),
  durationSec: '60',
  concurrency: String(DEFAULTS.concurrency),
  rate: '',
  warmup: '',
  endpoints: '',
  snapshots: `${DEFAULTS.snapshots}`,
};

/** `KEY=VALUE` per line; blank lines and `#` comments ignored. */
export function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [i, line] of text.split('\n').entries()) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const eq = t.indexOf('=');
    if (eq <= 0) throw new Error(`environment line ${i + 1} is not KEY=VALUE: "${t}"`);
    env[t.slice(0, eq).trim()] = t.slice(eq + 1);
  }
  return env;
}

/** `[METHOD] URL [weight]` per line, e.g. `POST http://127.0.0.1:{port}/orders 3`. */
export function parseEndpoints(text: string): NonNullable<RunOptionsInput['endpoints']> {
  const out: NonNullable<RunOptionsInput['endpoints']> = [];
  for (const [i, line] of text.split('\n').entries()) {
    const parts = line.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0 || parts[0].startsWith('#')) continue;
    let method = 'GET';
    if (/^[A-Z]+$/.test(parts[0]) && parts.length > 1) method = parts.shift()!;
    const url = parts.shift()!;
    let weight = 1;
    if (parts.length > 0) {
      weight = Number(parts[0]);
      if (!(weight > 0)) throw new Error(`endpoint line ${i + 1}: the weight must be a positive number`);
    }
    out.push({ method, url, weight });
  }
  return out;
}

function num(value: string, label: string): number | undefined {
  const t = value.trim();
  if (!t) return undefined;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`${label} must be a number, got "${t}"`);
  return n;
}

/** Form → RunOptions input, then validated with the shared schema; throws one clear line. */
export function formToOptions(f: HuntForm): RunOptionsInput {
  const opts: RunOptionsInput = {};
  if (f.mode === 'spawn') {
    if (!f.command.trim()) throw new Error('enter the command that starts your server, e.g. node server.js');
    opts.spawn = f.command.trim();
    if (f.cwd.trim()) opts.cwd = f.cwd.trim();
    const env = parseEnv(f.env);
    if (Object.keys(env).length) opts.env = env;
  } else {
    const pid = num(f.attachPid, 'the process id');
    if (!pid) throw new Error('pick the process to attach to from the list');
    opts.attach = pid;
  }
  const endpoints = parseEndpoints(f.endpoints);
  if (f.url.trim()) opts.url = f.url.trim();
  if (endpoints.length) opts.endpoints = endpoints;
  if (!opts.url && !endpoints.length) throw new Error('enter the URL to load (use {port} with spawn)');
  if (f.budget === 'requests') opts.requests = num(f.requests, 'requests');
  else {
    const s = num(f.durationSec, 'duration');
    if (s !== undefined) opts.durationMs = Math.round(s * 1000);
  }
  opts.concurrency = num(f.concurrency, 'concurrency');
  opts.rate = num(f.rate, 'rate');
  opts.warmup = num(f.warmup, 'warm-up');
  opts.snapshots = Number(f.snapshots);
  for (const k of Object.keys(opts) as (keyof RunOptionsInput)[]) if (opts[k] === undefined) delete opts[k];
  const parsed = runOptionsSchema.safeParse(opts);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue.path.join('.') || 'options'}: ${issue.message}`);
  }
  // the same rules between options the hunt applies, before anything starts
  const conflict = optionConflicts(opts);
  if (conflict) throw new Error(conflict);
  return opts;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/i;

/**
 * Hosts among the hunt's URLs that are not this machine. Load sent elsewhere may hit a
 * production server or a neighbour's: the form asks before it sets allowRemote.
 */
export function remoteHosts(opts: RunOptionsInput): string[] {
  const hosts = new Set<string>();
  for (const u of [opts.url, ...(opts.endpoints ?? []).map((e) => e.url)]) {
    if (!u) continue;
    try {
      const host = new URL(u.split('{port}').join('1')).hostname;
      if (!LOOPBACK.test(host)) hosts.add(host);
    } catch {
      // the schema reports malformed URLs
    }
  }
  return [...hosts];
}

const PRESETS_KEY = 'leakhound.presets.v1';
const LAST_KEY = 'leakhound.lastForm.v1';

function readJson<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : fallback;
  } catch {
    return fallback;
  }
}

export function loadPresets(): Record<string, HuntForm> {
  return readJson<Record<string, HuntForm>>(PRESETS_KEY, {});
}
export function savePresets(p: Record<string, HuntForm>): void {
  localStorage.setItem(PRESETS_KEY, JSON.stringify(p));
}
export function loadLastForm(): HuntForm {
  return { ...defaultForm, ...readJson<Partial<HuntForm>>(LAST_KEY, {}) };
}
export function saveLastForm(f: HuntForm): void {
  localStorage.setItem(LAST_KEY, JSON.stringify(f));
}
