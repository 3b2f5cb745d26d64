// Where analysis caches go: beside a snapshot inside a run folder, else in the user's cache
// folder (never beside a file the user keeps elsewhere), capped by size, oldest first.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cachePath, capCacheDir, userCacheDir } from '../../electron/engine/heap/cache';
import { tmpDir } from '../helpers/cli';

describe('analysis cache placement', () => {
  it('stays inside a run folder, and goes to the cache folder for snapshots kept elsewhere', () => {
    const run = tmpDir('lh-run-');
    fs.writeFileSync(path.join(run, 'run.json'), '{}');
    expect(cachePath(path.join(run, 's1.heapsnapshot'))).toBe(path.join(run, 's1.heapsnapshot.lhidx'));
    const mine = tmpDir('lh-mine-');
    const p = cachePath(path.join(mine, 'prod.heapsnapshot'));
    expect(path.dirname(p)).toBe(userCacheDir());
    expect(path.basename(p)).toMatch(/^prod\.heapsnapshot-[0-9a-f]{12}\.lhidx$/);
    // two files of the same name in different folders do not share a cache
    expect(cachePath(path.join(tmpDir('lh-other-'), 'prod.heapsnapshot'))).not.toBe(p);
  });

  it('reads the folder from LEAKHOUND_CACHE_DIR, then XDG_CACHE_HOME', () => {
    expect(userCacheDir({ LEAKHOUND_CACHE_DIR: '/c' })).toBe('/c/heap');
    expect(userCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/leakhound/heap');
  });

  it('removes the oldest caches beyond the cap, never the one just written', () => {
    const dir = tmpDir('lh-cap-');
    const t = Date.now() / 1000;
    for (const [name, age] of [
      ['a.lhidx', 300],
      ['b.lhidx', 200],
      ['c.lhidx', 100],
      ['keep.lhidx', 400],
    ] as const) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, Buffer.alloc(1000));
      fs.utimesSync(f, t - age, t - age);
    }
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a cache');
    const removed = capCacheDir(dir, path.join(dir, 'keep.lhidx'), 2500).map((f) => path.basename(f));
    expect(removed).toEqual(['a.lhidx', 'b.lhidx']);
    expect(fs.readdirSync(dir).sort()).toEqual(['c.lhidx', 'keep.lhidx', 'notes.txt']);
  });
});
