// Snapshots taken elsewhere, analysed into a run folder: linked in under a hunt's names, the
// suspects found, and the same result.json a hunt writes (snapshots-result.ts), so the Verdict,
// Diff and report work on it unchanged. Used by `leakhound analyze --out` and the desktop app's
// "open snapshots" (in its analysis process).
import fs from 'node:fs';
import path from 'node:path';
import type { Result, Suspect } from '../../shared/result';
import { type AnalyzeResult, analyzeSnapshots } from './heap/analyze';
import { buildAnalyzeResult, snapshotFileName } from './snapshots-result';
import { FILES, hostInfo, readMeta, writeFileAtomic, writeMeta } from './store';

export interface OpenSnapshotsOptions {
  id: string;
  /** absolute paths, baseline → final */
  files: string[];
  /** the run folder (made if missing) */
  outDir: string;
  leakhoundVersion: string;
  revealStrings: boolean;
  requestsBetween?: number;
  cache?: boolean;
  onProgress?: (p: { phase: string; percent: number }) => void;
}

/** Link (not copy: they can be gigabytes) the snapshots into the run folder under a hunt's names. */
function linkSnapshots(files: string[], outDir: string, warnings: string[]): string[] {
  return files.map((file, i) => {
    const name = snapshotFileName(i, files.length);
    const dest = path.join(outDir, name);
    if (fs.existsSync(dest) && fs.realpathSync(dest) === fs.realpathSync(file)) return name;
    for (const make of [() => fs.symlinkSync(file, dest), () => fs.linkSync(file, dest)]) {
      try {
        make();
        return name;
      } catch {}
    }
    warnings.push(`could not link ${file} into the run folder; it is referenced by its path`);
    // Relative to the run folder, so `path.join(runDir, ref)` still finds it.
    return path.relative(outDir, file);
  });
}

export async function openSnapshots(
  o: OpenSnapshotsOptions,
): Promise<{ result: Result; resultFile: string; analysis: AnalyzeResult }> {
  const startedAt = new Date().toISOString();
  const warnings: string[] = [];
  fs.mkdirSync(o.outDir, { recursive: true });
  const sizes = o.files.map((f) => fs.statSync(f).size);
  const refs = linkSnapshots(o.files, o.outDir, warnings);
  const analysis = await analyzeSnapshots(o.files, {
    revealStrings: o.revealStrings,
    requestsBetween: o.requestsBetween,
    cache: o.cache,
    onProgress: o.onProgress,
  });
  const result = buildAnalyzeResult({
    id: o.id,
    files: o.files,
    refs,
    sizes,
    startedAt,
    endedAt: new Date().toISOString(),
    suspects: analysis.suspects as Suspect[],
    leakhoundVersion: o.leakhoundVersion,
    host: hostInfo(),
    revealStrings: o.revealStrings,
    warnings,
  });
  const resultFile = path.join(o.outDir, FILES.result);
  writeFileAtomic(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  const meta = readMeta(o.outDir);
  if (meta) writeMeta(o.outDir, { ...meta, status: 'finished', endedAt: result.endedAt });
  return { result, resultFile, analysis };
}
