// `leakhound serve`: the UI and its API on 127.0.0.1 for any browser. Any local web page
// could otherwise start processes on this machine, so every request needs the random
// token (query on first load → HttpOnly SameSite=Strict cookie, or a Bearer header), a
// loopback Host and no foreign Origin.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { type ApiHandler, createApiHandler, NotFoundError } from '../api/handler';
import { UserError } from '../errors';
import { defaultDataDir } from '../store';
import { cookieName, csp, hostOk, originOk, presentedToken, sameToken } from './auth';
import { findRendererDir, MIME, resolveStatic } from './static';

export interface ServeOptions {
  port?: number;
  host?: '127.0.0.1';
  dataDir: string;
  open?: boolean;
  /** the renderer bundle; defaults to dist/renderer found from this file */
  staticDir?: string;
}

export interface ServeHandle {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;
/** A slow browser tab must not make the server buffer samples without bound. */
const MAX_WS_BUFFER = 8 << 20;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'request body over 1 MiB'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpError(400, 'the request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
  });
  res.end(data);
}

function sendText(res: ServerResponse, status: number, text: string, html = false): void {
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': html ? 'text/html; charset=utf-8' : 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

const UNAUTHORIZED_PAGE =
  '<!doctype html><meta charset="utf-8"><title>leakhound: token needed</title>' +
  '<body style="font:14px system-ui;margin:3em;max-width:40em">' +
  '<h1 style="font-size:18px">This leakhound needs its access token</h1>' +
  '<p>Open the full URL that <code>leakhound serve</code> printed in its terminal; it ends in ' +
  '<code>?token=…</code>. The token keeps other web pages on this machine from starting processes.</p>';

function errorStatus(e: unknown): number {
  if (e instanceof HttpError) return e.status;
  if (e instanceof NotFoundError) return 404;
  if (e instanceof UserError) return 400;
  return 500;
}

export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  if (opts.host && opts.host !== '127.0.0.1')
    throw new UserError(
      'leakhound serve listens on 127.0.0.1 only; use an SSH tunnel to reach it from elsewhere',
    );
  const handler: ApiHandler = createApiHandler({ dataDir: opts.dataDir });
  const token = randomBytes(32).toString('base64url');
  const staticDir = opts.staticDir ?? findRendererDir();
  let port = 0;

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const p = url.pathname;
    if (p.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD' && method !== 'DELETE') {
        // A JSON body cannot be sent cross-origin without a preflight: one more CSRF wall.
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
          throw new HttpError(415, 'send the body as application/json');
      }
      const m = p.match(/^\/api\/runs(?:\/([^/]+))?$/);
      if (m) {
        const id = m[1] ? decodeURIComponent(m[1]) : undefined;
        if (!id && method === 'GET') return sendJson(res, 200, await handler.call('runs.list', {}));
        if (!id && method === 'POST')
          return sendJson(res, 201, await handler.call('runs.start', await readJson(req)));
        if (id && method === 'GET') return sendJson(res, 200, await handler.call('runs.get', { id }));
        if (id && method === 'DELETE') return sendJson(res, 200, await handler.call('runs.delete', { id }));
        throw new HttpError(405, `${method} is not allowed on ${p}`);
      }
      const c = p.match(/^\/api\/call\/([A-Za-z.]+)$/);
      if (c) {
        if (method !== 'POST') throw new HttpError(405, 'API calls are POST with a JSON body');
        return sendJson(res, 200, await handler.call(c[1], await readJson(req)));
      }
      throw new HttpError(404, `no API route ${method} ${p}`);
    }
    if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `${method} is not allowed on ${p}`);
    if (!staticDir)
      return sendText(
        res,
        503,
        'The leakhound UI is not built: run `npx vite build` in the leakhound folder, then reload.',
      );
    const file = resolveStatic(staticDir, p);
    if (!file) throw new HttpError(404, 'not found');
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(file);
      if (!st.isFile()) throw new Error('not a file');
    } catch {
      throw new HttpError(404, `not found: ${p}`);
    }
    const isHtml = file.endsWith('.html');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'content-security-policy': csp(port),
      // hashed asset names can be cached; the page itself must not be
      'cache-control': isHtml ? 'no-store' : 'private, max-age=31536000, immutable',
    });
    if (method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!hostOk(req.headers, port)) return sendText(res, 403, 'leakhound: wrong Host header (use 127.0.0.1)');
    if (!originOk(req.headers, port))
      return sendText(res, 403, 'leakhound: requests from other origins are refused');
    const q = url.searchParams.get('token');
    if (q !== null && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!sameToken(q, token)) return sendText(res, 401, UNAUTHORIZED_PAGE, true);
      // Trade the query token for a cookie and drop it from the address bar and history.
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'set-cookie': `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: `${url.pathname}${url.search}`,
        'cache-control': 'no-store',
      });
      return void res.end();
    }
    if (!sameToken(presentedToken(req.headers, port), token)) {
      if (url.pathname.startsWith('/api/'))
        return sendJson(res, 401, {
          error: 'missing or wrong token: use the URL printed by leakhound serve',
        });
      return sendText(res, 401, UNAUTHORIZED_PAGE, true);
    }
    route(req, res, url).catch((e: unknown) => {
      const status = errorStatus(e);
      const message = e instanceof Error ? e.message : String(e);
      if (status === 500) process.stderr.write(`leakhound serve: ${(e as Error)?.stack ?? message}\n`);
      if (res.headersSent) return void res.destroy();
      sendJson(res, status, { error: message });
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const refuse = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/api/events') return refuse(socket, 404, 'Not Found');
    if (!hostOk(req.headers, port) || !originOk(req.headers, port)) return refuse(socket, 403, 'Forbidden');
    const given = url.searchParams.get('token') ?? presentedToken(req.headers, port);
    if (!sameToken(given, token)) return refuse(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    const send = (e: unknown, droppable: boolean) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (droppable && ws.bufferedAmount > MAX_WS_BUFFER) return;
      ws.send(JSON.stringify(e));
    };
    for (const e of handler.currentEvents()) send(e, false);
    const off = handler.onEvent((e) => send(e, e.type === 'sample'));
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    const ping = setInterval(() => {
      if (!alive) return ws.terminate();
      alive = false;
      ws.ping();
    }, 30_000);
    ping.unref();
    ws.on('close', () => {
      off();
      clearInterval(ping);
    });
    // a bad frame (over maxPayload, invalid UTF-8) is emitted as 'error': without a listener it would end serve
    ws.on('error', () => ws.terminate());
    // The event socket is one-way; anything sent to it is ignored.
    ws.on('message', () => {});
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UserError(
              `port ${opts.port} is in use on 127.0.0.1; pick another with --port or use --port 0`,
            )
          : e,
      ),
    );
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://127.0.0.1:${port}/?token=${token}`;
  if (opts.open) openBrowser(url);

  let closing: Promise<void> | null = null;
  return {
    url,
    token,
    port,
    close() {
      closing ??= (async () => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await handler.dispose();
      })();
      return closing;
    },
  };
}

function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`leakhound serve: could not open a browser; open ${url}\n`));
    child.unref();
  } catch {
    process.stderr.write(`leakhound serve: could not open a browser; open ${url}\n`);
  }
}

export const SERVE_USAGE = `usage: leakhound serve [--port P] [--open] [--data-dir DIR]

Serves the leakhound UI and API on http://127.0.0.1:P/ (P = a free port by default).
Open the printed URL: it carries the access token. Ctrl+C stops it.`;

export function parseServeArgs(argv: string[]): {
  port: number;
  open: boolean;
  dataDir: string;
  help: boolean;
} {
  const out = { port: 0, open: false, dataDir: defaultDataDir(), help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] =
      a.startsWith('--') && a.includes('=')
        ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]
        : [a, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UserError(`${flag} needs a value; see leakhound serve --help`);
      return v;
    };
    if (flag === '--port' || flag === '-p') {
      const v = value();
      const n = Number(v);
      if (!/^\d+$/.test(v) || n > 65535)
        throw new UserError(`--port must be a port number 0–65535, got "${v}"`);
      out.port = n;
    } else if (flag === '--open') out.open = true;
    else if (flag === '--data-dir') out.dataDir = path.resolve(value());
    else if (flag === '--help' || flag === '-h') out.help = true;
    else if (flag === '--host') {
      if (value() !== '127.0.0.1')
        throw new UserError(
          'leakhound serve listens on 127.0.0.1 only; use an SSH tunnel to reach it from elsewhere',
        );
    } else throw new UserError(`unknown option ${a} for serve; see leakhound serve --help`);
  }
  return out;
}

/** `leakhound serve`: resolves with the exit code once SIGINT/SIGTERM has closed the server. */
export async function serveMain(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv);
  if (args.help) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return 0;
  }
  const handle = await startServe({ port: args.port, dataDir: args.dataDir, open: args.open });
  process.stdout.write(`leakhound serve: open ${handle.url}\n`);
  process.stdout.write(`runs are stored in ${args.dataDir}; press Ctrl+C to stop\n`);
  return new Promise<number>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write('leakhound serve: stopping (running hunts write their folders first)\n');
      handle.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

// `node server.js --bench-serve DIR`: serve alone in a process (the UI benchmark uses it).
if (require.main === module && process.argv[2] === '--bench-serve') {
  serveMain(['--data-dir', process.argv[3] ?? defaultDataDir()]).then((code) => process.exit(code));
}
