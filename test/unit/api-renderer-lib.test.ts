// The renderer's pure helpers (form → RunOptions, sample columns, markers, formatting):
// the rules the New-hunt form and the charts follow, run without a browser.
import { describe, expect, it } from 'vitest';
import { defaultForm, formToOptions, parseEndpoints, parseEnv } from '../../renderer/src/lib/form';
import { fmtBytes, fmtByteTicks, fmtDeltaBytes } from '../../renderer/src/lib/format';
import { alignRuns, memoryColumns, processMarkers, xForRequests } from '../../renderer/src/lib/series';
import { DEFAULTS, runOptionsSchema } from '../../shared/options';
import type { Sample } from '../../shared/result';

const sample = (t: number, requests: number, pids: number[]): Sample => ({
  t,
  requests,
  rssBytes: pids.length * 100,
  pssBytes: pids.length * 60,
  heapUsedBytes: 10 + requests,
  processes: pids.map((pid) => ({ pid, rssBytes: 100, pssBytes: 60 })),
});

describe('New-hunt form', () => {
  it('turns the default spawn form into valid RunOptions', () => {
    const o = formToOptions({ ...defaultForm, command: 'node server.js', env: 'A=1\n# c\nB=x=y' });
    expect(o).toMatchObject({
      spawn: 'node server.js',
      requests: DEFAULTS.requests,
      concurrency: 10,
      snapshots: 3,
    });
    expect(o.env).toEqual({ A: '1', B: 'x=y' });
    expect(runOptionsSchema.safeParse(o).success).toBe(true);
  });
  it('uses duration, rate and attach when chosen', () => {
    const o = formToOptions({
      ...defaultForm,
      mode: 'attach',
      attachPid: '4242',
      url: 'http://127.0.0.1:8000/',
      budget: 'duration',
      durationSec: '1.5',
      rate: '200',
      snapshots: '0',
    });
    expect(o).toMatchObject({ attach: 4242, durationMs: 1500, rate: 200, snapshots: 0 });
    expect(o.requests).toBeUndefined();
    expect(o.spawn).toBeUndefined();
  });
  it('says what is missing or wrong in one line', () => {
    expect(() => formToOptions(defaultForm)).toThrow(/enter the command that starts your server/);
    expect(() => formToOptions({ ...defaultForm, command: 'x', concurrency: 'many' })).toThrow(
      'concurrency must be a number, got "many"',
    );
    expect(() => formToOptions({ ...defaultForm, command: 'x', requests: '-5' })).toThrow(/^requests: /);
    expect(() => parseEnv('NOEQUALS')).toThrow('environment line 1 is not KEY=VALUE: "NOEQUALS"');
    expect(() => parseEndpoints('GET /a zero')).toThrow(/weight must be a positive number/);
  });
  it('reads endpoints as [METHOD] URL [weight]', () => {
    expect(parseEndpoints('POST http://h/a 3\nhttp://h/b\n\n# skip')).toEqual([
      { method: 'POST', url: 'http://h/a', weight: 3 },
      { method: 'GET', url: 'http://h/b', weight: 1 },
    ]);
  });
});

describe('chart columns', () => {
  const samples = [
    sample(0, 0, [1, 2]),
    sample(100, 10, [1, 2]),
    sample(200, 20, [1, 3]),
    sample(300, 30, [1, 3]),
  ];
  it('gives one line per process and the tree totals', () => {
    const c = memoryColumns(samples, 'requests');
    expect(Array.from(c.x)).toEqual([0, 10, 20, 30]);
    expect(c.perProcess.map((p) => p.pid)).toEqual([1, 2, 3]);
    expect(c.perProcess[1].values).toEqual([60, 60, null, null]);
    expect(c.perProcess[2].values).toEqual([null, null, 60, 60]);
    expect(c.pssTotal).toEqual([120, 120, 120, 120]);
    expect(memoryColumns(samples, 'time').x[3]).toBe(0.3);
  });
  it('marks worker restarts and exits', () => {
    expect(processMarkers(samples, 'requests')).toEqual([
      { x: 20, label: 'pid 3 started', kind: 'restart' },
      { x: 20, label: 'pid 2 exited', kind: 'exit' },
    ]);
  });
  it('places request-count markers on the time axis and aligns two runs', () => {
    expect(xForRequests(samples, 15, 'time')).toBe(0.2);
    const [xs, a, b] = alignRuns(samples.slice(0, 2), [sample(0, 5, [1])], (s) => s.requests);
    expect(xs).toEqual([0, 5, 10]);
    expect(a).toEqual([0, null, 10]);
    expect(b).toEqual([null, 5, null]);
  });
  it('handles 100k samples in one pass', () => {
    const many = Array.from({ length: 100_000 }, (_, i) => sample(i * 100, i * 3, [1, 2, 3, 4]));
    const c = memoryColumns(many, 'requests');
    expect(c.x.length).toBe(100_000);
    expect(c.perProcess.length).toBe(4);
  });
});

describe('formatting', () => {
  it('uses binary units with signs on deltas', () => {
    expect(fmtBytes(1536)).toBe('1.5 KiB');
    expect(fmtDeltaBytes(2 * 1024 * 1024)).toBe('+2.0 MiB');
    expect(fmtDeltaBytes(-512)).toBe('-512 B');
    expect(fmtBytes(null)).toBe('–');
  });
  it('gives axis ticks enough decimals to differ', () => {
    const M = 1024 * 1024;
    expect(fmtByteTicks([4 * M, 4.5 * M, 5 * M])).toEqual(['4.0 MiB', '4.5 MiB', '5.0 MiB']);
    expect(fmtByteTicks([0, 20 * M, 40 * M])).toEqual(['0 MiB', '20 MiB', '40 MiB']);
  });
});
