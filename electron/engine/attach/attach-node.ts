// How leakhound gets into a Node process it did not start, without harming it: SIGUSR1 only
// when the process catches it (an app that added and removed a SIGUSR1 listener is left with
// the default action, which kills), a canary from the same executable first (cached per
// executable, leakhound version and kernel), the inspector confirmed to be the target's, and
// the process checked after (same process, running freely, still serving). When any of that
// fails the target is left alone and the hunt goes on with memory curves only, with one line
// saying why and what to do.

import type { AttachInfo } from '../../../shared/result';
import { UserError } from '../errors';
import { otherPidns } from '../proc/namespaces';
import { exePath } from '../proc/procfs';
import { VERSION } from '../version';
import { canaryKey, readCanary, writeCanary } from './canary-cache';
import { type NodeInspector, openNodeInspector, sigusr1Handling } from './node';
import { runNodeCanary } from './node-canary';
import { answersHttp, identify, verifyProcess } from './verify';

export interface NodeAttach {
  /** the open inspector, or null: memory curves only (info.fallback says why) */
  inspector: NodeInspector | null;
  info: AttachInfo;
}

export interface AttachNodeOptions {
  /** the target's URL, asked once after the attach (null: not asked) */
  url: string | null;
  log: (level: 'info' | 'warn', message: string) => void;
  /** how long the inspector may take to open after SIGUSR1 (default 5000 ms) */
  timeoutMs?: number;
}

/** Thrown by the pre-signal check to send no signal at all. */
class NoSignal extends Error {}

const RESTART_HINT = 'or restart it once with --inspect=127.0.0.1:0 (leakhound then uses that inspector)';

export async function attachNode(pid: number, o: AttachNodeOptions): Promise<NodeAttach> {
  const container = otherPidns(pid) || undefined;
  const canary: AttachInfo['canary'] = [];
  const memoryOnly = (why: string, processes: AttachInfo['processes'] = []): NodeAttach => {
    o.log('warn', `${why}: memory curves only`);
    return {
      inspector: null,
      info: { method: 'none', canary, processes, verified: false, serving: null, fallback: why, container },
    };
  };

  const id = identify(pid);
  if (!id) throw new UserError(`no process with pid ${pid}: list candidates with \`leakhound ps\``);
  let refused: string | null = null;
  // only when a signal is about to be sent (an inspector already open needs none)
  const beforeSignal = async (): Promise<void> => {
    const handling = sigusr1Handling(pid);
    if (handling === 'default')
      refused = `pid ${pid} does not catch SIGUSR1 (its default action would end it: the app added and removed a SIGUSR1 listener, or it is still starting up), so leakhound sent no signal; ${RESTART_HINT}`;
    else if (handling === 'ignored')
      refused = `pid ${pid} ignores SIGUSR1, so its inspector cannot be opened that way; ${RESTART_HINT}`;
    if (refused) throw new NoSignal();
    // the canary takes the very signal first, from the target's own executable
    const exe = exePath(pid) ?? `/proc/${pid}/exe`;
    const key = canaryKey(exe, 'sigusr1', VERSION, `/proc/${pid}/exe`);
    const cached = readCanary(key);
    const result = cached ?? (await runNodeCanary(pid));
    if (!cached)
      writeCanary(key, {
        ok: result.ok,
        pauseMs: result.pauseMs,
        error: result.error,
        at: new Date().toISOString(),
      });
    canary.push({
      method: 'sigusr1',
      ok: result.ok,
      pauseMs: result.pauseMs,
      cached: cached !== null,
      ...(result.error ? { error: result.error } : {}),
    });
    o.log(
      'info',
      `SIGUSR1 canary (${exe}): ${result.ok ? `passed, its event loop paused ${result.pauseMs ?? '?'} ms` : `refused: ${result.error}`}${cached ? ` (cached ${cached.at})` : ''}`,
    );
    if (!result.ok) {
      refused = `a canary from pid ${pid}'s executable did not come through SIGUSR1 well (${result.error}), so the target was not signalled; ${RESTART_HINT}`;
      throw new NoSignal();
    }
    o.log(
      'info',
      `opening the inspector of pid ${pid} with SIGUSR1 (its canary paused ${result.pauseMs ?? '?'} ms)`,
    );
  };
  let inspector: NodeInspector;
  try {
    inspector = await openNodeInspector(pid, { timeoutMs: o.timeoutMs, beforeSignal });
  } catch (e) {
    if (e instanceof NoSignal && refused) return memoryOnly(refused);
    // no inspector after the signal: the target is checked and left alone
    if (!(e instanceof UserError) || !/did not open its inspector/.test(e.message)) throw e;
    const check = verifyProcess(id);
    return memoryOnly(`${e.message.replace(/ \(started with.*$/, '')}; ${RESTART_HINT}`, [
      {
        pid,
        role: 'process',
        pauseMs: null,
        verified: check.verified,
        ...(check.problem ? { problem: check.problem } : {}),
      },
    ]);
  }
  const check = verifyProcess(id);
  const serving = o.url ? await answersHttp(o.url, 5000) : null;
  const info: AttachInfo = {
    method: inspector.preexisting ? 'preexisting' : 'sigusr1',
    canary,
    processes: [
      {
        pid,
        role: 'process',
        pauseMs: inspector.preexisting ? null : inspector.openMs,
        verified: check.verified,
        ...(check.problem ? { problem: check.problem } : {}),
      },
    ],
    verified: check.verified && serving !== false,
    serving,
    container,
  };
  o.log(
    check.verified ? 'info' : 'warn',
    `checked after the attach: pid ${pid} ${check.verified ? 'same process, running freely' : check.problem}${serving === null ? '' : serving ? ', answered a request' : ', did NOT answer a request'}`,
  );
  return { inspector, info };
}
