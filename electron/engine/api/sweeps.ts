// Sweeps for the UI API: the same engine as `leakhound sweep` (runSweep), started from the
// Sweep screen. Each sweep lives in <dataDir>/sweeps/<id>/ (sweep.json from runSweep, plus
// sweep-run.json with who runs it and how it ended), and each configuration's hunt in a
// sub-folder, which the runs API can open under the id `sweep.<sweep id>.<configuration>`.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ApiEvent, ApiParams, ApiResult, SweepRowInfo, SweepSummary } from '../../../shared/api';
import { type RunOptions, runOptionsSchema } from '../../../shared/options';
import { UserError } from '../errors';
import type { Hunt } from '../hunt';
import { ensureDir, newRunId, writeFileAtomic } from '../store';
import { bestRow, type Goal, type SweepRow } from '../sweep/compare';
import { combinations, comboId, fillTemplate, type Grid } from '../sweep/grid';
import type { SweepFile } from '../sweep/run-sweep';
import { runSweep } from '../sweep/run-sweep';

type Status = SweepSummary['status'];

/** What this module writes beside sweep.json: the sweep's identity and how it ended. */
interface SweepMeta {
  id: string;
  startedAt: string;
  status: Status;
  ownerPid: number;
  spawn: string;
  grid: Grid;
  goal: Goal;
  error: string | null;
  /** the load every configuration gets; absent in sweeps made by the CLI */
  load?: { url: string; requests?: number; durationMs?: number; concurrency?: number };
}

const META = 'sweep-run.json';
const ID = /^[A-Za-z0-9._-]{1,128}$/;

export function sweepsDir(dataDir: string): string {
  return path.join(dataDir, 'sweeps');
}

/** The runs-API id of one configuration's hunt; null when it would not be a valid run id. */
export function sweepRunId(sweepId: string, combo: string): string | null {
  const id = `sweep.${sweepId}.${combo}`;
  return ID.test(id) ? id : null;
}

export function parseSweepRunId(id: string): { sweepId: string; combo: string } | null {
  const m = /^sweep\.([A-Za-z0-9_-]+)\.([A-Za-z0-9._-]+)$/.exec(id);
  if (!m || m[2] === '.' || m[2] === '..') return null;
  return { sweepId: m[1], combo: m[2] };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The hunt options shared by every configuration; a UserError when they do not parse. */
function baseOf(load: NonNullable<SweepMeta['load']>): Omit<RunOptions, 'spawn' | 'out'> {
  // Snapshots pause the target and would distort the latencies being compared.
  const parsed = runOptionsSchema.safeParse({ spawn: 'x', ...load, snapshots: 0 });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserError(`bad sweep options: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const { spawn: _s, out: _o, ...base } = parsed.data;
  return base;
}

const totalOf = (grid: Grid) => grid.reduce((n, g) => n * g.values.length, 1);

export interface SweepsApi {
  start(p: ApiParams<'sweeps.start'>): Promise<ApiResult<'sweeps.start'>>;
  list(): ApiResult<'sweeps.list'>;
  get(id: string): ApiResult<'sweeps.get'>;
  stop(id: string): ApiResult<'sweeps.stop'>;
  /** run the configurations a stopped or interrupted sweep has not finished */
  resume(id: string): ApiResult<'sweeps.resume'>;
  /** the folder of an existing sweep (throws a UserError naming the id when there is none) */
  folder(id: string): string;
  /** the folder of `sweep.<id>.<combo>`, or null when the id is not a sweep configuration */
  runDirOf(runId: string): string | null;
  currentEvents(): ApiEvent[];
  dispose(): Promise<void>;
}

interface Active {
  meta: SweepMeta;
  abort: AbortController;
  hunt: Hunt | null;
  index: number | null;
  rows: SweepRow[];
  settled: Promise<void>;
  last: ApiEvent[];
}

export function createSweepsApi(opts: { dataDir: string; emit: (e: ApiEvent) => void }): SweepsApi {
  const root = sweepsDir(path.resolve(opts.dataDir));
  const active = new Map<string, Active>();

  const dirOf = (id: string) => {
    if (!ID.test(id) || id === '.' || id === '..') throw new UserError(`not a sweep id: ${id}`);
    return path.join(root, id);
  };

  const withRunId = (sweepId: string, r: SweepRow): SweepRowInfo => {
    const runId = sweepRunId(sweepId, r.id);
    return runId ? { ...r, runId } : { ...r };
  };

  /** Meta of a sweep folder; CLI-made sweeps have none, so it is derived from sweep.json. */
  const metaOf = (id: string, dir: string, file: SweepFile | null): SweepMeta | null => {
    const own = readJson<SweepMeta>(path.join(dir, META));
    if (own) {
      const running = own.status === 'running' && !active.has(id);
      // "running" on disk, but no one here runs it and its owner is gone: a crash or kill.
      if (running && (own.ownerPid === process.pid || !processAlive(own.ownerPid)))
        return { ...own, status: 'interrupted' };
      return own;
    }
    if (!file) return null;
    return {
      id,
      startedAt: statSync(dir).mtime.toISOString(),
      status: file.partial ? 'interrupted' : 'finished',
      ownerPid: 0,
      spawn: file.spawn,
      grid: file.grid,
      goal: file.goal,
      error: null,
    };
  };

  const read = (id: string) => {
    const dir = dirOf(id);
    if (!existsSync(dir)) return null;
    const file = readJson<SweepFile>(path.join(dir, 'sweep.json'));
    const meta = metaOf(id, dir, file);
    if (!meta) return null;
    const run = active.get(id);
    const rows = run ? run.rows : (file?.rows ?? []);
    const best = bestRow([...rows], meta.goal);
    return { dir, meta, file, rows, best, run };
  };

  const summaryOf = (id: string, s: NonNullable<ReturnType<typeof read>>): SweepSummary => ({
    id,
    dir: s.dir,
    status: s.meta.status,
    startedAt: s.meta.startedAt,
    spawn: s.meta.spawn,
    grid: s.meta.grid,
    goal: s.meta.goal,
    total: totalOf(s.meta.grid),
    done: s.rows.length,
    best: s.best?.params ?? null,
    wallMs: s.file?.wallMs ?? null,
  });

  const saveMeta = (dir: string, meta: SweepMeta) =>
    writeFileAtomic(path.join(dir, META), `${JSON.stringify(meta, null, 1)}\n`);

  /** Runs (or resumes) the sweep in `dir` in the background; its progress goes out as events. */
  const launch = (meta: SweepMeta, dir: string, base: Omit<RunOptions, 'spawn' | 'out'>): void => {
    const total = totalOf(meta.grid);
    const id = meta.id;
    const entry: Active = {
      meta,
      abort: new AbortController(),
      hunt: null,
      index: null,
      rows: [],
      settled: Promise.resolve(),
      last: [],
    };
    active.set(id, entry);
    const emitSweep = (e: ApiEvent) => {
      entry.last = [e];
      opts.emit(e);
    };
    entry.settled = runSweep({
      spawnTemplate: meta.spawn,
      grid: meta.grid,
      base,
      dir,
      goal: meta.goal,
      signal: entry.abort.signal,
      onHunt: (hunt, combo, index) => {
        entry.hunt = hunt;
        entry.index = index;
        const runId = sweepRunId(id, comboId(combo));
        // The hunt's own events go out under its runs-API id, so the run view of a
        // configuration that is running now is live like any other run.
        if (runId)
          hunt.on('event', (e: ApiEvent) => {
            const mine = { ...e, id: runId } as ApiEvent;
            if (e.type === 'phase') entry.last = [entry.last[0], mine].filter(Boolean) as ApiEvent[];
            opts.emit(mine);
          });
        emitSweep({ type: 'sweep', id, index, total, ...(runId ? { runId } : {}) });
      },
      onRow: (row) => {
        // A hunt stopped halfway ends "finished" with less load than the others: it must
        // not compete for best, so it is marked as stopped.
        if (entry.abort.signal.aborted && row.status === 'finished') row.status = 'stopped';
        entry.rows.push(row);
        entry.hunt = null;
        emitSweep({ type: 'sweep', id, index: entry.rows.length, total, row: withRunId(id, row) });
      },
    })
      .then(() => {
        meta.status = entry.abort.signal.aborted ? 'stopped' : 'finished';
        if (meta.status === 'stopped') {
          const file = path.join(dir, 'sweep.json');
          const saved = readJson<SweepFile>(file);
          if (saved)
            writeFileAtomic(
              file,
              `${JSON.stringify({ ...saved, rows: entry.rows, best: bestRow([...entry.rows], meta.goal), partial: true }, null, 1)}\n`,
            );
        }
      })
      .catch((e: Error) => {
        meta.status = 'failed';
        meta.error = e.message;
      })
      .finally(() => {
        entry.hunt = null;
        entry.index = null;
        saveMeta(dir, meta);
        active.delete(id);
        opts.emit({ type: 'sweep', id, index: entry.rows.length, total, status: meta.status });
      });
  };

  return {
    async start(p) {
      const goal = (p.goal ?? 'p90') as Goal;
      const grid: Grid = p.grid.map((g) => ({ name: g.name, values: g.values.map((v) => v.trim()) }));
      const names = new Set<string>();
      for (const g of grid) {
        if (names.has(g.name))
          throw new UserError(`grid row "${g.name}" is given twice: list all its values in one row`);
        names.add(g.name);
      }
      // Every command line is checked before anything starts, so a typo fails the form.
      for (const c of combinations(grid)) fillTemplate(p.spawn, c, grid);
      if (!p.spawn.includes('{port}') && !/\$PORT\b/.test(p.spawn))
        throw new UserError('the command has no {port}: put {port} where the server takes its port');
      const base = baseOf({
        url: p.url,
        requests: p.requests,
        durationMs: p.durationMs,
        concurrency: p.concurrency,
      });
      const id = newRunId();
      const dir = dirOf(id);
      ensureDir(dir);
      const meta: SweepMeta = {
        id,
        startedAt: new Date().toISOString(),
        status: 'running',
        ownerPid: process.pid,
        spawn: p.spawn,
        grid,
        goal,
        error: null,
        load: { url: p.url, requests: p.requests, durationMs: p.durationMs, concurrency: p.concurrency },
      };
      saveMeta(dir, meta);
      launch(meta, dir, base);
      return { id };
    },

    list() {
      let names: string[];
      try {
        names = readdirSync(root);
      } catch {
        return [];
      }
      const out: SweepSummary[] = [];
      for (const name of names) {
        if (!ID.test(name)) continue;
        const s = read(name);
        if (s) out.push(summaryOf(name, s));
      }
      return out.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
    },

    get(id) {
      const s = read(id);
      if (!s) throw new UserError(`no sweep with id ${id} in ${root}`);
      const index = s.run?.index ?? null;
      const currentCombo = index === null ? null : combinations(s.meta.grid)[index];
      return {
        ...summaryOf(id, s),
        rows: s.rows.map((r) => withRunId(id, r)),
        bestRow: s.best ? withRunId(id, s.best) : null,
        current: s.run?.hunt ? index : null,
        currentRunId: s.run?.hunt && currentCombo ? sweepRunId(id, comboId(currentCombo)) : null,
        error: s.meta.error,
      };
    },

    resume(id) {
      if (active.has(id)) throw new UserError(`sweep ${id} is running already`);
      const s = read(id);
      if (!s) throw new UserError(`no sweep with id ${id} in ${root}`);
      if (!s.meta.load)
        throw new UserError(
          `sweep ${id} was made by \`leakhound sweep\`: run the same command again to resume it`,
        );
      const finished = s.rows.filter((r) => r.status === 'finished').length;
      if (s.meta.status === 'finished' && finished === totalOf(s.meta.grid))
        throw new UserError(`sweep ${id} has finished every configuration: there is nothing to resume`);
      const base = baseOf(s.meta.load);
      // A configuration stopped halfway wrote a "finished" result with less load than the
      // others; runSweep would keep it, so its folder goes and it runs again in full.
      for (const r of s.rows)
        if (r.status !== 'finished') rmSync(path.join(s.dir, r.id), { recursive: true, force: true });
      const meta: SweepMeta = { ...s.meta, status: 'running', ownerPid: process.pid, error: null };
      saveMeta(s.dir, meta);
      launch(meta, s.dir, base);
      return { id };
    },

    folder(id) {
      const s = read(id);
      if (!s) throw new UserError(`no sweep with id ${id} in ${root}`);
      return s.dir;
    },

    stop(id) {
      const run = active.get(id);
      if (!run) return { ok: false };
      run.abort.abort();
      run.hunt?.stop();
      return { ok: true };
    },

    runDirOf(runId) {
      const p = parseSweepRunId(runId);
      if (!p) return null;
      const dir = path.join(root, p.sweepId, p.combo);
      return existsSync(path.join(dir, 'run.json')) ? dir : null;
    },

    currentEvents() {
      return [...active.values()].flatMap((a) => a.last);
    },

    async dispose() {
      const runs = [...active.values()];
      for (const r of runs) {
        r.abort.abort();
        await r.hunt?.abort().catch(() => {});
      }
      await Promise.race([
        Promise.allSettled(runs.map((r) => r.settled)),
        new Promise((r) => setTimeout(r, 15_000).unref()),
      ]);
    },
  };
}
