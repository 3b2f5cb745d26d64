// `leakhound runs`: the history on disk, and repair of runs a crash left unfinished.
import { repairRun } from '../engine/repair';
import { defaultDataDir, listRuns } from '../engine/store';
import type { ParsedFlags } from './args';

export async function runsCommand(flags: ParsedFlags, out: NodeJS.WriteStream): Promise<number> {
  const dataDir = defaultDataDir();
  if (flags.repair) {
    let n = 0;
    for (const run of listRuns(dataDir)) {
      if (run.status !== 'interrupted') continue;
      if (repairRun(run.dir)) {
        n++;
        out.write(`repaired ${run.id}\n`);
      }
    }
    out.write(`${n} run${n === 1 ? '' : 's'} repaired\n`);
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
