// result.json's `target` section from what the hunt learnt of its target: pure, so that the
// run's record does not depend on which kind of target object gathered it.
import type { RunOptions } from '../../../shared/options';
import type { Result, Runtime } from '../../../shared/result';
import type { ExitInfo } from '../target/spawn';

export interface TargetFacts {
  options: RunOptions;
  runtime: Runtime;
  runtimeVersion: string | null;
  /** the target as opened; null when it never was */
  opened: {
    pid: number;
    argv: string[];
    /** the URL as loaded, or as the target's own network namespace sees it */
    url: string;
    /** its last output lines (inspector chatter left out) */
    output: string[] | null;
    /** why its exit status is what it is (attached, remote) */
    exitNote: string | null;
  } | null;
  exit: ExitInfo | null;
  died: boolean;
  linkLost: boolean;
  processes: Result['target']['processes'];
  restarts: number;
  attach: Result['target']['attach'] | null;
  remote: Result['target']['remote'] | null;
}

export function targetSection(f: TargetFacts): Result['target'] {
  const o = f.options;
  const t = f.opened;
  const noted = f.died || (f.linkLost && f.remote !== null);
  return {
    runtime: f.runtime,
    mode: o.spawn ? 'spawn' : 'attach',
    pid: t?.pid ?? o.attach ?? null,
    command: t ? t.argv.join(' ') : (o.spawn ?? `pid ${o.attach}`),
    url: t?.url ?? o.url ?? null,
    runtimeVersion: f.runtimeVersion,
    exitCode: f.died ? (f.exit?.code ?? null) : null,
    signal: f.died ? (f.exit?.signal ?? null) : null,
    stderrTail: f.died ? t?.output?.slice(-20) : undefined,
    processes: f.processes,
    restarts: f.restarts,
    ...(f.attach ? { attach: f.attach } : {}),
    ...(f.remote ? { host: o.host, remote: f.remote } : {}),
    ...(noted && t?.exitNote ? { exitNote: t.exitNote } : {}),
  };
}
