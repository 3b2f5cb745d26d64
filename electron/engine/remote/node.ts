// Opening a remote Node process's inspector: the helper checks /proc/PID/exe on the host (and
// again right before the signal) and sends SIGUSR1; the inspector's 127.0.0.1 port on the
// host is reached through an SSH forward to a 127.0.0.1 port here, never through the host's
// network. Closed again at the end exactly as locally (a timer in the target, then the port
// is watched until it is gone), and the forward is cancelled.
import http from 'node:http';
import type { NodeInspector as AttachInspector } from '../attach/node';
import { inspectPortOf } from '../attach/node';
import { CdpClient } from '../cdp';
import { UserError } from '../errors';
import { runtimeOfExe } from '../proc/runtime';
import type { RemoteHelper } from './helper-client';
import type { RemoteTransport } from './transport';

// The same expression attach/node.ts uses (see the reasons there): fetch the module now,
// close from a timer, since a synchronous close() waits for this very session.
const CLOSE_EXPRESSION =
  "(() => { const i = typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('inspector') : require('inspector'); setTimeout(() => i.close(), 50); return true; })()";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

export interface RemoteDescribe {
  alive: boolean;
  exe: string | null;
  exeError: string | null;
  argv: string[];
  uid: number;
  nspid: number;
  startTicks: number;
  ports: number[];
  descendants: number[];
  nodeOptions: string;
  electronAsNode: boolean;
}

export function remoteRuntime(d: RemoteDescribe): 'node' | 'python' | 'other' {
  if (!d.exe) return 'other';
  const r = runtimeOfExe(d.exe);
  if (r === 'electron') return d.electronAsNode ? 'node' : 'other';
  return r;
}

export async function openRemoteNodeInspector(
  helper: RemoteHelper,
  link: RemoteTransport,
  pid: number,
  d: RemoteDescribe,
): Promise<AttachInspector> {
  const host = link.dest;
  if (remoteRuntime(d) !== 'node')
    throw new UserError(
      `pid ${pid} on ${host} is ${d.exe ?? 'unknown'}, not node: refusing to send SIGUSR1 (it would kill a non-Node process)`,
    );
  const port = inspectPortOf(d.argv, d.nodeOptions);
  const own = await helper.request<number[]>('listening', { pid });
  const preexisting = own.includes(port);
  if (!preexisting) {
    const holders = await helper.request<number[]>('holders', { pid, port });
    if (holders.length > 0)
      throw new UserError(
        `port ${port} on ${host} is held by pid ${holders[0]}: pid ${pid} would open its inspector there and fail; free the port, then retry`,
      );
  }
  const t0 = performance.now();
  if (!preexisting) await helper.request('sigusr1', { pid, startTicks: d.startTicks });
  const deadline = Date.now() + 5000;
  while (!preexisting && Date.now() < deadline) {
    if ((await helper.request<number[]>('listening', { pid })).includes(port)) break;
    if (!(await helper.request<boolean>('alive', { pid })))
      throw new Error(`pid ${pid} on ${host} exited after SIGUSR1 instead of opening its inspector`);
    await sleep(50);
  }
  const localPort = await link.forward(port);
  let wsUrl: string | null = null;
  while (Date.now() < deadline + 2000) {
    try {
      const list = (await getJson(localPort, '/json/list', 1000)) as { webSocketDebuggerUrl?: string }[];
      const u = Array.isArray(list)
        ? list.find((e) => e.webSocketDebuggerUrl)?.webSocketDebuggerUrl
        : undefined;
      if (u) {
        // the URL names the host's port: the same path through our forward
        const url = new URL(u);
        wsUrl = `ws://127.0.0.1:${localPort}${url.pathname}`;
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  const openMs = Math.round(performance.now() - t0);
  if (!wsUrl) {
    await link.cancelForward(localPort, port).catch(() => {});
    throw new UserError(
      `pid ${pid} on ${host} did not open its inspector on 127.0.0.1:${port} within 5 s (started with --disable-sigusr1?)`,
    );
  }
  const client = await CdpClient.connect(wsUrl, { timeoutMs: 5000 });
  const r = await client
    .send<{ result?: { value?: unknown } }>('Runtime.evaluate', {
      expression: 'process.pid',
      returnByValue: true,
    })
    .catch(() => null);
  const seen = r?.result?.value;
  if (seen !== d.nspid && seen !== pid) {
    await client.close();
    await link.cancelForward(localPort, port).catch(() => {});
    throw new UserError(
      `the inspector on ${host}'s 127.0.0.1:${port} belongs to pid ${String(seen)}, not ${pid}: free the port, then retry`,
    );
  }
  let closing: Promise<void> | null = null;
  const close = async (): Promise<void> => {
    if (!client.closed) {
      if (!preexisting)
        await client
          .send(
            'Runtime.evaluate',
            { expression: CLOSE_EXPRESSION, includeCommandLineAPI: true },
            { timeoutMs: 3000 },
          )
          .catch(() => {});
      await client.close();
    }
    try {
      const until = Date.now() + 3000;
      while (!preexisting && Date.now() < until) {
        if (!(await helper.request<boolean>('alive', { pid }))) return;
        if (!(await helper.request<number[]>('listening', { pid })).includes(port)) return;
        await sleep(50);
      }
      if (!preexisting)
        throw new Error(
          `the inspector of pid ${pid} on ${host} is still listening on 127.0.0.1:${port} after close`,
        );
    } finally {
      await link.cancelForward(localPort, port).catch(() => {});
    }
  };
  return {
    wsUrl,
    port,
    client,
    preexisting,
    openMs,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
