// Inject Python code into running interpreters with gdb (Py_AddPendingCall): a plain
// script (pause measured from inside it), and a gunicorn master + 2 workers started without
// any agent, which keep serving afterwards. Bad cases leave the target untouched.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectPython, injectPythonTree } from '../../electron/engine/attach/python';
import { UserError } from '../../electron/engine/errors';
import { killTree } from '../../electron/engine/proc/kill';
import { treePorts } from '../../electron/engine/proc/ports';
import { childrenOf } from '../../electron/engine/proc/procfs';
import { alive, get, type Started, sleep, startGunicorn, until } from './proc-helpers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lh-attach-py-'));
chmodSync(tmp, 0o777);
let guni: Started;

// Ticks every 5 ms and writes the longest gap seen so far: the pause gdb imposed.
const TICKER = `
import sys, time
out = sys.argv[1]
maxgap = 0.0
last = time.monotonic()
end = last + 60
while time.monotonic() < end:
    time.sleep(0.005)
    now = time.monotonic()
    if now - last > maxgap:
        maxgap = now - last
        with open(out, 'w') as f:
            f.write('%.1f' % (maxgap * 1000))
    last = now
`;

function startTicker(name: string) {
  const gapFile = path.join(tmp, `${name}.gap`);
  const child = spawn('/usr/bin/python3', ['-c', TICKER, gapFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  return { child, gapFile, stderr: () => stderr };
}

beforeAll(async () => {
  guni = await startGunicorn(2);
  await until(() => childrenOf(guni.pid).length === 2, 10_000, 'two gunicorn workers');
});

afterAll(async () => {
  if (guni && alive(guni.pid)) await killTree(guni.pid, { graceMs: 3000 });
  rmSync(tmp, { recursive: true, force: true });
});

describe('injectPython', () => {
  it('runs the code on the main thread of a running script; measures the pause', async () => {
    const t = startTicker('plain');
    try {
      await until(() => existsSync(t.gapFile), 5000, 'the ticker to start');
      await sleep(300);
      const before = Number(readFileSync(t.gapFile, 'utf8'));
      const marker = path.join(tmp, 'plain.ran');
      const code = `import os, threading, __main__\nwith open(${JSON.stringify(marker)}, 'w') as f:\n    f.write('%d %s %s' % (os.getpid(), threading.current_thread() is threading.main_thread(), hasattr(__main__, 'maxgap')))\nraise RuntimeError('must not reach the target')\n`;
      const r = await injectPython(t.child.pid!, code);
      expect(r.method).toBe('gdb');
      await until(() => existsSync(marker), 5000, 'the injected code to run');
      expect(readFileSync(marker, 'utf8')).toBe(`${t.child.pid} True True`);
      await sleep(100);
      const gap = Number(readFileSync(t.gapFile, 'utf8'));
      console.log(
        `python attach (plain script): gdb ran ${r.pauseMs} ms; target stalled ${gap.toFixed(0)} ms (longest tick gap before: ${before.toFixed(0)} ms)`,
      );
      expect(gap).toBeGreaterThan(before);
      expect(gap).toBeLessThanOrEqual(r.pauseMs + 50);
      // the exception was printed by the wrapper, not raised into the ticker, which runs on
      expect(t.stderr()).toContain('RuntimeError: must not reach the target');
      expect(t.child.exitCode).toBeNull();
    } finally {
      t.child.kill('SIGKILL');
    }
  });

  it('injects into a gunicorn master and both workers; they keep serving, no new sockets', async () => {
    const pids = [guni.pid, ...childrenOf(guni.pid)];
    const code = `import os\nopen(os.path.join(${JSON.stringify(tmp)}, 'ran-%d' % os.getpid()), 'w').write('ok')\n`;
    const results = await injectPythonTree(guni.pid, code);
    expect(results.map((r) => r.pid).sort()).toEqual(pids.sort());
    const ran = (pid: number) => existsSync(path.join(tmp, `ran-${pid}`));
    // the master wakes at least once a second; a sync worker runs it at its next request
    await until(
      async () => {
        await get(guni.port);
        return pids.every(ran);
      },
      20_000,
      'the code to run in master and workers',
    );
    console.log(
      `python attach (gunicorn): gdb ran ${results.map((r) => `${r.pid === guni.pid ? 'master' : 'worker'} ${r.pauseMs} ms`).join(', ')}`,
    );
    expect(childrenOf(guni.pid).sort()).toEqual(pids.slice(1).sort());
    expect(await treePorts(guni.pid)).toEqual([guni.port]);
    for (let i = 0; i < 5; i++) expect((await get(guni.port)).body).toBe('hello\n');
  });

  // pyenv builds link CPython as libpython3.x.so: gdb must load that library's symbols
  const SHARED = '/root/.pyenv/versions/3.12.1/bin/python3.12';
  it.skipIf(!existsSync(SHARED))('injects into a CPython built with a shared libpython', async () => {
    const marker = path.join(tmp, 'shared.ran');
    const p = spawn(SHARED, ['-c', 'import time\nwhile True: time.sleep(0.01)'], { stdio: 'ignore' });
    try {
      await until(
        () => /libpython3\.12/.test(readFileSync(`/proc/${p.pid}/maps`, 'utf8')),
        5000,
        'libpython mapped',
      );
      await injectPython(p.pid!, `import sys\nopen(${JSON.stringify(marker)}, 'w').write(sys.version[:4])\n`);
      await until(() => existsSync(marker), 5000, 'the injected code to run');
      expect(readFileSync(marker, 'utf8')).toBe('3.12');
      expect(p.exitCode).toBeNull();
    } finally {
      p.kill('SIGKILL');
    }
  });

  it('refuses a pid that does not exist and a non-Python process', async () => {
    await expect(injectPython(999_999_999, 'pass')).rejects.toThrow(/no process with pid 999999999/);
    const sl = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => sl.once('spawn', r));
    try {
      const err = await injectPython(sl.pid!, 'pass').catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/is sleep, not a Python interpreter/);
      expect(sl.exitCode).toBeNull();
    } finally {
      sl.kill('SIGKILL');
    }
  });

  it('says so when gdb is missing', async () => {
    const savedPath = process.env.PATH;
    process.env.PATH = tmp;
    try {
      await expect(injectPython(guni.pid, 'pass')).rejects.toThrow(/gdb is not installed/);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('refuses clearly when run as an unprivileged user, target untouched', async () => {
    const marker = path.join(tmp, 'nobody.ran');
    const script = path.join(tmp, 'inject-as-nobody.ts');
    writeFileSync(
      script,
      `import { injectPython } from ${JSON.stringify(path.resolve(__dirname, '../../electron/engine/attach/python'))};\n` +
        `injectPython(${guni.pid}, ${JSON.stringify(`open(${JSON.stringify(marker)}, 'w')`)}).then(() => console.log('INJECTED'), (e) => console.log(e.name + ': ' + e.message));\n`,
    );
    const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
    const out = await new Promise<string>((resolve) =>
      execFile(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', '--', tsx, script],
        { env: { ...process.env, HOME: tmp, TMPDIR: tmp }, timeout: 30_000 },
        (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
      ),
    );
    expect(out).toMatch(/UserError: not permitted to (inspect|attach to) pid \d+/);
    await get(guni.port);
    await sleep(200);
    expect(existsSync(marker)).toBe(false);
    expect((await get(guni.port)).body).toBe('hello\n');
  });
});
