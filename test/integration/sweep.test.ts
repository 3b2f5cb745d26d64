// `leakhound sweep` over a real gunicorn + Flask fixture, and the other ways to drive load:
// an external load command, and a scenario with weighted endpoints.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { nodeHuntArgs, PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';

interface SweepFile {
  rows: Array<{
    id: string;
    params: Record<string, string>;
    status: string;
    pssTotalBytes: number;
    verdict: string;
  }>;
  best: { id: string } | null;
}

describe('sweep', () => {
  it('a 2 × 2 grid of gunicorn workers × threads: a table whose PSS grows with workers, and it resumes', async () => {
    const out = path.join(tmpDir(), 'sweep');
    const args = [
      'sweep',
      '--spawn',
      `/usr/bin/gunicorn -w {workers} --threads {threads} -k gthread -b 127.0.0.1:{port} --chdir ${PY_FIXTURES} leaky_flask:app`,
      '--grid',
      'workers=1,3',
      '--grid',
      'threads=1,2',
      '--url',
      'http://127.0.0.1:{port}/bounded',
      '--requests',
      '900',
      '--out',
      out,
    ];
    const r = await runCli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/workers\s+threads\s+rps\s+p50 ms\s+p90 ms/);
    const sweep = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8')) as SweepFile;
    expect(sweep.rows).toHaveLength(4);
    for (const row of sweep.rows) expect(row.status).toBe('finished');
    const pss = (w: string, t: string) =>
      sweep.rows.find((x) => x.params.workers === w && x.params.threads === t)?.pssTotalBytes ?? 0;
    // Three workers hold more memory in total than one, whatever the threads.
    expect(pss('3', '1')).toBeGreaterThan(pss('1', '1') * 1.3);
    expect(pss('3', '2')).toBeGreaterThan(pss('1', '2') * 1.3);
    expect(sweep.best).not.toBeNull();

    // Interrupted half-way: one hunt's folder removed; the same command runs only that one.
    rmSync(path.join(out, sweep.rows[2].id), { recursive: true });
    const again = await runCli(args);
    expect(again.code).toBe(0);
    expect(again.stdout.match(/already done, kept/g)).toHaveLength(3);
  });

  it('a bad grid gets one clear line', async () => {
    const r = await runCli([
      'sweep',
      '--spawn',
      'gunicorn -w {workers} app:app',
      '--grid',
      'threads=1,2',
      '--url',
      'http://127.0.0.1:{port}/',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'leakhound: --spawn has no {threads} for --grid threads: put {threads} where its value goes',
    );
  });
});

describe('other load sources', () => {
  it('an external load command (wrk) drives the hunt; memory is plotted against time', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await runCli(
      nodeHuntArgs('leaky-array.js', out, [
        '--load-command',
        'wrk -t1 -c4 -d30s http://127.0.0.1:{port}/',
        '--duration',
        '8s',
      ]),
    );
    expect(r.code).toBe(0);
    const res = resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'))) as Result;
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.verdict.unit).toBe('second');
    expect(res.suspects.map((s) => s.name)).toContain('OrderAuditEntry');
    expect(readFileSync(path.join(out, 'load-command.log'), 'utf8')).toContain('Requests/sec');
  });

  it('a scenario with two weighted endpoints: served counts follow the weights', async () => {
    const dir = tmpDir();
    const scenario = path.join(dir, 'scenario.yaml');
    writeFileSync(
      scenario,
      [
        'baseUrl: http://127.0.0.1:{port}',
        'endpoints:',
        '  - path: /orders/{{counter}}',
        '    weight: 3',
        '  - path: /health',
        '    method: GET',
        '    weight: 1',
        '',
      ].join('\n'),
    );
    const out = path.join(dir, 'run');
    const r = await runCli(
      nodeHuntArgs('path-counter.js', out, [
        '--scenario',
        scenario,
        '--requests',
        '2000',
        '--snapshots',
        '0',
      ]),
    );
    expect(r.code).toBe(0);
    const log = readFileSync(path.join(out, 'target.log'), 'utf8');
    const counts = JSON.parse(
      log
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop() as string,
    ) as Record<string, number>;
    const orders = counts.orders ?? 0;
    const health = counts.health ?? 0;
    expect(orders + health).toBeGreaterThan(2000);
    expect(orders / (orders + health)).toBeGreaterThan(0.7);
    expect(orders / (orders + health)).toBeLessThan(0.8);
  });
});
