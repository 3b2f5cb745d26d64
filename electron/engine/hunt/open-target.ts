// Collect's first step: the target, by the options — started here (argv, a free port, the
// inspector or the Python agent switched on), attached here by pid, or reached on its host
// over SSH (started or attached there, with the load generator there when asked).
import type { RunOptions } from '../../../shared/options';
import { detectRuntime } from '../proc/runtime';
import { pythonAgentEnv } from '../python/session';
import { RemoteHost, type RemoteTarget } from '../remote/host';
import { RemoteLoad } from '../remote/remote-load';
import { keepRemoteLog } from '../remote/spawn';
import { defaultLogFile, SpawnedTarget } from '../target/spawn';
import { AttachedTarget } from './attached';
import { guessRuntime } from './runtime-guess';

export type HuntTarget = SpawnedTarget | AttachedTarget | RemoteTarget;

export interface OpenedTarget {
  target: HuntTarget;
  runtime: 'node' | 'python' | 'other';
  /** with --host: the host's side of collecting */
  remote: RemoteHost | null;
  /** with --load-from host: the generator running there */
  remoteLoad: RemoteLoad | null;
  /** a spawned Python target's agent sockets */
  pythonSocketDir: string | null;
}

export async function openTarget(
  o: RunOptions,
  runDir: string,
  log: (level: 'info' | 'warn', m: string) => void,
): Promise<OpenedTarget> {
  const url = o.url ?? o.endpoints?.[0]?.url;
  if (o.host) {
    const remote = await RemoteHost.open({
      host: o.host,
      attach: o.attach,
      attachMatch: o.attachMatch,
      spawn: o.spawn
        ? { command: o.spawn, cwd: o.cwd, env: o.env ?? {}, readyTimeoutMs: o.readyTimeoutMs }
        : undefined,
      url,
      load: o.load,
      ssh: { configFile: o.sshConfig },
    });
    if (remote.target.spawned) keepRemoteLog(remote.target.spawned, defaultLogFile(runDir));
    let remoteLoad: RemoteLoad | null = null;
    if (o.loadFrom === 'host') {
      try {
        remoteLoad = await RemoteLoad.start(remote.link);
      } catch (e) {
        await remote.target.stop();
        await remote.close();
        throw e;
      }
      log(
        'info',
        `the requests go from ${o.host} itself (its node ${remoteLoad.node}): latency without the SSH link`,
      );
    }
    return { target: remote.target, runtime: remote.runtime, remote, remoteLoad, pythonSocketDir: null };
  }
  if (o.attach !== undefined) {
    const target = await AttachedTarget.open(o.attach, url, o.targetLog);
    return {
      target,
      runtime: detectRuntime(o.attach) ?? 'other',
      remote: null,
      remoteLoad: null,
      pythonSocketDir: null,
    };
  }
  const command = o.spawn as string;
  const runtime = guessRuntime(command, o.cwd ?? process.cwd());
  const env: Record<string, string> = { ...(process.env as Record<string, string>), ...o.env };
  let pythonSocketDir: string | null = null;
  if (runtime === 'python') {
    const py = pythonAgentEnv(runDir);
    Object.assign(env, py.env);
    pythonSocketDir = py.socketDir;
  }
  const target = await SpawnedTarget.start({
    command,
    url: url ?? 'http://127.0.0.1:{port}/',
    cwd: o.cwd ?? process.cwd(),
    env,
    readyTimeoutMs: o.readyTimeoutMs,
    inspect: runtime !== 'python',
    logFile: defaultLogFile(runDir),
  });
  return { target, runtime, remote: null, remoteLoad: null, pythonSocketDir };
}
