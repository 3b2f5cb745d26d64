// Suspects a person can act on (Python, gunicorn + Flask): the owning class first, the
// builtins it holds inside it, retained size = what its instances keep alive, paths written
// module › global › container[key] › Class, allocation sites naming their function, and
// clean servers (a bounded lru_cache, a plain Flask app) with no suspect at all.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';

const GUNICORN = '/usr/bin/gunicorn';

async function hunt(app: string, route: string): Promise<Result> {
  const out = path.join(tmpDir(), 'run');
  const r = await runCli([
    'run',
    '--spawn',
    `${GUNICORN} -w 2 -b 127.0.0.1:{port} --chdir ${PY_FIXTURES} ${app}`,
    '--url',
    `http://127.0.0.1:{port}${route}`,
    '--requests',
    '2400',
    '--out',
    out,
  ]);
  const file = path.join(out, 'result.json');
  if (!existsSync(file)) throw new Error(`no result.json; exit ${r.code}; stderr: ${r.stderr}`);
  return resultSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

function lineOf(text: string): number {
  const lines = readFileSync(path.join(PY_FIXTURES, 'owner_app.py'), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(text)) + 1;
}

const NOT_OURS = ['ctypes', 'leakhound_agent', 'sys', 'path_importer_cache'];

describe.skipIf(!existsSync(GUNICORN))('Python suspects are owners', () => {
  it('a module-level dict: SessionState first, its str/int/float inside it', async () => {
    const r = await hunt('owner_app:app', '/dict');
    expect(r.verdict.kind).toBe('leak');
    expect(r.suspects).toHaveLength(1);
    const s = r.suspects[0];
    expect(s.name).toBe('SessionState');
    expect(s.retainerPath).toEqual(['owner_app', 'SESSION_STATES', 'dict[<str>]', 'SessionState']);
    expect(s.heldBy).toMatch(/^owner_app › SESSION_STATES \(dict, \+\d+ entries\)$/);
    expect(s.holds?.map((h) => h.name)).toEqual(expect.arrayContaining(['str', 'float']));
    expect(s.allocatedAt?.[0]).toMatchObject({
      functionName: 'remember_session',
      line: lineOf("SESSION_STATES['sess-%d' % n] = SessionState"),
    });
    // what each SessionState keeps alive (its float, its unique key string…), not 56 B each
    expect(s.retainedSizeDelta).toBeGreaterThan(s.selfSizeDelta * 1.5);
    for (const bad of NOT_OURS) expect(s.retainerPath).not.toContain(bad);
  });

  it('a module-level list: AuditEvent retains its set and dict; they are not suspects of their own', async () => {
    const r = await hunt('owner_app:app', '/list');
    expect(r.suspects.map((s) => s.name)).toEqual(['AuditEvent']);
    const s = r.suspects[0];
    expect(s.retainerPath.slice(0, 2)).toEqual(['owner_app', 'AUDIT_LOG']);
    expect(s.retainerPath[2]).toMatch(/^list\[\d+\]$/);
    expect(s.holds?.map((h) => h.name)).toEqual(expect.arrayContaining(['set', 'dict']));
    // a set of three and a dict of three per event: several hundred bytes each
    expect(s.retainedSizeDelta / s.countDelta).toBeGreaterThan(400);
    expect(s.allocatedAt?.[0]).toMatchObject({
      functionName: 'list_leak',
      line: lineOf('AUDIT_LOG.append('),
    });
    expect(s.growth?.intervals).toHaveLength(2);
  });

  it('a class attribute list: held by Class.attribute', async () => {
    const r = await hunt('owner_app:app', '/classattr');
    const s = r.suspects[0];
    expect(s.name).toBe('Subscription');
    expect(s.retainerPath.slice(0, 2)).toEqual(['owner_app', 'Registry.subscriptions']);
    expect(s.allocatedAt?.[0]).toMatchObject({
      functionName: 'classattr_leak',
      line: lineOf('Registry.subscriptions.append('),
    });
    expect(r.suspects).toHaveLength(1);
  });

  it('clean: a bounded lru_cache and a plain Flask app show no suspects', async () => {
    const lru = await hunt('owner_app:app', '/lru');
    expect(lru.verdict.kind).toBe('no-leak');
    expect(lru.suspects).toEqual([]);
    const hello = await hunt('hello_app:app', '/');
    expect(hello.verdict.kind).toBe('no-leak');
    expect(hello.suspects).toEqual([]);
  });
});
