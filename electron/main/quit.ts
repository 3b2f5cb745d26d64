// Graceful quit: a hunt cut off mid-run leaves a folder without result.json. Stop each
// running hunt (load ends, the final snapshot and analysis still run) and wait for its
// `done` event, which the engine emits after result.json is on disk.
import type { RunSummary } from '../../shared/api';
import type { EngineApi } from './engine-api';

export async function stopRunningHunts(
  api: EngineApi,
  opts: { timeoutMs: number; log?: (m: string) => void },
): Promise<{ stopped: string[]; timedOut: string[] }> {
  const log = opts.log ?? (() => {});
  const runs = (await api.call('runs.list', {})) as RunSummary[];
  const running = runs.filter((r) => r.status === 'running').map((r) => r.id);
  const pending = new Set<string>();
  const stopped: string[] = [];
  let wake: () => void = () => {};
  const allDone = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const off = api.onEvent((e) => {
    if (e.type === 'done' && pending.delete(e.id) && pending.size === 0) wake();
  });
  try {
    for (const id of running) {
      pending.add(id);
      try {
        const r = (await api.call('runs.stop', { id })) as { ok?: boolean } | undefined;
        if (r?.ok === false) {
          // Not ours: a CLI run writing into the same data folder finishes on its own.
          pending.delete(id);
          continue;
        }
        stopped.push(id);
        log(`stopping hunt ${id} before quitting`);
      } catch (e) {
        // Already finished, or gone.
        pending.delete(id);
        log(`could not stop ${id}: ${(e as Error).message}`);
      }
    }
    if (pending.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        allDone,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, opts.timeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
  } finally {
    off();
  }
  return { stopped, timedOut: [...pending] };
}
