// Suspects a person can act on (Node): each fixture server's leak hunted through the real
// CLI; the suspect is named by its owner (a class, a closure by its source, a collection by
// its holder), its allocation site is the line that made it, and its retainer path starts at
// the variable that owns it, not at a timer or an in-flight request.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema, type Suspect } from '../../shared/result';
import { NODE_FIXTURES, nodeHuntArgs, runCli, tmpDir } from '../helpers/cli';

async function hunt(fixture: string): Promise<{ r: Result; stdout: string }> {
  const out = path.join(tmpDir(), 'run');
  const h = await runCli(nodeHuntArgs(fixture, out, ['--requests', '3000']));
  expect(h.stderr).toBe('');
  const r = resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));
  return { r, stdout: h.stdout };
}

/** The source line (1-based) holding `text` in a fixture. */
function lineOf(fixture: string, text: string): number {
  const lines = readFileSync(path.join(NODE_FIXTURES, fixture), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${fixture}`);
  return i + 1;
}

const INCIDENTAL = ['timerListMap', '_idleNext', 'request'];

function expectModuleOwned(s: Suspect, variable: string) {
  expect(s.retainerPath).toContain(variable);
  for (const p of s.retainerPaths ?? []) for (const bad of INCIDENTAL) expect(p.path).not.toContain(bad);
  for (const bad of INCIDENTAL) expect(s.retainerPath).not.toContain(bad);
  // the holder's own name first: the module, then its variable
  expect(s.retainerPath[0]).toMatch(/\.js \(module\)$/);
}

describe('Node suspects are owners', () => {
  it('closures on an emitter: the closure by its source, capturing the class', async () => {
    const { r, stdout } = await hunt('owner-emitter.js');
    expect(r.verdict.kind).toBe('leak');
    const s = r.suspects[0];
    const line = lineOf('owner-emitter.js', "bus.on('config-changed'");
    expect(s.kind).toBe('closure');
    expect(s.name).toBe(`(closure) bus.on('config-changed') handler at owner-emitter.js:${line}:28`);
    expect(s.captures).toEqual(['w: RequestWatcher']);
    expect(s.holds?.map((h) => h.name)).toContain('RequestWatcher');
    expect(s.allocatedAt?.[0]).toMatchObject({ line, column: 28 });
    expect(s.heldBy).toBe("owner-emitter.js › bus › 'config-changed' listeners (+3000)");
    expectModuleOwned(s, 'bus');
    // RequestWatcher is inside the suspect, not a second one; the CLI names it too
    expect(r.suspects.map((x) => x.name)).not.toContain('RequestWatcher');
    expect(stdout).toContain('captures w: RequestWatcher');
    expect(s.growth?.intervals).toHaveLength(2);
    for (const iv of s.growth?.intervals ?? []) expect(iv.perRequest).toBeGreaterThan(0.8);
  });

  it('a setInterval closure capturing a big object: the callback, held by the timer list', async () => {
    const { r } = await hunt('owner-interval.js');
    const s = r.suspects[0];
    const line = lineOf('owner-interval.js', 'setInterval(');
    expect(s.kind).toBe('closure');
    expect(s.name).toMatch(
      new RegExp(`^\\(closure\\) setInterval callback at owner-interval\\.js:${line}:\\d+$`),
    );
    expect(s.captures).toEqual(['report: ReportBuffer']);
    expect(s.allocatedAt?.[0].line).toBe(line);
    // 256-entry arrays per buffer: what it keeps alive, not its own 56 bytes
    expect(s.retainedSizeDelta / 3000).toBeGreaterThan(1000);
    expect(r.suspects.map((x) => x.name)).not.toContain('Timeout');
    // held by Node's timers, honestly: the path may go through them, as one counted step
    expect(s.retainerPath.join(' ')).toContain('_onTimeout');
    expect(s.retainerPath.length).toBeLessThan(12);
  });

  it('a Map owned by a class instance: the class, held by class + property', async () => {
    const { r } = await hunt('owner-class-map.js');
    const s = r.suspects[0];
    expect(s.name).toBe('SessionState');
    expect(s.heldBy).toBe('owner-class-map.js › store › SessionStore.sessions (Map, +3000 entries)');
    expect(s.allocatedAt?.[0]).toMatchObject({
      functionName: 'add',
      line: lineOf('owner-class-map.js', 'this.sessions.set(id, new SessionState'),
    });
    expectModuleOwned(s, 'store');
    expect(s.retainerPath).toContain('sessions');
    // the Map's keys grew with it: inside this suspect, not one of their own
    expect(r.suspects).toHaveLength(1);
  });

  it('an Array of strings at module scope: the collection by its holder', async () => {
    const { r } = await hunt('owner-module-array.js');
    const s = r.suspects[0];
    expect(s.kind).toBe('collection');
    expect(s.name).toBe('recentPaths: Array +3000 entries');
    expect(s.heldBy).toBe('owner-module-array.js › recentPaths (Array, +3000 entries)');
    expect(s.allocatedAt).toBeUndefined();
    expect(s.siteNote).toMatch(/cannot tell/);
    expectModuleOwned(s, 'recentPaths');
    expect(r.suspects.map((x) => x.name).filter((n) => n.includes('string'))).toEqual([]);
  });

  it('Express-style middleware pushing request-derived objects: the module array holding them', async () => {
    const { r } = await hunt('owner-middleware.js');
    const s = r.suspects[0];
    expect(s.name).toBe('requestLog: Array +3000 entries');
    expect(s.holds?.[0].name).toBe('{path, agent}');
    expectModuleOwned(s, 'requestLog');
    expect(s.siteNote).toMatch(/cannot tell/);
  });

  it('the demo: the class, held by the module variable, not by a keep-alive timer', async () => {
    const { r } = await hunt('demo-orders.js');
    const s = r.suspects[0];
    expect(s.name).toBe('OrderAuditEntry');
    expect(s.heldBy).toBe('demo-orders.js › auditLog (Array, +3000 entries)');
    expect(s.allocatedAt?.[0].line).toBe(lineOf('demo-orders.js', 'new OrderAuditEntry'));
    expectModuleOwned(s, 'auditLog');
  });

  it('clean servers show no suspects', async () => {
    for (const f of ['bounded-lru.js', 'churn.js']) {
      const { r, stdout } = await hunt(f);
      expect(r.verdict.kind, f).toBe('no-leak');
      expect(r.suspects, f).toEqual([]);
      expect(stdout).toContain('suspects: none');
    }
  });
});
