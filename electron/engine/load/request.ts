// Turns endpoints into ready-to-write request bytes. Static requests are serialized once
// and the same Buffer is written every time; only endpoints whose path, headers or body use
// per-request variables ({{counter}}, {{uuid}}, …) are rebuilt, and then from pre-split
// template parts.
import { randomUUID } from 'node:crypto';
import type { Endpoint } from '../../../shared/options';
import { UserError } from '../errors';

export interface Origin {
  host: string;
  port: number;
  /** "host:port", identifies the connection pool a request goes to */
  key: string;
}

/** values a template may use; `counter` counts requests of the whole run, from 1 */
export interface TemplateContext {
  counter: number;
  /** index of the virtual user (connection slot) sending the request */
  vu: number;
}

export interface CompiledEndpoint {
  origin: Origin;
  weight: number;
  method: string;
  /** the response to this request has no body (HEAD) */
  noBody: boolean;
  /** the bytes to write, when they never change */
  fixed: Buffer | null;
  build(ctx: TemplateContext): Buffer;
  /** human label, e.g. "GET /orders" */
  label: string;
}

const VARIABLE = /\{\{\s*([a-zA-Z][\w.]*)\s*\}\}/g;
export const TEMPLATE_VARIABLES = ['counter', 'uuid', 'random', 'timestamp', 'vu'] as const;

export function parseHttpUrl(raw: string): { origin: Origin; path: string; hostHeader: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`"${raw}" is not a valid URL: give a full URL such as http://127.0.0.1:8080/`);
  }
  if (url.protocol === 'https:') {
    throw new UserError(
      `${raw}: the built-in load generator speaks plain http:// only; use an http:// URL or --load-command`,
    );
  }
  if (url.protocol !== 'http:') {
    throw new UserError(`${raw}: unsupported scheme "${url.protocol}"; use an http:// URL`);
  }
  if (url.hostname === '') throw new UserError(`${raw}: URL has no host`);
  const port = url.port === '' ? 80 : Number(url.port);
  // URL keeps IPv6 literals bracketed; net.connect wants them bare
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return {
    origin: { host, port, key: `${host}:${port}` },
    path: `${url.pathname}${url.search}` || '/',
    hostHeader: url.host,
  };
}

/** a string → function from context to string, or the string itself when it has no variables */
export function compileTemplate(text: string): string | ((ctx: TemplateContext) => string) {
  const parts: string[] = [];
  const vars: string[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    const name = m[1];
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
      throw new UserError(
        `unknown variable {{${name}}} in "${text}"; available: ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`,
      );
    }
    parts.push(text.slice(last, m.index));
    vars.push(name);
    last = m.index + m[0].length;
  }
  if (vars.length === 0) return text;
  parts.push(text.slice(last));
  return (ctx) => {
    let s = parts[0];
    for (let i = 0; i < vars.length; i++) s += variableValue(vars[i], ctx) + parts[i + 1];
    return s;
  };
}

function variableValue(name: string, ctx: TemplateContext): string {
  switch (name) {
    case 'counter':
      return String(ctx.counter);
    case 'uuid':
      return randomUUID();
    case 'random':
      return String(Math.floor(Math.random() * 1e9));
    case 'timestamp':
      return String(Date.now());
    case 'vu':
      return String(ctx.vu);
    default:
      return '';
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function compileEndpoint(ep: Endpoint): CompiledEndpoint {
  const { origin, path, hostHeader } = parseHttpUrl(ep.url.replace(VARIABLE, '0'));
  const method = (ep.method ?? 'GET').toUpperCase();
  if (!TOKEN.test(method)) throw new UserError(`"${ep.method}" is not a valid HTTP method`);
  // the path keeps its variables: take it from the raw URL, after the origin
  const rawPath = rawPathOf(ep.url) ?? path;

  const headers = new Map<string, [string, string]>();
  const put = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  put('Host', hostHeader);
  put('User-Agent', 'leakhound');
  put('Accept', '*/*');
  const body = ep.body;
  if (body !== undefined && /^\s*[[{]/.test(body)) put('Content-Type', 'application/json');
  for (const [name, value] of Object.entries(ep.headers ?? {})) {
    if (!TOKEN.test(name)) throw new UserError(`"${name}" is not a valid HTTP header name`);
    if (/[\r\n]/.test(value)) throw new UserError(`header ${name} contains a line break`);
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') {
      throw new UserError(`header ${name} is set by the load generator from the body; remove it`);
    }
    put(name, value);
  }
  const hasBody = body !== undefined || ['POST', 'PUT', 'PATCH'].includes(method);

  const pathT = compileTemplate(rawPath);
  const bodyT = body === undefined ? '' : compileTemplate(body);
  const headerT = [...headers.values()].map(([n, v]) => [n, compileTemplate(v)] as const);

  const serialize = (p: string, hs: string, b: string): Buffer => {
    const bodyBytes = Buffer.byteLength(b);
    const head = `${method} ${p} HTTP/1.1\r\n${hs}${hasBody ? `Content-Length: ${bodyBytes}\r\n` : ''}\r\n`;
    return b === ''
      ? Buffer.from(head, 'latin1')
      : Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(b)]);
  };
  const headerStr = (ctx: TemplateContext | null) =>
    headerT.map(([n, v]) => `${n}: ${typeof v === 'string' ? v : v(ctx!)}\r\n`).join('');

  const isStatic =
    typeof pathT === 'string' && typeof bodyT === 'string' && headerT.every(([, v]) => typeof v === 'string');
  const fixed = isStatic ? serialize(pathT as string, headerStr(null), bodyT as string) : null;
  const build =
    fixed !== null
      ? () => fixed
      : (ctx: TemplateContext) =>
          serialize(
            typeof pathT === 'string' ? pathT : pathT(ctx),
            headerStr(ctx),
            typeof bodyT === 'string' ? bodyT : bodyT(ctx),
          );
  return {
    origin,
    weight: ep.weight ?? 1,
    method,
    noBody: method === 'HEAD',
    fixed,
    build,
    label: `${method} ${rawPath}`,
  };
}

/** the path + query of an http URL as written (variables intact), or null */
function rawPathOf(url: string): string | null {
  const m = /^[a-z]+:\/\/[^/?#]*([^#]*)/i.exec(url);
  if (!m) return null;
  const p = m[1] === '' ? '/' : m[1];
  if (p.startsWith('?')) return `/${p}`;
  // spaces and other bytes the URL parser would escape must be escaped here too
  return p.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
}

/**
 * Smooth weighted round-robin (nginx's): over any window of sum(weights) picks, endpoint i
 * is picked weight_i times, interleaved rather than in runs.
 */
export class WeightedPicker {
  private readonly weights: number[];
  private readonly current: number[];
  private readonly total: number;

  constructor(weights: number[]) {
    if (weights.length === 0) throw new UserError('no endpoints to load');
    for (const w of weights)
      if (!(w > 0) || !Number.isFinite(w)) throw new UserError(`endpoint weight ${w} must be > 0`);
    this.weights = weights;
    this.current = weights.map(() => 0);
    this.total = weights.reduce((a, b) => a + b, 0);
  }

  next(): number {
    const n = this.weights.length;
    if (n === 1) return 0;
    let best = 0;
    for (let i = 0; i < n; i++) {
      this.current[i] += this.weights[i];
      if (this.current[i] > this.current[best]) best = i;
    }
    this.current[best] -= this.total;
    return best;
  }
}
