// Issue 16: leaks that gunicorn worker recycling hides. Real gunicorn (Debian), 2 workers
// recycled every 300 ± 50 requests, hunted end to end by the CLI; growth is fitted within each
// worker's life. The CLI runs from source (tsx), so that this test does not need dist/.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';

const GUNICORN = '/usr/bin/gunicorn';
const RECYCLE = '-w 2 --max-requests 300 --max-requests-jitter 50';

async function hunt(gunicornArgs: string, route: string, requests = 5000) {
  const out = path.join(tmpDir(), 'run');
  const r = await runCli(
    [
      'run',
      '--spawn',
      `${GUNICORN} -b 127.0.0.1:{port} --chdir ${PY_FIXTURES} ${gunicornArgs}`,
      '--url',
      `http://127.0.0.1:{port}${route}`,
      '--requests',
      String(requests),
      '--out',
      out,
    ],
    { source: true, timeoutMs: 290_000 },
  );
  const file = path.join(out, 'result.json');
  if (!existsSync(file)) throw new Error(`no result.json; exit ${r.code}; stderr: ${r.stderr}`);
  return { ...r, result: resultSchema.parse(JSON.parse(readFileSync(file, 'utf8'))) as Result };
}

const MASKED =
  /^LEAK masked by worker recycling: each worker grows ~[\d.]+ B\/request \(95% CI [\d.]+ … [\d.]+\) and is recycled every ~\d+ requests \(--max-requests 300 ± 50\), so RSS saw-tooths between [\d.]+ and [\d.]+ MB; without recycling it would grow \d+ MB per million requests/;

describe.skipIf(!existsSync(GUNICORN))('leaks that worker recycling hides (gunicorn --max-requests)', () => {
  it('Flask, sync workers: the module-level list is a LEAK masked by recycling, AuditRecord named', async () => {
    const { result: r, stdout } = await hunt(`${RECYCLE} leaky_flask:app`, '/audit');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.verdict.reason).toMatch(MASKED);
    // one AuditRecord (~360-390 B with its dict and strings) per request, within each life
    expect(r.verdict.bytesPerRequest).toBeGreaterThan(250);
    expect(r.verdict.bytesPerRequest).toBeLessThan(600);
    expect(r.verdict.ci95[0]).toBeGreaterThan(0);
    expect(r.verdict.lifetimes?.endedLifetimes).toBeGreaterThanOrEqual(8);
    expect(r.verdict.lifetimes?.lifetimesFitted).toBeGreaterThanOrEqual(8);
    expect(r.suspects[0]?.name).toMatch(/AuditRecord$/);
    expect(r.suspects[0]?.countPerRequest).toBeGreaterThan(0.85);
    expect(r.suspects[0]?.countPerRequest).toBeLessThan(1.15);
    expect(r.verdict.reason).toMatch(/top suspect.*AuditRecord/);
    expect(stdout).toContain('verdict: LEAK');
  }, 300_000);

  it('the same app, clean route, same recycling: NO LEAK with an interval narrower than 500 B/request', async () => {
    const { result: r } = await hunt(`${RECYCLE} leaky_flask:app`, '/');
    expect(r.verdict.kind, r.verdict.reason).toBe('no-leak');
    expect(r.verdict.reason).toMatch(/^No leak within worker lives/);
    const [lo, hi] = r.verdict.ci95;
    expect(hi - lo).toBeLessThan(500);
    expect(hi).toBeLessThan(64);
    expect(r.verdict.reason).not.toMatch(/within noise/);
    expect(r.verdict.lifetimes?.endedLifetimes).toBeGreaterThanOrEqual(8);
  }, 300_000);

  it('uvicorn workers under gunicorn with recycling: LEAK masked by recycling, Event named', async () => {
    const { result: r } = await hunt(`${RECYCLE} -k uvicorn.workers.UvicornWorker asgi_app:app`, '/leak');
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.verdict.reason).toMatch(MASKED);
    expect(r.verdict.ci95[0]).toBeGreaterThan(0);
    expect(r.suspects[0]?.name).toMatch(/Event$/);
  }, 300_000);
});
