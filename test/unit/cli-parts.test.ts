// Pure parts of the CLI and the target start: argv splitting, flags, durations, the plan.
import { describe, expect, it } from 'vitest';
import { parseArgs, parseDuration } from '../../electron/cli/args';
import { COMMANDS } from '../../electron/cli/commands';
import { runOptionsFromFlags } from '../../electron/cli/options';
import { Decimator } from '../../electron/engine/hunt/decimate';
import { makePlan } from '../../electron/engine/hunt/plan';
import { splitCommand, substitutePort } from '../../electron/engine/target/command';
import { LineTail } from '../../electron/engine/target/tail';

describe('splitCommand', () => {
  it('splits like a POSIX shell, without expansion', () => {
    expect(splitCommand(`gunicorn -w 2 -b 127.0.0.1:{port} 'app:create_app("x y")'`)).toEqual([
      'gunicorn',
      '-w',
      '2',
      '-b',
      '127.0.0.1:{port}',
      'app:create_app("x y")',
    ]);
    expect(splitCommand(`node -e "console.log(\\"hi\\")" $HOME`)).toEqual([
      'node',
      '-e',
      'console.log("hi")',
      '$HOME',
    ]);
    expect(splitCommand(`a\\ b "" c`)).toEqual(['a b', '', 'c']);
  });

  it('rejects empty lines and open quotes', () => {
    expect(() => splitCommand('   ')).toThrow(/empty/);
    expect(() => splitCommand(`node 'x`)).toThrow(/unclosed ' quote/);
  });

  it('substitutes every {port}', () => {
    expect(substitutePort('http://127.0.0.1:{port}/{port}', 8123)).toBe('http://127.0.0.1:8123/8123');
  });
});

describe('flags', () => {
  it('parses durations', () => {
    expect(parseDuration('500ms', 'd')).toBe(500);
    expect(parseDuration('60', 'd')).toBe(60_000);
    expect(parseDuration('1.5m', 'd')).toBe(90_000);
    expect(() => parseDuration('0s', 'd')).toThrow(/more than zero/);
  });

  it('maps run flags onto the shared options schema', () => {
    const { flags } = parseArgs(
      [
        '--spawn',
        'node s.js',
        '--url=http://127.0.0.1:{port}/',
        '--requests',
        '100',
        '--env',
        'A=1',
        '--env',
        'B=x=y',
        '--report',
        'pdf,html',
        '--fail-on-leak',
      ],
      COMMANDS.run,
    );
    const o = runOptionsFromFlags(flags);
    expect(o).toMatchObject({
      spawn: 'node s.js',
      requests: 100,
      env: { A: '1', B: 'x=y' },
      report: ['pdf', 'html'],
      failOnLeak: true,
      concurrency: 10,
      snapshots: 3,
    });
  });

  it('rejects a repeated scalar flag and a bad --env', () => {
    expect(() => parseArgs(['--requests', '1', '--requests', '2'], COMMANDS.run)).toThrow(/given twice/);
    const { flags } = parseArgs(['--env', 'NOEQUALS'], COMMANDS.run);
    expect(() => runOptionsFromFlags(flags)).toThrow(/--env takes KEY=VALUE/);
  });
});

describe('the hunt plan', () => {
  it('warms up with 15% and snapshots at first, middle and last checkpoint', () => {
    const p = makePlan({ requests: 6000, snapshots: 3 } as never);
    expect(p.warmupRequests).toBe(900);
    expect(p.segmentRequests).toBe(500);
    expect(p.snapshotAfter).toEqual([0, 6, 12]);
  });
  it('duration mode splits time', () => {
    const p = makePlan({ durationMs: 60_000, snapshots: 2 } as never);
    expect(p.segmentMs).toBe(5000);
    expect(p.snapshotAfter).toEqual([0, 12]);
  });
});

describe('bounded buffers', () => {
  it('LineTail keeps only the last lines, each cut to length', () => {
    const t = new LineTail(3, 10);
    t.push('a\nb\nc\nd\n0123456789abcdef\npartial');
    expect(t.get()).toEqual(['c', 'd', '0123456789…', 'partial']);
  });
  it('Decimator keeps at most max items spread over the stream', () => {
    const d = new Decimator<number>(100);
    for (let i = 0; i < 100_000; i++) d.push(i);
    const v = d.values();
    expect(v.length).toBeLessThanOrEqual(100);
    expect(v.length).toBeGreaterThan(40);
    expect(v[0]).toBe(0);
    expect(v[v.length - 1]).toBeGreaterThan(90_000);
  });
  it('Decimator with a level keeps a one-sample peak that plain thinning drops', () => {
    const spike = (i: number) => (i === 31_337 ? 1e9 : i % 7);
    const plain = new Decimator<number>(100);
    const peaks = new Decimator<number>(100, (x) => x);
    for (let i = 0; i < 100_000; i++) {
      plain.push(spike(i));
      peaks.push(spike(i));
    }
    expect(plain.values()).not.toContain(1e9);
    expect(peaks.values()).toContain(1e9);
    expect(peaks.values().length).toBeLessThanOrEqual(100);
  });
});
