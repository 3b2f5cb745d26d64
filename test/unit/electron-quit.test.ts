// Graceful quit with the real engine: a real hunt against a real leaky server is stopped
// by the quit path, and its folder is complete (result.json) when the wait returns.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../electron/engine/api/handler';
import { stopRunningHunts } from '../../electron/main/quit';
import { resultSchema } from '../../shared/result';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-quit-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('quit during a hunt', () => {
  it('stops the running hunt and returns only once its result.json is on disk', async () => {
    const api = createApiHandler({ dataDir });
    try {
      expect(await stopRunningHunts(api, { timeoutMs: 1000 })).toEqual({ stopped: [], timedOut: [] });
      const fixture = path.join(__dirname, '../fixtures/node/leaky-array.js');
      const { id } = (await api.call('runs.start', {
        spawn: `node ${fixture}`,
        url: 'http://127.0.0.1:{port}/',
        durationMs: 120_000,
        concurrency: 4,
        rate: 300,
      })) as { id: string };
      const runDir = path.join(dataDir, 'runs', id);
      // Wait until load is flowing (bounded), then quit.
      const until = Date.now() + 60_000;
      let loaded = false;
      const off = api.onEvent((e) => {
        if (e.type === 'load' && e.id === id && e.requests > 200) loaded = true;
      });
      while (!loaded && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      off();
      expect(loaded).toBe(true);
      expect(fs.existsSync(path.join(runDir, 'result.json'))).toBe(false);

      const t0 = Date.now();
      const logs: string[] = [];
      const r = await stopRunningHunts(api, { timeoutMs: 90_000, log: (m) => logs.push(m) });
      const waited = Date.now() - t0;
      expect(r).toEqual({ stopped: [id], timedOut: [] });
      const result = resultSchema.parse(
        JSON.parse(fs.readFileSync(path.join(runDir, 'result.json'), 'utf8')),
      );
      expect(result.status).toBe('finished');
      expect(result.load?.requests).toBeGreaterThan(200);
      // Stopped early, not after the 120 s budget.
      expect(result.load!.durationMs).toBeLessThan(100_000);
      console.log(
        `[quit] stop → result.json on disk in ${waited} ms (${result.load?.requests} requests, verdict ${result.verdict.kind})`,
      );
    } finally {
      await api.dispose();
    }
  });
});
