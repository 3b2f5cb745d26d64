// `leakhound run --attach PID`: servers leakhound did not start are hunted to the right
// verdict and left as found — alive, serving, with no extra listening socket.
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listeningPortsSync, pickFreePort } from '../../electron/engine/proc/ports';
import { descendants } from '../../electron/engine/proc/procfs';
import { type Result, resultSchema } from '../../shared/result';
import { NODE_FIXTURES, PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';
import { lockInspectPort } from '../helpers/inspect-lock';
import { get, waitForPort } from './proc-helpers';

// this file signals Node servers here: one such file at a time holds 127.0.0.1:9229
let releaseInspect: () => void = () => {};
beforeAll(async () => {
  releaseInspect = await lockInspectPort();
}, 16 * 60_000);
afterAll(() => releaseInspect());

const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function start(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const port = await pickFreePort();
  const child = spawn(
    cmd,
    args.map((a) => a.replace('{port}', String(port))),
    {
      cwd,
      env: { ...process.env, PORT: String(port), ...env },
      stdio: 'ignore',
    },
  );
  started.push(child);
  await waitForPort(port);
  return { child, pid: child.pid as number, port };
}

function readResult(out: string): Result {
  return resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));
}

describe('attach by pid', () => {
  it('a Node server started without --inspect: leak found, inspector closed again', async () => {
    const s = await start(process.execPath, [path.join(NODE_FIXTURES, 'leaky-array.js')], NODE_FIXTURES);
    const before = listeningPortsSync(s.pid);
    const out = path.join(tmpDir(), 'run');
    // --url omitted: the process listens on exactly one port.
    const r = await runCli(['run', '--attach', String(s.pid), '--requests', '2400', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.target.mode).toBe('attach');
    expect(res.target.runtime).toBe('node');
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toBe('OrderAuditEntry');
    expect(s.child.exitCode).toBeNull();
    expect((await get(s.port)).status).toBe(200);
    expect(listeningPortsSync(s.pid)).toEqual(before);
  });

  it('a gunicorn master with 2 workers and no agent: leak found, agents gone afterwards', async () => {
    const s = await start(
      '/usr/bin/gunicorn',
      ['-w', '2', '-b', '127.0.0.1:{port}', 'leaky_flask:app'],
      PY_FIXTURES,
    );
    const out = path.join(tmpDir(), 'run');
    const r = await runCli([
      'run',
      '--attach',
      String(s.pid),
      '--url',
      `http://127.0.0.1:${s.port}/audit`,
      '--requests',
      '2400',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.target.runtime).toBe('python');
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toMatch(/AuditRecord$/);
    expect(res.suspects[0].countPerRequest).toBeGreaterThan(0.85);
    expect((await get(s.port, '/')).status).toBe(200);
    expect(listeningPortsSync(s.pid)).toEqual([s.port]);
    expect(['gdb', 'lldb']).toContain(res.target.attach?.method);
    expect(res.target.attach?.verified).toBe(true);
    expect(res.target.attach?.canary.some((c) => c.ok)).toBe(true);
    expect(res.target.attach?.processes.map((p) => p.role).sort()).toEqual(['master', 'worker', 'worker']);
    // No agent socket is left listening in the target, and our folder in its /tmp is gone.
    const pids = [s.pid, ...descendants(s.pid)];
    const unix = readFileSync('/proc/net/unix', 'utf8');
    for (const p of pids) expect(unix).not.toMatch(new RegExp(`leakhound-att-[^\\s]*/py-${p}\\.sock`));
    expect(readdirSync('/tmp').filter((d) => d.startsWith('leakhound-att-') && unix.includes(d))).toEqual([]);
  });
});

describe('attach: bad cases exit 2 with one line and leave the target alone', () => {
  it('a pid that does not exist', async () => {
    const r = await runCli(['run', '--attach', '4194000', '--url', 'http://127.0.0.1:1/']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^leakhound: no process with pid 4194000: list candidates with `leakhound ps`$/,
    );
  });

  it('a pid that is not a server (sleep): no port to load', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    started.push(child);
    const r = await runCli(['run', '--attach', String(child.pid)]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/listens on no TCP port: give --url, or --load none/);
    expect(child.exitCode).toBeNull();
  });

  it.skipIf(process.getuid?.() !== 0)(
    "not permitted (an unprivileged user attaching to root's server)",
    async () => {
      const s = await start(process.execPath, [path.join(NODE_FIXTURES, 'churn.js')], NODE_FIXTURES);
      const data = tmpDir('lh-data-');
      chmodSync(data, 0o777);
      const r = await runCli(['run', '--attach', String(s.pid)], {
        uid: 65534,
        env: { LEAKHOUND_DATA_DIR: data },
      });
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(
        /^leakhound: not permitted to inspect pid \d+ \(another user's process\): run leakhound as that user or as root$/,
      );
      expect(s.child.exitCode).toBeNull();
      expect((await get(s.port)).status).toBe(200);
    },
  );

  it('port 9229 held by another process', async (ctx) => {
    const holder = await new Promise<import('node:net').Server>((resolve, reject) => {
      const srv = require('node:net').createServer();
      srv.once('error', reject);
      srv.listen(9229, '127.0.0.1', () => resolve(srv));
    }).catch(() => null);
    if (!holder) return ctx.skip('9229 is already in use on this machine');
    try {
      const s = await start(process.execPath, [path.join(NODE_FIXTURES, 'churn.js')], NODE_FIXTURES);
      const r = await runCli(['run', '--attach', String(s.pid), '--requests', '100']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toMatch(/^leakhound: port 9229 is held by pid \d+/);
      expect((await get(s.port)).status).toBe(200);
    } finally {
      holder.close();
    }
  });
});
