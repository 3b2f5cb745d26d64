// `leakhound run --attach` when getting in goes wrong, end to end through the real CLI: the
// debugger on this host corrupts what it touches (as gdb does on AMX hosts), or the target
// dies under the hunt. The gunicorn server must come out as it went in, and result.json must
// say what happened.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pickFreePort } from '../../electron/engine/proc/ports';
import { childrenOf } from '../../electron/engine/proc/procfs';
import { buildReportHtml } from '../../electron/engine/report/html';
import { type Result, resultSchema } from '../../shared/result';
import { PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';
import { get, sleep, until, waitForPort } from './proc-helpers';

const started: ChildProcess[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM'); // gunicorn's master stops its workers on TERM
    await Promise.race([gone, sleep(5000)]);
  }
});

async function gunicorn(extra: string[] = []) {
  const port = await pickFreePort();
  const child = spawn(
    '/usr/bin/gunicorn',
    ['-w', '2', '-b', `127.0.0.1:${port}`, ...extra, 'leaky_flask:app'],
    { cwd: PY_FIXTURES, stdio: 'ignore' },
  );
  started.push(child);
  await waitForPort(port);
  const pid = child.pid as number;
  const workers = (await until<number[] | null>(
    () => (childrenOf(pid).length === 2 ? childrenOf(pid).sort() : null),
    10_000,
    'two workers',
  )) as number[];
  return { child, pid, port, workers };
}

const readResult = (out: string): Result =>
  resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));

describe('attach to a gunicorn master: faults', () => {
  it('a debugger that breaks registers (the AMX case): memory curves only, master and workers alive and serving', async () => {
    const g = await gunicorn();
    // the only debugger on PATH attaches for real, then fails the way gdb 13.1 does on AMX
    const bin = mkdtempSync(path.join(tmpDir(), 'bin-'));
    writeFileSync(
      path.join(bin, 'gdb'),
      `#!/bin/bash
if [ "$1" = "--version" ]; then echo "GNU gdb (fake) 13.1"; exit 0; fi
pid=""; for a in "$@"; do case "$a" in ''|*[!0-9]*) ;; *) pid="$a";; esac; done
echo "$pid" >> ${JSON.stringify(path.join(bin, 'calls'))}
/usr/bin/gdb -nx -q --batch -p "$pid" -ex 'print $pc' -ex detach >/dev/null 2>&1
echo "Couldn't write extended state status: Bad address." >&2; exit 1
`,
    );
    chmodSync(path.join(bin, 'gdb'), 0o755);
    const out = path.join(tmpDir(), 'run');
    const r = await runCli(
      [
        'run',
        '--attach',
        String(g.pid),
        '--url',
        `http://127.0.0.1:${g.port}/audit`,
        '--requests',
        '1500',
        '--out',
        out,
      ],
      { env: { PATH: bin } },
    );
    expect(r.code, r.stderr).toBe(0);
    const res = readResult(out);
    expect(res.status).toBe('finished');
    expect(res.target.runtime).toBe('python');
    expect(res.target.attach?.method).toBe('none');
    expect(res.target.attach?.canary).toEqual([
      expect.objectContaining({ method: 'gdb', ok: false, error: expect.stringMatching(/extended state/) }),
    ]);
    expect(res.target.attach?.fallback).toMatch(/pid \d+ was not touched; memory curves only; install lldb/);
    expect(res.target.attach?.serving).toBe(true);
    expect(res.suspects).toEqual([]);
    // one line on the console says why and what to do
    expect(r.stderr + r.stdout).toMatch(/no way in passed its canary \(gdb: Couldn't write extended state/);
    // the fake debugger only ever touched the canary
    const calls = readFileSync(path.join(bin, 'calls'), 'utf8').trim().split('\n').map(Number);
    expect(calls).toHaveLength(1);
    expect([g.pid, ...g.workers]).not.toContain(calls[0]);
    await sleep(1200);
    expect(g.child.exitCode).toBeNull();
    expect(childrenOf(g.pid).sort()).toEqual(g.workers);
    expect((await get(g.port, '/')).body).toContain('hello');
    // the report says how it went, in words
    const html = buildReportHtml(res);
    expect(html).toContain(
      'Attached to a running process: nothing was injected: memory curves only. It answered a request afterwards.',
    );
    expect(html).toMatch(
      /gdb refused: Couldn&#39;t write extended state|gdb refused: Couldn't write extended state/,
    );
  });

  it('the attached master dies mid-hunt: status, runtime, an exit note and its log lines', async () => {
    const log = path.join(tmpDir(), 'gunicorn.log');
    const g = await gunicorn(['--error-logfile', log, '--log-level', 'info']);
    const out = path.join(tmpDir(), 'run');
    const hunt = runCli([
      'run',
      '--attach',
      String(g.pid),
      '--url',
      `http://127.0.0.1:${g.port}/audit`,
      '--duration',
      '60s',
      '--log',
      log,
      '--out',
      out,
    ]);
    await until(() => readFileSync(log, 'utf8').length > 0 && childrenOf(g.pid).length === 2, 10_000, 'log');
    await sleep(6000); // into the load
    g.child.kill('SIGINT'); // the master (ours, not leakhound's) shuts down
    const r = await hunt;
    expect(r.code).toBe(4);
    const res = readResult(out);
    expect(res.status).toBe('target-died');
    expect(res.target.runtime).toBe('python');
    expect(res.target.exitCode).toBeNull();
    expect(res.target.exitNote).toMatch(
      new RegExp(
        `^pid ${g.pid} is gone: not leakhound's child, so its exit status is unknown; its 2 worker\\(s\\) exited too; the last lines of .*gunicorn\\.log are kept$`,
      ),
    );
    expect(res.target.stderrTail?.join('\n')).toMatch(/Handling signal: int|Shutting down/);
    expect(res.verdict.reason).toMatch(/not our child: exit status unknown/);
  });

  it('--log names a file that is not there: one line, nothing started', async () => {
    const g = await gunicorn();
    const r = await runCli(['run', '--attach', String(g.pid), '--log', '/nonexistent/app.log']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      "leakhound: --log /nonexistent/app.log: no such file: give the server's log file, or leave --log out",
    );
  });

  it('`leakhound agent --print-env` copies the agent and prints the environment, warning when others cannot read it', async () => {
    const base = tmpDir(); // 0700: a server of another user could not read below it
    const dir = path.join(base, 'agent');
    const r = await runCli(['agent', '--print-env', '--dir', dir], { env: { PYTHONPATH: '/opt/app' } });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `PYTHONPATH=${dir}:/opt/app`,
      'LEAKHOUND_AGENT=dormant',
    ]);
    expect(readFileSync(path.join(dir, 'sitecustomize.py'), 'utf8')).toContain('LEAKHOUND_AGENT');
    expect(r.stderr.trim()).toBe(
      `leakhound: note: ${base} is not open to other users: a server running as another user cannot load the agent from ${dir}; pass --dir /opt/leakhound-agent (or another readable folder)`,
    );
    chmodSync(base, 0o755);
    const open = await runCli(['agent', '--print-env', '--dir', dir]);
    expect(open.stderr).toBe('');
    const bad = await runCli(['agent']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('leakhound: say what to do: leakhound agent --print-env [--dir DIR]');
  });
});
