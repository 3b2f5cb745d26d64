// Python heap detail on a remote host: only through leakhound's dormant agent, whose sockets
// the helper reaches on the host and relays JSON lines to. No debugger is ever run over SSH
// (the canary that makes ptrace safe is local-only): without a dormant agent the hunt has
// memory curves only, and says how to get one.
import path from 'node:path';
import { AgentError } from '../python/agent-client';
import { type AgentTransport, PythonAgentSession } from '../python/session';
import { HelperError, type RemoteHelper } from './helper-client';
import type { RemoteSampler } from './sampler';

function agentError(e: unknown): AgentError {
  if (e instanceof AgentError) return e;
  const code = e instanceof HelperError ? e.code : 'EIO';
  return new AgentError((e as Error).message, code);
}

/** The session's socket operations, done by the helper on the host. */
export function remoteAgentTransport(helper: RemoteHelper): AgentTransport {
  return {
    list: (dir) => helper.request<string[]>('listdir', { path: dir }),
    async request<T>(socketPath: string, cmd: string, args: Record<string, unknown>, timeoutMs: number) {
      let msg: { ok: boolean; result?: T; error?: string };
      try {
        msg = await helper.request('agent', { path: socketPath, cmd, args, timeoutMs }, timeoutMs + 5000);
      } catch (e) {
        throw agentError(e);
      }
      if (!msg.ok) throw new AgentError(`python agent ${cmd} failed: ${msg.error}`, 'EAGENT');
      return msg.result as T;
    },
    isAlive: (pid) => helper.request<boolean>('alive', { pid }).catch(() => true),
    unlink: async (socketPath) => {
      await helper.request('unlink', { path: socketPath });
    },
  };
}

export interface RemotePython {
  session: PythonAgentSession | null;
  /** one line: why there is no heap detail and how to get it (null when there is) */
  fallback: string | null;
}

/** Connects to the dormant agents of the remote tree of `pid`, when they are there. */
export async function connectRemotePython(
  helper: RemoteHelper,
  sampler: RemoteSampler,
  pid: number,
  host: string,
): Promise<RemotePython> {
  const d = await helper.request<{ dir: string; socket: string; nspid: number } | null>('dormant', { pid });
  const transport = remoteAgentTransport(helper);
  const ping = d
    ? await transport.request<{ pid: number }>(d.socket, 'ping', {}, 3000).catch(() => null)
    : null;
  if (!d || !ping || ping.pid !== d.nspid)
    return {
      session: null,
      fallback: `pid ${pid} on ${host} has no dormant leakhound agent, and no debugger is run over SSH: memory curves only; for heap detail restart the server once with the agent's environment (on ${host}: eval "$(leakhound agent --print-env)", or copy the two lines it prints into the service's environment), after which attaching needs no debugger`,
    };
  // the folder is shared by every Python process of that user: only the target's tree counts
  const session = new PythonAgentSession(
    path.posix.dirname(d.socket),
    {},
    (socketPid) => sampler.hostPidOf(socketPid),
    transport,
  );
  return { session, fallback: null };
}
