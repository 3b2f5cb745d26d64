// The agent's retained-size approximation (_owned_bytes: referents nothing else refers to,
// by refcount) measured against the exact figure: what freeing the objects really frees.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const PY = '/usr/bin/python3';
const ROOT = path.resolve(__dirname, '../..');

/** Run a fixture script against the agent's source folder; its JSON answer. */
function runCheck<T>(script: string): T {
  const r = spawnSync(PY, [
    path.join(ROOT, 'test/fixtures/python', script),
    path.join(ROOT, 'electron/engine/python/agent'),
  ]);
  expect(r.status, r.stderr.toString()).toBe(0);
  return JSON.parse(r.stdout.toString()) as T;
}

describe.skipIf(!existsSync(PY))('Python owned bytes', () => {
  it('is within 2% of what freeing the objects frees, shared objects left out', () => {
    const { approx, exact } = runCheck<{ approx: number; exact: number }>('owned_bytes_check.py');
    // each event holds an int, a set, a dict (with a tuple) and a list of lists: ~1.2 KB
    expect(exact).toBeGreaterThan(800);
    expect(Math.abs(approx - exact) / exact).toBeLessThan(0.02);
  });

  it("is the same right after a census (the census's object list leaves no reference behind)", () => {
    const { census, direct } = runCheck<{ census: number; direct: number }>('owned_after_census.py');
    // an int, a set and a dict of its own: far above the 56 B shell alone
    expect(direct).toBeGreaterThan(400);
    expect(Math.abs(census - direct) / direct).toBeLessThan(0.05);
  });
});
