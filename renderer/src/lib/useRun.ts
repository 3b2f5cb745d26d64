// Live state of one run: the stored folder (runs.get) merged with the event stream.
// Samples arrive at 5–10 Hz and a run can hold 100k of them, so arrays are appended in
// place and React is told at most four times a second.
import { useEffect, useRef, useState } from 'react';
import type { ApiEvent, ApiResult } from '../../../shared/api';
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
    let timer: ReturnType<typeof setTimeout> | null = null;
    const bump = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
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
        const lastT = got.samples.at(-1)?.t ?? -1;
        s.samples = got.samples.concat(s.samples.filter((x) => x.t > lastT));
        const lastC = got.checkpoints.at(-1)?.t ?? -1;
        s.checkpoints = got.checkpoints.concat(s.checkpoints.filter((x) => x.t > lastC));
        if (got.result)
          s.samples = got.result.samples.length >= s.samples.length ? got.result.samples : s.samples;
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
        case 'sample':
          if (s.samples.length && e.sample.t <= s.samples[s.samples.length - 1].t) break;
          s.samples.push(e.sample);
          break;
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
