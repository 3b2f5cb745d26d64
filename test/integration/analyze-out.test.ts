// `leakhound analyze --out DIR`: snapshots taken elsewhere (three, by a real Node process whose
// LeakyRecord list grows between them) become a run folder with the same result.json the
// desktop's "open snapshots" writes, which `leakhound report DIR` renders.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultSchema } from '../../shared/result';
import { runCli, tmpDir } from '../helpers/cli';

function takeSnapshots(dir: string): string[] {
  const script = `
    const v8 = require('node:v8'); const path = require('node:path');
    class LeakyRecord { constructor(i) { this.i = i; this.body = 'x'.repeat(64) + i; } }
    const kept = [];
    const files = [];
    for (let s = 1; s <= 3; s++) {
      for (let i = 0; i < 2000; i++) kept.push(new LeakyRecord(kept.length));
      files.push(v8.writeHeapSnapshot(path.join(${JSON.stringify(dir)}, 's' + s + '.heapsnapshot')));
    }
    console.log(JSON.stringify(files));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

describe('leakhound analyze --out', () => {
  it('makes a run folder with result.json, the snapshots linked in, and report renders it', async () => {
    const dir = tmpDir();
    const files = takeSnapshots(dir);
    const out = path.join(dir, 'run');
    const r = await runCli(['analyze', ...files, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^LeakyRecord: \+4000 objects/m);
    const res = resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));
    expect(res.id).toBe('run');
    expect(res.suspects[0].name).toBe('LeakyRecord');
    expect(res.verdict.kind).toBe('leak');
    expect(res.snapshots.map((s) => s.file)).toEqual([
      'snapshot-1-baseline.heapsnapshot',
      'snapshot-2-middle.heapsnapshot',
      'snapshot-3-final.heapsnapshot',
    ]);
    for (const [i, s] of res.snapshots.entries())
      expect(realpathSync(path.join(out, s.file))).toBe(realpathSync(files[i]));
    const rep = await runCli(['report', out]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    expect(readFileSync(path.join(out, 'report.html'), 'utf8')).toContain('LeakyRecord');
    // again into the same folder: the links are already there
    const again = await runCli(['analyze', ...files, '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(
      resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8'))).warnings,
    ).toEqual([]);
  });
});
