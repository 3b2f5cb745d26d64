// Finishing a run folder left behind by a crash (of leakhound, the target or the machine):
// everything on disk up to the crash becomes a readable result marked "interrupted".
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type Checkpoint, type Result, resultSchema, type Sample, SCHEMA_VERSION } from '../../shared/result';
import { readJsonl } from './jsonl';
import { killTree } from './proc/kill';
import { isAlive, startTimeMs } from './proc/procfs';
import {
  effectiveStatus,
  FILES,
  hostInfo,
  type RunMeta,
  readMeta,
  readResult,
  writeFileAtomic,
  writeMeta,
} from './store';
import { endingVerdict } from './verdict/ending';
import { VERSION } from './version';

const SNAPSHOT = /^snapshot-(\d+)-([a-z0-9-]+)\.heapsnapshot$/;

/**
 * The server a crashed leakhound started is still running (its own process group outlived
 * us): stop it — but only if the pid still belongs to the process we started.
 */
export async function stopOrphanedTarget(meta: RunMeta): Promise<boolean> {
  const pid = meta.targetPid;
  if (!pid || meta.targetStartMs == null || !isAlive(pid)) return false;
  const started = startTimeMs(pid);
  if (started === null || Math.abs(started - meta.targetStartMs) > 1000) return false;
  await killTree(pid, { graceMs: 3000 });
  return true;
}

export async function repairRun(dir: string): Promise<Result | null> {
  const meta = readMeta(dir);
  if (!meta) return null;
  if (readResult(dir)) return null;
  if (effectiveStatus(meta, null) !== 'interrupted') return null;
  const stopped = await stopOrphanedTarget(meta);
  const samples = readJsonl<Sample>(path.join(dir, FILES.samples));
  const checkpoints = readJsonl<Checkpoint>(path.join(dir, FILES.checkpoints));
  const snapshots = readdirSync(dir)
    .filter((f) => SNAPSHOT.test(f))
    .sort()
    .map((file) => {
      const [, , label] = SNAPSHOT.exec(file) as RegExpExecArray;
      return { file, label, atRequests: 0, bytes: statSync(path.join(dir, file)).size };
    });
  const verdict = endingVerdict({
    ending: { kind: 'crashed' },
    requests: samples[samples.length - 1]?.requests ?? 0,
    checkpoints,
    heapKnown: checkpoints.some((c) => c.heapBytes !== null),
  });
  const result: Result = {
    schemaVersion: SCHEMA_VERSION,
    id: meta.id,
    status: 'interrupted',
    startedAt: meta.startedAt,
    endedAt: null,
    leakhoundVersion: VERSION,
    host: hostInfo(),
    options: meta.options,
    target: {
      runtime: checkpoints.some((c) => c.externalBytes != null) ? 'node' : 'other',
      mode: meta.options.attach !== undefined ? 'attach' : 'spawn',
      pid: meta.targetPid ?? null,
      command: meta.command,
      url: (meta.options.url as string | undefined) ?? null,
      exitCode: null,
      signal: null,
    },
    load: null,
    samples,
    checkpoints,
    verdict,
    suspects: [],
    snapshots,
    warnings: [
      'repaired after an interrupted run: load statistics and suspects were not computed',
      ...(stopped ? [`the target (pid ${meta.targetPid}) was still running and has been stopped`] : []),
    ],
    revealStrings: false,
  };
  const checked = resultSchema.parse(result);
  writeFileAtomic(path.join(dir, FILES.result), `${JSON.stringify(checked, null, 1)}\n`);
  writeMeta(dir, { ...meta, status: 'interrupted' });
  return checked;
}
