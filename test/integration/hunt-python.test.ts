// Python servers hunted through the real CLI: gunicorn (sync, gthread, uvicorn workers),
// Flask and Django, leaky and clean, with a worker restart in the middle of one run.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';

const GUNICORN = '/usr/bin/gunicorn';

async function hunt(gunicornArgs: string, route: string, requests = 2400) {
  const out = path.join(tmpDir(), 'run');
  const r = await runCli([
    'run',
    '--spawn',
    `${GUNICORN} -b 127.0.0.1:{port} --chdir ${PY_FIXTURES} ${gunicornArgs}`,
    '--url',
    `http://127.0.0.1:{port}${route}`,
    '--requests',
    String(requests),
    '--out',
    out,
  ]);
  const file = path.join(out, 'result.json');
  if (!existsSync(file)) throw new Error(`no result.json; exit ${r.code}; stderr: ${r.stderr}`);
  return { ...r, out, result: resultSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as Result };
}

const top = (r: Result) => r.suspects[0];

describe.skipIf(!existsSync(GUNICORN))('Python targets (Debian gunicorn, flask, uvicorn, django)', () => {
  it('Flask, 2 sync workers: a module-level list of AuditRecord', async () => {
    const { result: r, stdout } = await hunt('-w 2 leaky_flask:app', '/audit');
    expect(r.target.runtime).toBe('python');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(top(r).name).toMatch(/AuditRecord$/);
    // Summed over both workers, one record per request.
    expect(top(r).countPerRequest).toBeGreaterThan(0.85);
    expect(top(r).countPerRequest).toBeLessThan(1.15);
    expect(top(r).retainerPath.join(' → ')).toContain('records');
    expect(top(r).perProcess?.length).toBe(2);
    expect(r.target.processes?.length).toBeGreaterThanOrEqual(3);
    expect(stdout).toContain('verdict: LEAK');
  });

  it('Flask, gthread workers: an unbounded dict cache of untracked dicts', async () => {
    const { result: r } = await hunt('-w 2 -k gthread --threads 4 leaky_flask:app', '/session');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.suspects.slice(0, 3).some((s) => /dict/.test(s.name))).toBe(true);
  });

  it('Flask: lru_cache(maxsize=None) keyed per request', async () => {
    const { result: r } = await hunt('-w 2 leaky_flask:app', '/quote');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.suspects.slice(0, 3).some((s) => /Quote$/.test(s.name))).toBe(true);
  });

  it('Flask: a bounded lru_cache is no leak', async () => {
    const { result: r } = await hunt('-w 2 leaky_flask:app', '/bounded');
    expect(r.verdict.kind, r.verdict.reason).toBe('no-leak');
  });

  it('Flask: a cache that plateaus is no leak', async () => {
    const { result: r } = await hunt('-w 2 leaky_flask:app', '/plateau');
    expect(r.verdict.kind, r.verdict.reason).toBe('no-leak');
  });

  it('a worker restart mid-run (max-requests) is followed, not mistaken for a leak', async () => {
    const { result: r } = await hunt(
      '-w 2 --max-requests 700 --max-requests-jitter 1 leaky_flask:app',
      '/',
      3000,
    );
    expect(r.verdict.kind, r.verdict.reason).not.toBe('leak');
    expect(r.target.restarts ?? 0).toBeGreaterThan(0);
    expect(r.target.processes?.filter((p) => p.exited).length).toBeGreaterThan(0);
  });

  it('plain ASGI under uvicorn workers: a module-level list of Event', async () => {
    const { result: r } = await hunt('-w 2 -k uvicorn.workers.UvicornWorker asgi_app:app', '/leak');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(top(r).name).toMatch(/Event$/);
  });

  it('Django: a per-request Order cached forever', async () => {
    const { result: r } = await hunt('-w 2 django_app:application', '/leak');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.suspects.slice(0, 3).some((s) => /Order$/.test(s.name))).toBe(true);
  });
});
