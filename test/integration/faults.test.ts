// Faults with real processes: a target that hangs, leakhound killed mid-run, a full disk,
// a target flooding stderr. Each asserts the exit code, the message and what stayed on disk.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive } from '../../electron/engine/proc/procfs';
import { type Result, resultSchema } from '../../shared/result';
import { CLI, NODE_FIXTURES, nodeHuntArgs, ROOT, runCli, tmpDir } from '../helpers/cli';

const readResult = (dir: string): Result =>
  resultSchema.parse(JSON.parse(readFileSync(path.join(dir, 'result.json'), 'utf8')));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('target faults', () => {
  it('a target that stops answering: the hunt ends with a clear message, exit 4, target stopped', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await runCli(
      nodeHuntArgs('hang-after.js', out, ['--requests', '3000', '--request-timeout', '1s']),
      { env: { HANG_AFTER: '1200' } },
    );
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toMatch(
      /^leakhound: the target stopped answering after \d+ requests \(no response for 15 s\)/,
    );
    const res = readResult(out);
    expect(res.status).toBe('failed');
    expect(res.errorKind).toBe('target-hung');
    expect(res.load?.errorsByKind.timeout).toBeGreaterThan(0);
    expect(res.verdict.kind, res.verdict.reason).toBe('inconclusive');
    expect(res.target.pid && isAlive(res.target.pid)).toBe(false);
  });

  it('a target flooding stderr: bounded memory and log, hunt finishes', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await runCli(nodeHuntArgs('stderr-flood.js', out, ['--requests', '6000', '--snapshots', '0']));
    expect(r.code).toBe(0);
    // ~14 MB of stderr was written; the copy on disk stops at 8 MB.
    expect(statSync(path.join(out, 'target.log')).size).toBeLessThan(8.5 * 1024 * 1024);
    expect(readFileSync(path.join(out, 'target.log'), 'utf8')).toContain('not kept]');
    expect(readResult(out).verdict.kind).toBe('no-leak');
  });
});

describe('leakhound itself dies mid-run', () => {
  it('kill -9 of leakhound: the server dies with it, the run opens as interrupted, --repair writes the result', async () => {
    const data = tmpDir('lh-data-');
    const out = path.join(tmpDir(), 'run');
    const child = spawn(
      process.execPath,
      [
        CLI,
        'run',
        '--spawn',
        `node ${path.join(NODE_FIXTURES, 'leaky-array.js')}`,
        '--url',
        'http://127.0.0.1:{port}/',
        '--requests',
        '20000',
        '--out',
        out,
      ],
      { cwd: ROOT, env: { ...process.env, LEAKHOUND_DATA_DIR: data }, stdio: 'ignore' },
    );
    // Wait until samples flow and the baseline snapshot is on disk, then kill it outright.
    for (let i = 0; i < 600 && !existsSync(path.join(out, 'snapshot-1-baseline.heapsnapshot')); i++)
      await sleep(100);
    await sleep(1500);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    await sleep(2500); // the periodic fsync's window
    const meta = JSON.parse(readFileSync(path.join(out, 'run.json'), 'utf8'));
    expect(meta.status).toBe('running');
    // The kernel stopped the server with leakhound (parent-death signal): nothing left running.
    expect(isAlive(meta.targetPid)).toBe(false);
    expect(existsSync(path.join(out, 'result.json'))).toBe(false);
    const samples = readFileSync(path.join(out, 'samples.jsonl'), 'utf8').trim().split('\n');
    expect(samples.length).toBeGreaterThan(3);

    const repaired = await runCli(['runs', '--repair', out], { env: { LEAKHOUND_DATA_DIR: data } });
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain('1 run repaired');
    const res = readResult(out);
    expect(res.status).toBe('interrupted');
    expect(res.samples.length).toBeGreaterThanOrEqual(samples.length - 1);
    expect(res.snapshots.map((s) => s.file)).toContain('snapshot-1-baseline.heapsnapshot');
    expect(isAlive(meta.targetPid)).toBe(false);
  });
});

const canMount = process.getuid?.() === 0 && existsSync('/bin/mount');

describe.skipIf(!canMount)('a full disk (a 3 MB tmpfs)', () => {
  it('stops cleanly with one clear line, exit 2, and keeps what was written', async () => {
    const mnt = tmpDir('lh-full-');
    mkdirSync(mnt, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt]);
    try {
      const out = path.join(mnt, 'run');
      const r = await runCli(nodeHuntArgs('leaky-array.js', out, ['--requests', '2400']));
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/^leakhound: the disk is full/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      const samples = readFileSync(path.join(out, 'samples.jsonl'), 'utf8').trim().split('\n');
      expect(samples.length).toBeGreaterThan(0);
      for (const line of samples) JSON.parse(line);
      expect(existsSync(path.join(out, 'snapshot-1-baseline.heapsnapshot.part'))).toBe(false);
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });
});
