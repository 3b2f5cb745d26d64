// Starting the server on the host (`run --spawn … --host`, `sweep --host`): the same rules as
// a local spawn — argv split here without a shell, `{port}` a free port of the host's loopback,
// $PORT set, the dormant Python agent on PYTHONPATH (its files go down the helper channel into
// the helper's private folder) — started by the helper in its own process group, and ended by
// it: at the hunt's end, when the link drops, or by the kernel if the helper is killed.
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import { AGENT_FILES, agentSourceDir } from '../python/agent-client';
import { PORT_PLACEHOLDER, splitCommand, substitutePort } from '../target/command';
import { isInspectorChatter } from '../target/spawn';
import { LineTail, lastOutput } from '../target/tail';
import type { RemoteHelper } from './helper-client';

export interface RemoteSpawnOptions {
  command: string;
  /** the URL as the host sees it, `{port}` allowed; null with --load none */
  url: string | null;
  /** on the host; default the login folder */
  cwd?: string;
  env: Record<string, string>;
  readyTimeoutMs: number;
}

export interface SpawnStatus {
  alive: boolean;
  code: number | null;
  signal: string | null;
}

export interface RemoteSpawned {
  pid: number;
  port: number;
  url: string | null;
  argv: string[];
  /** the server's output as it comes back (bounded) */
  output: LineTail;
  /** every chunk of output, for the run folder's target.log */
  onOutput: ((chunk: string) => void) | null;
  /** the exit status, once the helper reaped it */
  status: SpawnStatus | null;
  onExit: ((s: SpawnStatus) => void) | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function portOf(url: string): number | null {
  const u = new URL(url);
  return u.port ? Number(u.port) : null;
}

export async function spawnOnHost(helper: RemoteHelper, o: RemoteSpawnOptions): Promise<RemoteSpawned> {
  const host = helper.host;
  const argvTemplate = splitCommand(o.command);
  const placeholder = o.command.includes(PORT_PLACEHOLDER) || (o.url ?? '').includes(PORT_PLACEHOLDER);
  let port: number | null = o.url && !o.url.includes(PORT_PLACEHOLDER) ? portOf(o.url) : null;
  if (port === null && placeholder) port = await helper.request<number>('free_port');
  if (port === null && o.url)
    throw new UserError(
      `--url has no port and no {port}: write e.g. http://127.0.0.1:{port}/ so leakhound can give the server a free port on ${host}`,
    );
  const argv = argvTemplate.map((a) => (port === null ? a : substitutePort(a, port)));
  const url = o.url && port !== null ? substitutePort(o.url, port) : o.url;
  const agentDir = agentSourceDir();
  const agent = Object.fromEntries(AGENT_FILES.map((f) => [f, readFileSync(path.join(agentDir, f), 'utf8')]));
  const env = port === null ? { ...o.env } : { ...o.env, PORT: String(port) };
  const output = new LineTail();
  const spawned: RemoteSpawned = {
    pid: 0,
    port: port ?? 0,
    url,
    argv,
    output,
    onOutput: null,
    status: null,
    onExit: null,
  };
  // output and exit events may come before the spawn's own answer: keep them by pid
  const early: { pid: number; d?: string; status?: SpawnStatus }[] = [];
  const onOut = (m: { pid: number; d: string }) => {
    if (spawned.pid === 0) early.push(m);
    else if (m.pid === spawned.pid) deliverOut(m.d);
  };
  const onDone = (m: { pid: number; status: SpawnStatus }) => {
    if (spawned.pid === 0) early.push(m);
    else if (m.pid === spawned.pid) deliverExit(m.status);
  };
  const deliverOut = (d: string) => {
    output.push(d);
    spawned.onOutput?.(d);
  };
  const deliverExit = (s: SpawnStatus) => {
    spawned.status = s;
    helper.off('out', onOut);
    helper.off('spawn-exit', onDone);
    spawned.onExit?.(s);
  };
  helper.on('out', onOut);
  helper.on('spawn-exit', onDone);
  let started: { pid: number };
  try {
    started = await helper.request<{ pid: number }>('spawn', { argv, cwd: o.cwd, env, agent }, 20_000);
  } catch (e) {
    helper.off('out', onOut);
    helper.off('spawn-exit', onDone);
    throw new UserError(`could not start the server on ${host}: ${(e as Error).message}`);
  }
  spawned.pid = started.pid;
  for (const m of early.splice(0))
    if (m.pid === spawned.pid) m.d !== undefined ? deliverOut(m.d) : m.status && deliverExit(m.status);
  const why = await waitUntilListening(helper, spawned, port, o.readyTimeoutMs);
  if (why === null) return spawned;
  await stopOnHost(helper, spawned, 1000);
  await sleep(200); // the last output lines, sent before the exit event
  const tail = lastOutput(output.get().filter((l) => !isInspectorChatter(l)));
  const tailText = tail.length ? `; its last output:\n${tail.map((l) => `    ${l}`).join('\n')}` : '';
  throw new UserError(`${why}${tailText}`);
}

/** null when it listens; else why not, in words */
async function waitUntilListening(
  helper: RemoteHelper,
  s: RemoteSpawned,
  port: number | null,
  timeoutMs: number,
): Promise<string | null> {
  const host = helper.host;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (s.status && !s.status.alive) {
      const how = s.status.signal ? `was killed by ${s.status.signal}` : `exited with code ${s.status.code}`;
      return s.status.code === 0 && !s.status.signal
        ? `the server on ${host} exited with code 0 before listening${port ? ` on 127.0.0.1:${port}` : ''}: if it daemonises itself (e.g. gunicorn --daemon), run it in the foreground, or start it yourself and use --attach-match`
        : `the server on ${host} ${how} before listening${port ? ` on 127.0.0.1:${port}` : ''}`;
    }
    const d = await helper.request<{ alive: boolean; ports?: number[] }>('describe', { pid: s.pid });
    if (d.alive && d.ports && (port === null ? d.ports.length > 0 : d.ports.includes(port))) return null;
    await sleep(100);
  }
  return `the server on ${host} did not listen${port ? ` on 127.0.0.1:${port}` : ''} within ${timeoutMs} ms: check that it binds the port from {port} or $PORT, or raise --ready-timeout`;
}

/** SIGTERM to its group, SIGKILL after graceMs; resolves with how it ended. */
export async function stopOnHost(
  helper: RemoteHelper,
  s: RemoteSpawned,
  graceMs = 3000,
): Promise<SpawnStatus | null> {
  if (s.status && !s.status.alive) return s.status;
  try {
    const st = await helper.request<SpawnStatus>('spawn_stop', { pid: s.pid, graceMs }, graceMs + 10_000);
    s.status ??= st;
    return st;
  } catch {
    return s.status; // the link is gone: the helper ends it when it sees its stdin close
  }
}

/**
 * Copies the server's output into the run folder's target.log as it comes (the helper caps
 * it at 8 MB); appended chunk by chunk, so no descriptor is held across the hunt.
 */
export function keepRemoteLog(s: RemoteSpawned, file: string): void {
  const before = s.output.get();
  const write = (d: string) => {
    try {
      appendFileSync(file, d, { mode: 0o600 });
    } catch {
      // a full disk is the hunt's to report; the log is a convenience
    }
  };
  if (before.length) write(`${before.join('\n')}\n`);
  s.onOutput = write;
}
