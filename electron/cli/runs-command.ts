// `leakhound runs`: the history on disk, and repair of runs a crash left unfinished.

import path from 'node:path';
import { UserError } from '../engine/errors';
import { repairRun } from '../engine/repair';
import { defaultDataDir, listRuns, summarize } from '../engine/store';
import type { ParsedFlags } from './args';

export async function runsCommand(
  flags: ParsedFlags,
  dirs: string[],
  out: NodeJS.WriteStream,
): Promise<number> {
  const dataDir = defaultDataDir();
  if (dirs.length && !flags.repair)
    throw new UserError('a run folder is only taken with --repair: leakhound runs --repair DIR');
  if (flags.repair) {
    let n = 0;
    const targets = dirs.length
      ? dirs.map((d) => {
          const dir = path.resolve(d);
          const s = summarize(dir);
          if (!s) throw new UserError(`${dir} is not a leakhound run folder (no run.json)`);
          return s;
        })
      : listRuns(dataDir);
    for (const run of targets) {
      if (run.status !== 'interrupted') {
        if (dirs.length) out.write(`${run.id}: ${run.status}, nothing to repair\n`);
        continue;
      }
      if (await repairRun(run.dir)) {
        n++;
        out.write(`repaired ${run.id}\n`);
      }
    }
    out.write(`${n} run${n === 1 ? '' : 's'} repaired\n`);
    if (dirs.length) return 0;
  }
  const runs = listRuns(dataDir);
  if (flags.json) {
    out.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    out.write(`no runs yet in ${dataDir}; start one with leakhound run --spawn "…" --url …\n`);
    return 0;
  }
  for (const r of runs)
    out.write(
      `${r.id}  ${r.status.padEnd(11)} ${(r.verdict ?? '-').padEnd(12)} ${r.bytesPerRequest === null ? '' : `${r.bytesPerRequest.toFixed(1)} B/req  `}${r.command}\n`,
    );
  return 0;
}
