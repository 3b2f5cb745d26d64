// Live state of one run: the stored folder (runs.get) merged with the event stream.
// Samples arrive at 5–10 Hz for hours, so the live series is bounded (recent ones at full
// resolution, the past thinned keeping each stretch's peak and dip) and React is told at
// most four times a second.
import { useEffect, useRef, useState } from 'react';
import type { ApiEvent, ApiResult } from '../../../shared/api';
import { BoundedSeries, sampleLevel } from '../../../shared/decimate';
import type { Phase } from '../../../shared/options';
import type { Checkpoint, Result, RunStatus, Sample } from '../../../shared/result';
import { call, onEvent } from './transport';

export interface LoadLive {
  requests: number;
  errors: number;
  rps: number;
  latencyMs: { p50: number; p95: number; p99: number };
}

export interface RunState {
  summary: ApiResult<'runs.get'>['summary'] | null;
  result: Result | null;
  samples: Sample[];
  checkpoints: Checkpoint[];
  phase: { phase: Phase; progress: number; message: string } | null;
  load: LoadLive | null;
  logs: { level: string; message: string }[];
  /** snapshots seen live, before result.json lists them */
  snapshotMarks: { requests: number; label: string }[];
  status: RunStatus | null;
  version: number;
}

// A chart is ~1.5k pixels wide: 3000 points show every peak of the whole run, and the last
// two minutes (at 5 Hz) are drawn sample by sample.
const LIVE_MAX = 3000;
const LIVE_RECENT = 600;
const liveSeries = () =>
  new BoundedSeries<Sample>({ max: LIVE_MAX, recent: LIVE_RECENT, level: sampleLevel });

const empty = (): RunState => ({
  summary: null,
  result: null,
  samples: [],
  checkpoints: [],
  phase: null,
  load: null,
  logs: [],
  snapshotMarks: [],
  status: null,
  version: 0,
});

export function useRun(id: string): { state: RunState; error: Error | null; loading: boolean } {
  const ref = useRef<RunState>(empty());
  const [, setTick] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);

  useEffect(() => {
    ref.current = empty();
    setError(null);
    setLoading(true);
    let alive = true;
    let fetched = false;
    const pending: ApiEvent[] = [];
    let live = liveSeries();
    let liveDirty = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const bump = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        if (liveDirty) ref.current.samples = live.values();
        liveDirty = false;
        ref.current.version++;
        if (alive) setTick((t) => t + 1);
      }, 250);
    };

    const load = async () => {
      try {
        // a chart is ~1.5k pixels wide; 8k min/max-kept samples show every peak without shipping 30 MB
        const got = await call('runs.get', { id, maxSamples: 8000 });
        if (!alive) return;
        const s = ref.current;
        s.summary = got.summary;
        s.result = got.result;
        s.status = got.result?.status ?? got.summary.status;
        const lastC = got.checkpoints.at(-1)?.t ?? -1;
        s.checkpoints = got.checkpoints.concat(s.checkpoints.filter((x) => x.t > lastC));
        if (got.result) {
          // a finished run no longer grows: show its stored series as thinned by the engine
          s.samples = got.result.samples.length >= got.samples.length ? got.result.samples : got.samples;
        } else {
          const lastT = got.samples.at(-1)?.t ?? -1;
          const newer = live.values().filter((x) => x.t > lastT);
          live = liveSeries();
          for (const x of got.samples) live.push(x);
          for (const x of newer) live.push(x);
          s.samples = live.values();
        }
        liveDirty = false;
        setLoading(false);
        bump();
      } catch (e) {
        if (!alive) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      }
    };

    const apply = (e: ApiEvent) => {
      const s = ref.current;
      switch (e.type) {
        case 'sample': {
          const last = live.last;
          if (last && e.sample.t <= last.t) break;
          live.push(e.sample);
          liveDirty = true;
          break;
        }
        case 'checkpoint':
          if (s.checkpoints.length && e.checkpoint.t <= s.checkpoints[s.checkpoints.length - 1].t) break;
          s.checkpoints.push(e.checkpoint);
          break;
        case 'phase':
          if (e.phase === 'snapshot' && s.phase?.phase !== 'snapshot') {
            s.snapshotMarks.push({
              requests: s.load?.requests ?? s.samples.at(-1)?.requests ?? 0,
              label: `snapshot ${s.snapshotMarks.length + 1}`,
            });
          }
          s.phase = { phase: e.phase, progress: e.progress, message: e.message };
          break;
        case 'load':
          s.load = { requests: e.requests, errors: e.errors, rps: e.rps, latencyMs: e.latencyMs };
          break;
        case 'log':
          s.logs.push({ level: e.level, message: e.message });
          if (s.logs.length > 200) s.logs.splice(0, s.logs.length - 200);
          break;
        case 'done':
          s.status = e.status;
          void load();
          break;
      }
      bump();
    };

    const off = onEvent((e) => {
      if (e.id !== id) return;
      if (!fetched) pending.push(e);
      else apply(e);
    });
    void load().then(() => {
      fetched = true;
      for (const e of pending) apply(e);
    });
    return () => {
      alive = false;
      off();
      if (timer) clearTimeout(timer);
    };
  }, [id]);

  return { state: ref.current, error, loading };
}
