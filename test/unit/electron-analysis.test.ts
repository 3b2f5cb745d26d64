// Opening .heapsnapshot files in the desktop app: real snapshots written by a real Node
// process, analysed in a separate process (child_process here; utilityProcess inside
// Electron, same entry and protocol), the run then read back through the real ApiHandler.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandler } from '../../electron/engine/api/handler';
import { buildAnalyzeResult, snapshotFileName } from '../../electron/engine/snapshots-result';
import { listRuns, readMeta } from '../../electron/engine/store';
import { runAnalysis } from '../../electron/main/analysis-host';
import { analyzeSnapshotFiles, checkSnapshotFiles } from '../../electron/main/open-snapshots';
import type { ApiEvent } from '../../shared/api';
import { resultSchema } from '../../shared/result';

const SECRET = 'sk_live_DESKTOP_FAKE_SECRET_4242';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-analysis-'));
const snaps = [1, 2, 3].map((i) => path.join(tmp, `s${i}.heapsnapshot`));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  // One process, three snapshots, 1500 leaked DesktopAuditEntry objects between each.
  const script = `
    const v8 = require('v8');
    class DesktopAuditEntry { constructor(i) { this.i = i; this.token = ${JSON.stringify(SECRET)} + i; this.at = Date.now(); } }
    const audit = [];
    const files = ${JSON.stringify(snaps)};
    for (let s = 0; s < 3; s++) {
      if (s > 0) for (let i = 0; i < 1500; i++) audit.push(new DesktopAuditEntry(audit.length));
      globalThis.gc && gc();
      v8.writeHeapSnapshot(files[s]);
      const t = Date.now() + 20; while (Date.now() < t) {}
    }`;
  execFileSync(process.execPath, ['--expose-gc', '-e', script]);
  // Distinct mtimes, in order, whatever the file system's resolution.
  for (const [i, f] of snaps.entries()) fs.utimesSync(f, 1_700_000_000 + i * 10, 1_700_000_000 + i * 10);
}, 120_000);

describe('analysis in a separate process', () => {
  it('turns three snapshots into a run the handler serves, with the leak named and secrets redacted', async () => {
    const dataDir = path.join(tmp, 'data');
    const events: ApiEvent[] = [];
    let started = '';
    let childPid: number | undefined;
    // Given out of order: the app orders them by when they were taken.
    const out = await analyzeSnapshotFiles([snaps[2], snaps[0], snaps[1]], {
      dataDir,
      leakhoundVersion: '0.0.0-test',
      emit: (e) => events.push(e),
      onStarted: (id) => {
        started = id;
      },
      onAnalysisProcess: (pid) => {
        childPid = pid;
      },
      backend: 'fork',
    });
    expect(started).toBe(out.id);
    expect(childPid).toBeTypeOf('number');
    expect(childPid).not.toBe(process.pid);

    const text = fs.readFileSync(out.resultFile, 'utf8');
    const result = resultSchema.parse(JSON.parse(text));
    expect(result.verdict.kind, result.verdict.reason).toBe('leak');
    expect(result.suspects[0]?.name).toMatch(/DesktopAuditEntry/);
    expect(result.suspects[0]?.countDelta).toBeGreaterThanOrEqual(1400);
    expect(result.snapshots.map((s) => s.file)).toEqual([
      'snapshot-1-baseline.heapsnapshot',
      'snapshot-2-middle.heapsnapshot',
      'snapshot-3-final.heapsnapshot',
    ]);
    expect(fs.realpathSync(path.join(out.dir, 'snapshot-1-baseline.heapsnapshot'))).toBe(
      fs.realpathSync(snaps[0]),
    );
    expect(text).not.toContain('sk_live_DESKTOP');
    expect(readMeta(out.dir)?.status).toBe('finished');

    expect(events.some((e) => e.type === 'phase' && e.phase === 'analysis' && e.id === out.id)).toBe(true);
    expect(events.at(-1)).toEqual({ type: 'done', id: out.id, status: 'finished' });

    expect(listRuns(dataDir).map((r) => [r.id, r.verdict])).toEqual([[out.id, 'leak']]);
    const api = createApiHandler({ dataDir });
    try {
      const run = (await api.call('runs.get', { id: out.id })) as {
        result: { suspects: { name: string }[] };
      };
      expect(run.result.suspects[0].name).toMatch(/DesktopAuditEntry/);
      const diff = (await api.call('analysis.diff', { id: out.id, from: 0, to: 2 })) as {
        rows: { name: string; countDelta: number }[];
      };
      expect(diff.rows.find((r) => r.name === 'DesktopAuditEntry')?.countDelta).toBe(3000);
    } finally {
      await api.dispose();
    }
  });

  it('reports a truncated snapshot in one line and marks the run failed', async () => {
    const dataDir = path.join(tmp, 'data-bad');
    const broken = path.join(tmp, 'broken.heapsnapshot');
    const full = fs.readFileSync(snaps[0]);
    fs.writeFileSync(broken, full.subarray(0, Math.floor(full.length / 2)));
    const events: ApiEvent[] = [];
    const err = await analyzeSnapshotFiles([broken], {
      dataDir,
      leakhoundVersion: 't',
      emit: (e) => events.push(e),
      backend: 'fork',
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/truncated/i);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).name).toBe('UserError');
    const [run] = listRuns(dataDir);
    expect(run.status).toBe('failed');
    expect(events.at(-1)).toEqual({ type: 'done', id: run.id, status: 'failed' });
  });

  it('refuses what is not 1–3 snapshot files before starting anything', () => {
    expect(() => checkSnapshotFiles([])).toThrow(/open 1 to 3 \.heapsnapshot files/);
    expect(() => checkSnapshotFiles([...snaps, snaps[0]])).toThrow(/not 4/);
    expect(() => checkSnapshotFiles([path.join(tmp, 'nope.heapsnapshot')])).toThrow(/does not exist/);
    expect(() => checkSnapshotFiles(['/etc/hostname'])).toThrow(/not a \.heapsnapshot file/);
  });

  it('kills the analysis process when cancelled', async () => {
    const outDir = path.join(tmp, 'cancel');
    fs.mkdirSync(outDir);
    const ac = new AbortController();
    let pid: number | undefined;
    const p = runAnalysis(
      { runId: 'c', files: snaps, outDir, leakhoundVersion: 't', revealStrings: false },
      { backend: 'fork', signal: ac.signal, onStart: (x) => (pid = x) },
    );
    ac.abort();
    await expect(p).rejects.toThrow(/cancelled/);
    expect(pid).toBeTypeOf('number');
    await expect
      .poll(() => {
        try {
          process.kill(pid!, 0);
          return 'alive';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
  });
});

describe('result of an analysis without a hunt', () => {
  const base = {
    id: 'analyze-x',
    startedAt: '2026-11-25T16:00:00.000Z',
    endedAt: '2026-11-25T16:00:05.000Z',
    leakhoundVersion: 't',
    host: { hostname: 'h', platform: 'linux', cpus: 2, totalMemBytes: 1 },
    revealStrings: false,
    warnings: [],
  };
  const suspect = {
    name: 'Leaky',
    countDelta: 10,
    countPerRequest: 0,
    selfSizeDelta: 100,
    retainedSizeDelta: 200,
    retainerPath: ['(GC roots)', 'Leaky'],
  };

  it('gives a verdict only three snapshots can support', () => {
    const files = ['/a', '/b', '/c'];
    const three = (suspects: (typeof suspect)[]) =>
      buildAnalyzeResult({ ...base, files, refs: files, sizes: [1, 2, 3], suspects }).verdict;
    expect(three([suspect]).kind).toBe('leak');
    expect(three([]).kind).toBe('no-leak');
    const two = buildAnalyzeResult({
      ...base,
      files: ['/a', '/b'],
      refs: ['/a', '/b'],
      sizes: [1, 2],
      suspects: [suspect],
    });
    expect(two.verdict.kind).toBe('inconclusive');
    expect(two.snapshots.map((s) => s.label)).toEqual(['baseline', 'final']);
    const one = buildAnalyzeResult({ ...base, files: ['/a'], refs: ['/a'], sizes: [1], suspects: [] });
    expect(one.verdict.kind).toBe('inconclusive');
    expect(one.verdict.basis).toBe('none');
    expect(one.load).toBeNull();
  });

  it('names linked snapshots like a hunt does', () => {
    expect([0, 1, 2].map((i) => snapshotFileName(i, 3))).toEqual([
      'snapshot-1-baseline.heapsnapshot',
      'snapshot-2-middle.heapsnapshot',
      'snapshot-3-final.heapsnapshot',
    ]);
    expect([0, 1].map((i) => snapshotFileName(i, 2))).toEqual([
      'snapshot-1-baseline.heapsnapshot',
      'snapshot-3-final.heapsnapshot',
    ]);
  });
});
