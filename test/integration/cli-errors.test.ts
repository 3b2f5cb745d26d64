// Bad input gets exit 2 and one clear `leakhound: …` line, never a stack trace.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStat } from '../../electron/engine/proc/procfs';
import { NODE_FIXTURES, PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';

const cases: Array<[string, string[], RegExp]> = [
  ['unknown command', ['hunt'], /^leakhound: unknown command 'hunt'; the commands are run, /],
  [
    'unknown option',
    ['run', '--spwan', 'node x.js'],
    /^leakhound: unknown option --spwan for 'leakhound run'/,
  ],
  ['missing value', ['run', '--url'], /^leakhound: --url needs a value/],
  [
    'bad number',
    ['run', '--spawn', 'node x', '--url', 'http://127.0.0.1:{port}/', '--requests', 'many'],
    /--requests takes a whole number/,
  ],
  [
    'bad duration',
    ['run', '--spawn', 'node x', '--url', 'http://127.0.0.1:{port}/', '--duration', '5 parsecs'],
    /--duration takes a duration like/,
  ],
  ['nothing to hunt', ['run', '--url', 'http://127.0.0.1:3000/'], /^leakhound: say what to hunt: --spawn/],
  ['no url', ['run', '--spawn', 'node x.js'], /^leakhound: --url is required/],
  [
    'bad url',
    ['run', '--spawn', 'node x.js', '--url', 'not a url'],
    /^leakhound: not a valid URL: not a url/,
  ],
  [
    'remote url',
    ['run', '--spawn', 'node x.js', '--url', 'http://10.1.2.3:{port}/'],
    /is not on this machine: .*--allow-remote/,
  ],
  [
    'command not found',
    ['run', '--spawn', 'no-such-server-binary --x', '--url', 'http://127.0.0.1:{port}/'],
    /^leakhound: command not found: no-such-server-binary is not on PATH/,
  ],
  [
    'no port',
    ['run', '--spawn', 'node x.js', '--url', 'http://127.0.0.1/'],
    /--url has no port and no \{port\}/,
  ],
  ['report without a folder', ['report'], /^leakhound: .*report DIR/],
  [
    'report on a bad paper size',
    ['report', '.', '--paper', 'A3'],
    /^leakhound: --paper takes A4 or Letter \(got "A3"\)/,
  ],
  [
    'report with an unknown option',
    ['report', '.', '--bogus'],
    /^leakhound: unknown option --bogus for 'leakhound report'/,
  ],
  [
    'unclosed quote',
    ['run', '--spawn', 'node "x.js', '--url', 'http://127.0.0.1:{port}/'],
    /unclosed " quote/,
  ],
];

describe('bad input', () => {
  for (const [what, args, message] of cases) {
    it(`${what}: exit 2 with one clear line`, async () => {
      const r = await runCli(args);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('a target that exits before listening: exit 2 with its last stderr lines', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await runCli([
      'run',
      '--spawn',
      `node -e "console.error('config error: DATABASE_URL is not set'); process.exit(3)"`,
      '--url',
      'http://127.0.0.1:{port}/',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^leakhound: the target exited with code 3 before listening on 127\.0\.0\.1:\d+; its last output:/,
    );
    expect(r.stderr).toContain('config error: DATABASE_URL is not set');
  });

  it('a gunicorn whose app does not import: exit 2 with the cause, even though its master had bound the port', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await runCli([
      'run',
      '--spawn',
      `/usr/bin/gunicorn -w 2 -b 127.0.0.1:{port} --chdir ${PY_FIXTURES} no_such_module:app`,
      '--url',
      'http://127.0.0.1:{port}/',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(2);
    // the master binds before its workers fail: either leakhound saw it listen (then the hunt
    // says it died before answering) or not yet (then the start says so); the cause either way
    expect(r.stderr).toMatch(
      /^leakhound: the target (exited with code \d before (answering any request|listening on)|ran under)/,
    );
    expect(r.stderr).toMatch(/No module named 'no_such_module'|no module 'no_such_module'/);
    expect(r.stderr).not.toMatch(/what was gathered/);
  });

  it('a target that daemonises: exit 2 naming the daemon, which is stopped, not left behind', async () => {
    const dir = tmpDir();
    const pidFile = path.join(dir, 'daemon.pid');
    const r = await runCli([
      'run',
      '--spawn',
      `node ${path.join(NODE_FIXTURES, 'daemonize.js')}`,
      '--url',
      'http://127.0.0.1:{port}/',
      '--env',
      `DAEMON_PID_FILE=${pidFile}`,
      '--out',
      path.join(dir, 'run'),
    ]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^leakhound: the target daemonised itself: its first process exited with code 0 and left pid \d+ running in the background \(stopped again by leakhound\); run it in the foreground/,
    );
    const daemon = Number(readFileSync(pidFile, 'utf8'));
    expect(lines[0]).toContain(`pid ${daemon} `);
    // gone, or a zombie where the container's pid 1 does not reap orphans
    expect(readStat(daemon)?.state ?? 'gone').toMatch(/^(gone|Z)$/);
  });

  it('a target that never listens: exit 2 after --ready-timeout', async () => {
    const r = await runCli([
      'run',
      '--spawn',
      `node -e "setTimeout(() => {}, 60000)"`,
      '--url',
      'http://127.0.0.1:{port}/',
      '--ready-timeout',
      '1500ms',
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/did not listen on 127\.0\.0\.1:\d+ within 1500 ms/);
  });

  it('--help prints the options and exits 0', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--fail-on-leak');
  });

  it('leakhound analyze: a truncated, a non-JSON and a missing snapshot each get one line', async () => {
    const dir = tmpDir();
    const truncated = path.join(dir, 'truncated.heapsnapshot');
    const notJson = path.join(dir, 'notes.heapsnapshot');
    writeFileSync(
      truncated,
      '{"snapshot":{"meta":{"node_fields":["type","name","id","self_size","edge_count"',
    );
    writeFileSync(notJson, 'this is not a heap snapshot\n');
    for (const [file, message] of [
      [truncated, /truncated/],
      [notJson, /not a V8 heap snapshot|not JSON|not valid/i],
      [path.join(dir, 'missing.heapsnapshot'), /missing\.heapsnapshot/],
    ] as const) {
      const r = await runCli(['analyze', file]);
      expect(r.code).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^leakhound: /);
      expect(lines[0]).toMatch(message);
    }
  });
});
