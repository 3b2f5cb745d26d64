// Opens the inspector of a Node process we did not start (SIGUSR1), confirms it is the
// right process, and closes it again afterwards: a production server must not be left with
// an unauthenticated debugger port. All the pitfalls below were measured (FIELD-NOTES).
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { CdpClient } from '../cdp';
import { UserError } from '../errors';
import { nsPid, openNetnsBridge, otherNetns } from '../proc/namespaces';
import { isPortFree, listeningPortsSync, listeningSockets, pidsListeningOn } from '../proc/ports';
import { exeError, exePath, hasProcfs, isAlive, readCmdline } from '../proc/procfs';
import { psTable } from '../proc/psfallback';
import { detectRuntime } from '../proc/runtime';
import { hasSignal, sigMask } from './verify';

export interface NodeInspector {
  wsUrl: string;
  port: number;
  /** the session used to confirm the pid; the caller may keep using it */
  client: CdpClient;
  /** the inspector was already open before we came: close() then only disconnects */
  preexisting: boolean;
  /** ms from SIGUSR1 until /json/list answered */
  openMs: number;
  /** closes the inspector (unless preexisting) and waits until its port is gone */
  close(): Promise<void>;
}

export interface OpenNodeInspectorOptions {
  /** how long to wait for the inspector to answer after SIGUSR1 (default 5000 ms) */
  timeoutMs?: number;
  /** runs right before SIGUSR1 is sent (not when an inspector is already open): throw to send none */
  beforeSignal?: () => Promise<void>;
}

const DEFAULT_INSPECT_PORT = 9229;

// `require` exists only with includeCommandLineAPI, and calling it inside the timer crashed
// the target: the module is fetched now and only `.close()` runs later. A synchronous close()
// never answers (it waits for this very session), hence the timer.
export const CLOSE_EXPRESSION =
  "(() => { const i = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('inspector') : require('inspector'); setTimeout(() => i.close(), 50); return true; })()";

/**
 * How pid handles SIGUSR1, from /proc/PID/status: 'caught' (Node's inspector trigger, or the
 * app's own listener), else the signal's default action would end the process. Measured on
 * Node 20: SigCgt 0x100004602 (bit 9 = SIGUSR1 set); after process.on('SIGUSR1') and
 * removing the listener again libuv resets it to default (0x100004402): SIGUSR1 kills it.
 */
export function sigusr1Handling(pid: number): 'caught' | 'ignored' | 'default' | 'unknown' {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return 'unknown';
  }
  if (hasSignal(sigMask(text, 'SigCgt'), 10)) return 'caught';
  if (hasSignal(sigMask(text, 'SigIgn'), 10)) return 'ignored';
  return 'default';
}

function getJson(port: number, pathname: string, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: pathname, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (e) {
            reject(e);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(pid: number): string {
  const argv = readCmdline(pid);
  const cmd = argv && argv.length > 0 ? argv.join(' ') : `pid ${pid}`;
  return cmd.length > 80 ? `${cmd.slice(0, 79)}…` : cmd;
}

/** The port SIGUSR1 will open: --inspect-port / --debug-port in argv or NODE_OPTIONS, else 9229. */
export function inspectPortOf(argv: string[], nodeOptions = ''): number {
  const all = [...argv, ...nodeOptions.split(/\s+/)];
  for (let i = 0; i < all.length; i++) {
    const m = /^--(?:inspect-port|debug-port)(?:=(.*))?$/.exec(all[i]);
    if (!m) continue;
    const v = m[1] ?? all[i + 1] ?? '';
    const port = Number(v.includes(':') ? v.slice(v.lastIndexOf(':') + 1) : v);
    if (Number.isInteger(port) && port > 0) return port;
  }
  return DEFAULT_INSPECT_PORT;
}

function nodeOptionsOf(pid: number): string {
  try {
    const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
    const kv = env.split('\0').find((e) => e.startsWith('NODE_OPTIONS='));
    return kv ? kv.slice('NODE_OPTIONS='.length) : '';
  } catch {
    return '';
  }
}

async function checkIsNode(pid: number): Promise<void> {
  if (hasProcfs) {
    const exe = exePath(pid);
    if (exe === null) {
      if (exeError(pid) === 'denied') {
        throw new UserError(
          `cannot check pid ${pid} (permission denied reading /proc/${pid}/exe): run leakhound as the target's user or as root`,
        );
      }
      throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
    }
    if (detectRuntime(pid) !== 'node') {
      throw new UserError(
        `pid ${pid} is ${path.basename(exe)}, not node: refusing to send SIGUSR1 (it would kill a non-Node process)`,
      );
    }
    return;
  }
  const row = (await psTable()).find((r) => r.pid === pid);
  if (!row) throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
  const exe = path.basename(row.command.split(' ')[0] ?? '');
  if (!/^node(js)?(\.exe)?$/i.test(exe)) {
    throw new UserError(`pid ${pid} is ${exe || 'unknown'}, not node: refusing to send SIGUSR1`);
  }
}

interface JsonListEntry {
  webSocketDebuggerUrl?: string;
}

async function wsUrlAt(port: number, timeoutMs: number): Promise<string | null> {
  try {
    const list = (await getJson(port, '/json/list', timeoutMs)) as JsonListEntry[];
    const url = Array.isArray(list)
      ? list.find((e) => e.webSocketDebuggerUrl)?.webSocketDebuggerUrl
      : undefined;
    return url ?? null;
  } catch {
    return null;
  }
}

async function confirmPid(client: CdpClient): Promise<number | null> {
  const r = await client.send<{ result?: { value?: unknown } }>(
    'Runtime.evaluate',
    { expression: 'process.pid', returnByValue: true },
    { timeoutMs: 5000 },
  );
  return typeof r.result?.value === 'number' ? r.result.value : null;
}

/**
 * An inspector the target already has open: started with --inspect (any port), or opened
 * by an earlier SIGUSR1 on its inspect port. Only those ports are probed, so the app's own
 * ports never get a stray /json request.
 */
async function findOpenInspector(
  pid: number,
  inspectPort: number,
): Promise<{ port: number; wsUrl: string } | null> {
  if (!hasProcfs) return null;
  const flags = [...(readCmdline(pid) ?? []), ...nodeOptionsOf(pid).split(/\s+/)];
  const started = flags.some((f) => /^--(inspect|inspect-brk|inspect-wait|debug)(=|$)/.test(f));
  const own = listeningPortsSync(pid);
  for (const port of started ? own : own.filter((p) => p === inspectPort)) {
    try {
      const v = (await getJson(port, '/json/version', 500)) as { Browser?: string };
      if (typeof v?.Browser !== 'string' || !v.Browser.startsWith('node')) continue;
    } catch {
      continue;
    }
    const wsUrl = await wsUrlAt(port, 1000);
    if (wsUrl) return { port, wsUrl };
  }
  return null;
}

export async function openNodeInspector(
  pid: number,
  opts: OpenNodeInspectorOptions = {},
): Promise<NodeInspector> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  if (!Number.isInteger(pid) || pid <= 0)
    throw new UserError(`invalid pid ${pid}: give a positive process id`);
  if (!isAlive(pid)) throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
  await checkIsNode(pid);

  const port = hasProcfs ? inspectPortOf(readCmdline(pid) ?? [], nodeOptionsOf(pid)) : DEFAULT_INSPECT_PORT;
  // a container with its own network namespace: the inspector's 127.0.0.1 is the container's,
  // reached through a bridge into that namespace (closed with the inspector)
  if (hasProcfs && otherNetns(pid)) return openInNetns(pid, port, timeoutMs, opts);
  const existing = await findOpenInspector(pid, port);
  if (existing) {
    const client = await CdpClient.connect(existing.wsUrl, { timeoutMs });
    return {
      ...existing,
      client,
      preexisting: true,
      openMs: 0,
      close: () => client.close(),
    };
  }
  await opts.beforeSignal?.();

  if (hasProcfs) {
    const holders = pidsListeningOn(port).filter((p) => p !== pid);
    if (holders.length > 0) {
      throw new UserError(
        `port ${port} is held by pid ${holders[0]} (${describe(holders[0])}): pid ${pid} would open its inspector there and fail; stop that process or free the port, then retry`,
      );
    }
  }

  if (!(await isPortFree(port))) {
    throw new UserError(
      `port ${port} on 127.0.0.1 is taken by another process: pid ${pid} would open its inspector there and fail; free the port, then retry`,
    );
  }

  const t0 = performance.now();
  try {
    process.kill(pid, 'SIGUSR1');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EPERM') {
      throw new UserError(
        `not permitted to signal pid ${pid}: run leakhound as the target's user or as root`,
      );
    }
    throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
  }

  let wsUrl: string | null = null;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    wsUrl = await wsUrlAt(port, 500);
    if (wsUrl) break;
    if (!isAlive(pid)) throw new Error(`pid ${pid} exited after SIGUSR1 instead of opening its inspector`);
    await sleep(25);
  }
  const openMs = Math.round(performance.now() - t0);
  if (!wsUrl) {
    throw new UserError(
      `pid ${pid} did not open its inspector on 127.0.0.1:${port} within ${timeoutMs} ms (started with --disable-sigusr1, or inspector not compiled in?)`,
    );
  }

  const client = await CdpClient.connect(wsUrl, { timeoutMs });
  const closeInspector = async (): Promise<void> => {
    if (!client.closed) {
      await client
        .send(
          'Runtime.evaluate',
          { expression: CLOSE_EXPRESSION, includeCommandLineAPI: true },
          { timeoutMs: 3000 },
        )
        .catch(() => {});
      await client.close();
    }
    // Wait for the port to go, so "nothing left open" holds when we return.
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      if (!isAlive(pid)) return;
      const open = hasProcfs ? listeningPortsSync(pid).includes(port) : (await wsUrlAt(port, 300)) !== null;
      if (!open) return;
      await sleep(25);
    }
    throw new Error(`the inspector of pid ${pid} is still listening on 127.0.0.1:${port} after close`);
  };

  let seen: number | null;
  try {
    seen = await confirmPid(client);
  } catch (e) {
    await client.close();
    throw e;
  }
  if (seen !== pid) {
    // Someone else's inspector answered on this port: leave it alone.
    await client.close();
    throw new UserError(
      `the inspector on 127.0.0.1:${port} belongs to pid ${seen ?? 'unknown'}, not ${pid}: free the port, then retry`,
    );
  }
  let closing: Promise<void> | null = null;
  return {
    wsUrl,
    port,
    client,
    preexisting: false,
    openMs,
    close: () => {
      closing ??= closeInspector();
      return closing;
    },
  };
}

/**
 * The inspector of a process in another network namespace: SIGUSR1 there as here, its port
 * watched in the namespace's own socket table, reached through a bridge into the namespace;
 * the pid it reports is the one the process knows itself by (NSpid).
 */
async function openInNetns(
  pid: number,
  port: number,
  timeoutMs: number,
  opts: OpenNodeInspectorOptions,
): Promise<NodeInspector> {
  const inNs = () => [...listeningSockets(pid).values()].some((r) => r.port === port);
  const own = () => listeningPortsSync(pid).includes(port);
  const preexisting = own();
  if (!preexisting && inNs())
    throw new UserError(
      `port ${port} in the network namespace of pid ${pid} is held by another process there: pid ${pid} would open its inspector there and fail; free the port, then retry`,
    );
  const t0 = performance.now();
  if (!preexisting) {
    await opts.beforeSignal?.();
    try {
      process.kill(pid, 'SIGUSR1');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPERM')
        throw new UserError(
          `not permitted to signal pid ${pid}: run leakhound as the target's user or as root`,
        );
      throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
    }
    const deadline = Date.now() + timeoutMs;
    while (!own() && Date.now() < deadline) {
      if (!isAlive(pid)) throw new Error(`pid ${pid} exited after SIGUSR1 instead of opening its inspector`);
      await sleep(25);
    }
    if (!own())
      throw new UserError(
        `pid ${pid} did not open its inspector on 127.0.0.1:${port} in its network namespace within ${timeoutMs} ms`,
      );
  }
  const bridge = await openNetnsBridge(pid, port);
  let client: CdpClient | null = null;
  try {
    const ws = await wsUrlAt(bridge.localPort, 2000);
    if (!ws)
      throw new UserError(`the inspector of pid ${pid} did not answer through the bridge into its namespace`);
    const u = new URL(ws);
    u.host = `127.0.0.1:${bridge.localPort}`;
    client = await CdpClient.connect(u.toString(), { timeoutMs });
    const openMs = Math.round(performance.now() - t0);
    const seen = await confirmPid(client);
    if (seen !== nsPid(pid))
      throw new UserError(
        `the inspector in the namespace of pid ${pid} belongs to pid ${seen ?? 'unknown'} there, not ${nsPid(pid)}: free the port, then retry`,
      );
    const c = client;
    let closing: Promise<void> | null = null;
    const closeAll = async (): Promise<void> => {
      if (!preexisting && !c.closed)
        await c
          .send(
            'Runtime.evaluate',
            { expression: CLOSE_EXPRESSION, includeCommandLineAPI: true },
            { timeoutMs: 3000 },
          )
          .catch(() => {});
      await c.close();
      await bridge.close();
      if (preexisting) return;
      const until = Date.now() + 3000;
      while (Date.now() < until && isAlive(pid) && own()) await sleep(25);
      if (isAlive(pid) && own())
        throw new Error(
          `the inspector of pid ${pid} is still listening on 127.0.0.1:${port} in its namespace after close`,
        );
    };
    return {
      wsUrl: u.toString(),
      port,
      client: c,
      preexisting,
      openMs: preexisting ? 0 : openMs,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (e) {
    await client?.close().catch(() => {});
    await bridge.close();
    throw e;
  }
}
