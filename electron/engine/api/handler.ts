// The one implementation of the UI API (shared/api.ts) over the engine. Both transports
// (Electron IPC and `leakhound serve`) call into this; it validates every params object,
// owns the hunts it started, fans their events out, and sends heap queries to a worker.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type ApiEvent, type ApiMethod, type ApiResult, apiMethods } from '../../../shared/api';
import type { RunOptions } from '../../../shared/options';
import type { Result } from '../../../shared/result';
import { UserError } from '../errors';
import { Hunt } from '../hunt';
import { listProcesses } from '../proc/ps';
import { renderReport } from '../report/render';
import { deleteRun, listRuns, readResult, readRun, runDirOf } from '../store';
import { AnalysisHost } from './analysis-host';
import { decimateSamples } from './decimate';
import { createHostsApi } from './hosts';
import { createSweepsApi } from './sweeps';

/** A UserError about something that does not exist: the serve transport answers 404. */
export class NotFoundError extends UserError {}

export interface ApiHandler {
  call(method: string, params: unknown): Promise<unknown>;
  onEvent(listener: (e: ApiEvent) => void): () => void;
  /** Last phase and load event of each running hunt, for a UI that connects mid-run. */
  currentEvents(): ApiEvent[];
  dispose(): Promise<void>;
}

export interface ApiHandlerOptions {
  dataDir: string;
}

type Impl = { [M in ApiMethod]: (p: ParsedParams<M>) => Promise<ApiResult<M>> };
type ParsedParams<M extends ApiMethod> = (typeof apiMethods)[M]['params']['_zod']['output'];

function fileStamp(file: string): string {
  try {
    const st = statSync(file);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'none';
  }
}

export function describeIssue(
  method: string,
  issue: { path: PropertyKey[]; message: string } | undefined,
): string {
  const where = issue?.path.length ? issue.path.map(String).join('.') : 'params';
  return `bad ${method} request: ${where}: ${issue?.message ?? 'invalid'}`;
}

interface ActiveRun {
  hunt: Hunt;
  settled?: Promise<unknown>;
  lastPhase?: ApiEvent;
  lastLoad?: ApiEvent;
}

export function createApiHandler(opts: ApiHandlerOptions): ApiHandler {
  const dataDir = path.resolve(opts.dataDir);
  const listeners = new Set<(e: ApiEvent) => void>();
  const active = new Map<string, ActiveRun>();
  const analysis = new AnalysisHost();

  const emit = (e: ApiEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch {
        // one broken subscriber must not starve the others
      }
    }
  };

  const sweeps = createSweepsApi({ dataDir, emit: (e) => emit(e) });
  const hosts = createHostsApi(dataDir);

  const runDir = (id: string) => {
    const dir = runDirOf(dataDir, id);
    if (existsSync(dir)) return dir;
    // A sweep's configurations are runs too, kept inside the sweep's folder.
    const inSweep = sweeps.runDirOf(id);
    if (inSweep) return inSweep;
    throw new NotFoundError(`no run with id ${id} in ${dataDir}`);
  };

  const loadRun = (id: string) => {
    const dir = runDir(id);
    return { dir, ...readRun(dir) };
  };

  /**
   * Snapshot files of a run in order: from result.json when written, else by name. Cached
   * by result.json's mtime, so clicking through the diff does not re-read the run each time.
   */
  const getCache = new Map<string, ApiResult<'runs.get'>>();
  const snapCache = new Map<string, { mtimeMs: number; result: Result | null; files: string[] }>();
  const snapshotFiles = (id: string): { dir: string; result: Result | null; files: string[] } => {
    const dir = runDir(id);
    const resultFile = path.join(dir, 'result.json');
    const mtimeMs = existsSync(resultFile) ? statSync(resultFile).mtimeMs : -1;
    const hit = snapCache.get(dir);
    if (hit && hit.mtimeMs === mtimeMs && mtimeMs !== -1) return { dir, ...hit };
    const result = mtimeMs === -1 ? null : readResult(dir);
    const files = result
      ? result.snapshots.map((s) => path.join(dir, s.file))
      : readdirSync(dir)
          .filter((f) => f.endsWith('.heapsnapshot'))
          .sort()
          .map((f) => path.join(dir, f));
    snapCache.delete(dir);
    snapCache.set(dir, { mtimeMs, result, files });
    // one entry per run browsed: a serve left open for weeks must not keep them all
    if (snapCache.size > 32) snapCache.delete(snapCache.keys().next().value as string);
    return { dir, result, files };
  };

  const pickSnapshot = (id: string, index: number) => {
    const s = snapshotFiles(id);
    const file = s.files[index];
    if (!file)
      throw new UserError(
        s.files.length === 0
          ? `run ${id} has no heap snapshots (Python runs and runs with --snapshots 0 have none)`
          : `run ${id} has ${s.files.length} snapshots; index ${index} does not exist (0–${s.files.length - 1})`,
      );
    if (!file.endsWith('.heapsnapshot'))
      throw new UserError(
        `${path.basename(file)} is not a V8 heap snapshot; only Node runs can be browsed by object`,
      );
    if (!existsSync(file)) throw new NotFoundError(`${file} is missing from the run folder`);
    return { ...s, file };
  };

  const impl: Impl = {
    async 'runs.start'(o: RunOptions) {
      if (o.out)
        throw new UserError(
          `"out" is not accepted here: runs started from the UI are stored in ${dataDir}; use the CLI for --out`,
        );
      // a hunt on a host from the Hosts screen uses the ssh config that screen lists
      const sshConfig = o.host && !o.sshConfig ? hosts.sshOptions().configFile : undefined;
      const hunt = new Hunt(sshConfig ? { ...o, sshConfig } : o, { dataDir });
      const entry: ActiveRun = { hunt };
      active.set(hunt.id, entry);
      let sawDone = false;
      hunt.on('event', (e: ApiEvent) => {
        if (e.type === 'phase') entry.lastPhase = e;
        else if (e.type === 'load') entry.lastLoad = e;
        else if (e.type === 'done') sawDone = true;
        emit(e);
      });
      // start() writes run.json synchronously before its first await, so the run is
      // listed and readable as soon as this call returns.
      entry.settled = hunt
        .start()
        .catch((err: Error) => {
          emit({ type: 'log', id: hunt.id, level: 'error', message: err.message });
          if (!sawDone) emit({ type: 'done', id: hunt.id, status: 'failed' });
        })
        .finally(() => active.delete(hunt.id));
      return { id: hunt.id };
    },

    async 'runs.stop'({ id }) {
      const run = active.get(id);
      if (!run) return { ok: false };
      run.hunt.stop();
      return { ok: true };
    },

    async 'runs.snapshotNow'({ id }) {
      const run = active.get(id);
      if (!run)
        throw new UserError(`run ${id} is not running here; snapshots can only be taken during a run`);
      await run.hunt.snapshotNow();
      return { ok: true };
    },

    async 'runs.list'() {
      return listRuns(dataDir);
    },

    async 'runs.get'({ id, maxSamples }) {
      const dir = runDir(id);
      // A finished run does not change: keep its thinned answer instead of re-reading 30 MB.
      const key = `${dir}\0${maxSamples ?? 0}\0${fileStamp(path.join(dir, 'samples.jsonl'))}\0${fileStamp(path.join(dir, 'result.json'))}`;
      const hit = getCache.get(key);
      if (hit) return hit;
      const { summary, result, samples, checkpoints } = loadRun(id);
      const out = maxSamples
        ? {
            summary,
            result: result && { ...result, samples: decimateSamples(result.samples, maxSamples) },
            samples: decimateSamples(samples, maxSamples),
            checkpoints,
          }
        : { summary, result, samples, checkpoints };
      if (summary.status !== 'running') {
        getCache.set(key, out);
        if (getCache.size > 4) getCache.delete(getCache.keys().next().value as string);
      }
      return out;
    },

    async 'runs.delete'({ id }) {
      if (sweeps.runDirOf(id))
        throw new UserError(`run ${id} belongs to a sweep; it is kept with the sweep's other configurations`);
      const run = active.get(id);
      if (run) {
        await run.hunt.abort();
        active.delete(id);
      }
      const dir = runDir(id);
      const snaps = existsSync(dir)
        ? readdirSync(dir)
            .filter((f) => f.endsWith('.heapsnapshot'))
            .map((f) => path.join(dir, f))
        : [];
      analysis.forget(snaps);
      snapCache.delete(dir);
      for (const k of getCache.keys()) if (k.startsWith(`${dir}\0`)) getCache.delete(k);
      deleteRun(dataDir, id);
      return { ok: true };
    },

    async 'processes.list'() {
      return listProcesses();
    },

    'hosts.list': () => hosts.list(),
    'hosts.add': ({ name }) => hosts.add(name),
    'hosts.remove': ({ name }) => hosts.remove(name),
    'hosts.processes': ({ host }) => hosts.processes(host),

    async 'analysis.diff'({ id, from, to }) {
      const a = pickSnapshot(id, from);
      const b = pickSnapshot(id, to);
      const snaps = a.result?.snapshots;
      const requestsBetween =
        snaps?.[from] && snaps[to] ? snaps[to].atRequests - snaps[from].atRequests : null;
      return analysis.run({ op: 'diff', fromFile: a.file, toFile: b.file, requestsBetween });
    },

    async 'analysis.instances'(p) {
      const s = pickSnapshot(p.id, p.snapshot);
      const baseIndex = p.since ?? p.snapshot - 1;
      if (p.onlyNew && p.since !== undefined && p.since >= p.snapshot)
        throw new UserError(`"since" (${p.since}) must be an earlier snapshot than ${p.snapshot}`);
      const baseFile = baseIndex >= 0 ? (s.files[baseIndex] ?? null) : null;
      return analysis.run({
        op: 'instances',
        file: s.file,
        baseFile: baseFile?.endsWith('.heapsnapshot') ? baseFile : null,
        name: p.name,
        offset: p.offset,
        limit: p.limit,
        onlyNew: p.onlyNew,
        revealStrings: p.revealStrings,
      });
    },

    async 'analysis.retainers'(p) {
      const s = pickSnapshot(p.id, p.snapshot);
      return analysis.run({
        op: 'retainers',
        file: s.file,
        nodeId: p.nodeId,
        revealStrings: p.revealStrings,
      });
    },

    async 'reports.export'({ id, format }) {
      const dir = runDir(id);
      const file = path.join(dir, `report.${format}`);
      const out = await renderReport(dir, format === 'pdf' ? { pdf: file } : { html: file });
      return { path: (format === 'pdf' ? out.pdf : out.html) ?? file };
    },

    async 'sweeps.start'(p) {
      return sweeps.start(p);
    },

    async 'sweeps.list'() {
      return sweeps.list();
    },

    async 'sweeps.get'({ id }) {
      try {
        return sweeps.get(id);
      } catch (e) {
        throw new NotFoundError((e as Error).message);
      }
    },

    async 'sweeps.stop'({ id }) {
      return sweeps.stop(id);
    },

    async 'sweeps.resume'({ id }) {
      return sweeps.resume(id);
    },

    async 'sweeps.export'({ id, format }) {
      let dir: string;
      try {
        dir = sweeps.folder(id);
      } catch (e) {
        throw new NotFoundError((e as Error).message);
      }
      if (!existsSync(path.join(dir, 'sweep.json')))
        throw new UserError(`sweep ${id} has no finished configuration yet: export it when one has finished`);
      const file = path.join(dir, `report.${format}`);
      const out = await renderReport(dir, format === 'pdf' ? { pdf: file } : { html: file });
      return { path: (format === 'pdf' ? out.pdf : out.html) ?? file };
    },
  };

  return {
    async call(method, params) {
      if (typeof method !== 'string' || !Object.hasOwn(apiMethods, method))
        throw new UserError(
          `unknown API method "${String(method)}"; known methods: ${Object.keys(apiMethods).join(', ')}`,
        );
      const m = method as ApiMethod;
      const parsed = apiMethods[m].params.safeParse(params ?? {});
      if (!parsed.success) throw new UserError(describeIssue(m, parsed.error.issues[0]));
      return (impl[m] as (p: unknown) => Promise<unknown>)(parsed.data);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    currentEvents() {
      const out: ApiEvent[] = [];
      for (const r of active.values()) {
        if (r.lastPhase) out.push(r.lastPhase);
        if (r.lastLoad) out.push(r.lastLoad);
      }
      out.push(...sweeps.currentEvents());
      return out;
    },
    async dispose() {
      // Abort, then wait (bounded) until each hunt has written its folder and killed its target.
      const runs = [...active.values()];
      await sweeps.dispose();
      await Promise.allSettled(runs.map((r) => r.hunt.abort()));
      await Promise.race([
        Promise.allSettled(runs.map((r) => r.settled)),
        new Promise((r) => setTimeout(r, 15_000).unref()),
      ]);
      active.clear();
      listeners.clear();
      await analysis.dispose();
    },
  };
}
