// Runs every configuration of a grid one at a time, with the same load, into one folder:
// DIR/<combo>/ holds each hunt, DIR/sweep.json the comparison. A combination whose hunt
// already finished is read back, not run again, so an interrupted sweep resumes.
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type RunOptions, runOptionsSchema } from '../../../shared/options';
import { Hunt } from '../hunt';
import { ensureDir, readResult, writeFileAtomic } from '../store';
import { bestRow, type Goal, rowOf, type SweepRow } from './compare';
import { type Combo, combinations, comboId, fillTemplate, type Grid } from './grid';

export interface SweepOptions {
  spawnTemplate: string;
  grid: Grid;
  base: Omit<RunOptions, 'spawn' | 'out'>;
  dir: string;
  goal: Goal;
  onHunt?: (hunt: Hunt, combo: Combo, index: number, total: number) => void;
  onRow?: (row: SweepRow, resumed: boolean) => void;
  signal?: AbortSignal;
}

/** sweep.json as runSweep writes it (partial while running): read by the API and the report. */
export interface SweepFile {
  grid: Grid;
  goal: Goal;
  spawn: string;
  rows: SweepRow[];
  best: SweepRow | null;
  wallMs?: number;
  partial?: boolean;
}

export interface SweepResult {
  grid: Grid;
  goal: Goal;
  rows: SweepRow[];
  best: SweepRow | null;
  wallMs: number;
}

export async function runSweep(o: SweepOptions): Promise<SweepResult> {
  const t0 = performance.now();
  ensureDir(o.dir);
  const combos = combinations(o.grid);
  // Validate every command line before running anything.
  const commands = combos.map((c) => fillTemplate(o.spawnTemplate, c, o.grid));
  const rows: SweepRow[] = [];
  for (let i = 0; i < combos.length; i++) {
    if (o.signal?.aborted) break;
    const combo = combos[i];
    const id = comboId(combo);
    const runDir = path.join(o.dir, id);
    const done = existsSync(path.join(runDir, 'result.json')) ? readResult(runDir) : null;
    if (done && done.status === 'finished') {
      const row = rowOf(id, combo, runDir, done, done.status);
      rows.push(row);
      o.onRow?.(row, true);
      continue;
    }
    // A half-written folder from an interrupted sweep is started again from scratch.
    if (existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
    const options = runOptionsSchema.parse({ ...o.base, spawn: commands[i], out: runDir });
    const hunt = new Hunt(options);
    o.onHunt?.(hunt, combo, i, combos.length);
    let row: SweepRow;
    try {
      const result = await hunt.start();
      row = rowOf(id, combo, runDir, result, result.status);
      if (o.signal?.aborted) {
        // Cut short: kept for reading, but not "done", so a resume runs it again in full.
        row = { ...row, status: 'stopped' };
        renameSync(path.join(runDir, 'result.json'), path.join(runDir, 'result.stopped.json'));
      }
    } catch (e) {
      row = { ...rowOf(id, combo, runDir, null, 'failed'), verdict: null };
      writeFileAtomic(path.join(runDir, 'error.txt'), `${(e as Error).message}\n`);
    }
    rows.push(row);
    o.onRow?.(row, false);
    saveSweep(o, rows);
  }
  const best = bestRow(rows, o.goal);
  const result: SweepResult = {
    grid: o.grid,
    goal: o.goal,
    rows,
    best,
    wallMs: Math.round(performance.now() - t0),
  };
  writeFileAtomic(
    path.join(o.dir, 'sweep.json'),
    `${JSON.stringify({ ...result, spawn: o.spawnTemplate }, null, 1)}\n`,
  );
  return result;
}

function saveSweep(o: SweepOptions, rows: SweepRow[]): void {
  writeFileAtomic(
    path.join(o.dir, 'sweep.json'),
    `${JSON.stringify({ grid: o.grid, goal: o.goal, spawn: o.spawnTemplate, rows, best: null, partial: true }, null, 1)}\n`,
  );
}

export function readSweep(dir: string): unknown {
  return JSON.parse(readFileSync(path.join(dir, 'sweep.json'), 'utf8'));
}
