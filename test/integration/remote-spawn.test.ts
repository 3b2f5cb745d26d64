// Starting the server on the ssh host (`run --spawn --host`, `sweep --host`): a real OpenSSH
// server in its own network namespace; the servers leakhound starts there are reachable only
// through SSH, get the dormant agent from the helper's private folder, and are ended by the
// helper at the end of each hunt (and when a start fails), leaving nothing running.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { NODE_FIXTURES, PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';
import { startSshd, type TestSshd, treeOf } from './sshd-harness';

let sshd: TestSshd;
let hostNet = '';

/** `leakhound run` starting the leaky Flask app under gunicorn with 2 workers on the host */
const GUNICORN_ON_HOST = [
  'run',
  '--host',
  'lhspawn',
  '--spawn',
  '/usr/bin/gunicorn -w 2 -b 127.0.0.1:{port} leaky_flask:app',
  '--cwd',
  PY_FIXTURES,
];

const readResult = (out: string): Result =>
  resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));

const cli = (args: string[], timeoutMs?: number) =>
  runCli([...args, '--ssh-config', sshd.config], { env: { HOME: sshd.home }, timeoutMs });

/** Processes in the host's network namespace whose command line has `text` (ours included). */
function onHost(text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (
        readlinkSync(`/proc/${d}/ns/net`) === hostNet &&
        readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(text)
      )
        out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

/** the helper's python3 on the host (its bootstrap names the temp folder's prefix) */
function helperOnHost(): number {
  const pids = onHost('-c\0import os,sys,tempfile;d=tempfile.mkdtemp(prefix="leakhound-rh-")');
  expect(pids).toHaveLength(1);
  return pids[0];
}

/** helper folders in the host's /tmp that held a spawned server's agent files */
function spawnHelperDirs(): string[] {
  const tmp = path.join(sshd.dir, 'host-tmp');
  return readdirSync(tmp).filter(
    (d) => d.startsWith('leakhound-rh-') && existsSync(path.join(tmp, d, 'agent')),
  );
}

const comm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/** SIGKILL to sshd's session processes (the link drops), not to its listener (the host stays up). */
function killSessions(): void {
  for (const p of treeOf(sshd.pid)) {
    const ppid = Number(/^PPid:\s*(\d+)/m.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1]);
    if (comm(p) === 'sshd' && comm(ppid) === 'sshd') process.kill(p, 'SIGKILL');
  }
}

async function noneLeft(text: string): Promise<number[]> {
  const until = Date.now() + 5000;
  while (onHost(text).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return onHost(text);
}

beforeAll(async () => {
  // its own pids and /tmp, as another machine has: other test files' helpers are not ours
  sshd = await startSshd('lhspawn', { ownPids: true });
  hostNet = readlinkSync(`/proc/${sshd.pid}/ns/net`);
}, 60_000);

afterAll(() => {
  sshd?.killAll();
});

describe('starting the server on an ssh host', () => {
  it('gunicorn with 2 workers started there: the dormant agent names the class, and the server is ended after', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      ...GUNICORN_ON_HOST,
      '--url',
      'http://127.0.0.1:{port}/audit',
      '--requests',
      '2400',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.target.host).toBe('lhspawn');
    expect(res.target.mode).toBe('spawn');
    expect(res.target.runtime).toBe('python');
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toMatch(/AuditRecord$/);
    expect(res.target.remote?.fallback).toBeUndefined();
    expect(res.load?.via).toBe('ssh-forward');
    // the free port was picked on the host, and the URL recorded as the host sees it
    expect(res.target.remote?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/audit$/);
    // the server's own output came back into the run folder
    expect(readFileSync(path.join(out, 'target.log'), 'utf8')).toMatch(/Booting worker with pid/);
    expect(await noneLeft('leaky_flask:app')).toEqual([]);
    expect(await noneLeft('leakhound-rh-')).toEqual([]);
  });

  it('a Node server started there: leak found through the forwarded inspector', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      'run',
      '--host',
      'lhspawn',
      '--spawn',
      `${process.execPath} leaky-array.js`,
      '--cwd',
      NODE_FIXTURES,
      '--url',
      'http://127.0.0.1:{port}/',
      '--requests',
      '2400',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.target.mode).toBe('spawn');
    expect(res.target.runtime).toBe('node');
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toBe('OrderAuditEntry');
    expect(await noneLeft('leaky-array.js')).toEqual([]);
  });

  it('--load-from host: the built-in load runs on the host with its node, and the run says so', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      ...GUNICORN_ON_HOST,
      '--url',
      'http://127.0.0.1:{port}/audit?n={{counter}}',
      '--load-from',
      'host',
      '--requests',
      '2400',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.load?.via).toBe('host');
    expect(res.target.remote?.loadNode).toBe(process.version);
    expect(res.target.remote?.loadBytes).toBeGreaterThan(10_000);
    // every request was counted here, as the host's generator saw it
    expect(res.load?.requests).toBeGreaterThanOrEqual(2400);
    expect(res.load?.errors).toBe(0);
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toMatch(/AuditRecord$/);
    expect(r.stdout).toMatch(/load from the host itself \(node v/);
    expect(await noneLeft('leaky_flask:app')).toEqual([]);
    expect(await noneLeft('leakhound-load')).toEqual([]);
  });

  it('sweep --host: one hunt per configuration, each started and ended on the host, one table', async () => {
    const out = path.join(tmpDir(), 'sweep');
    const r = await cli(
      [
        'sweep',
        '--host',
        'lhspawn',
        '--spawn',
        '/usr/bin/gunicorn -w {workers} -b 127.0.0.1:{port} leaky_flask:app',
        '--cwd',
        PY_FIXTURES,
        '--grid',
        'workers=1,3',
        '--url',
        'http://127.0.0.1:{port}/bounded',
        '--requests',
        '900',
        '--out',
        out,
      ],
      240_000,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/workers\s+rps\s+p50 ms\s+p90 ms/);
    const sweep = JSON.parse(readFileSync(path.join(out, 'sweep.json'), 'utf8')) as {
      rows: { id: string; params: Record<string, string>; status: string; pssTotalBytes: number }[];
    };
    expect(sweep.rows.map((x) => x.status)).toEqual(['finished', 'finished']);
    const pss = (w: string) => sweep.rows.find((x) => x.params.workers === w)?.pssTotalBytes ?? 0;
    // PSS read on the host: three workers hold more than one
    expect(pss('3')).toBeGreaterThan(pss('1') * 1.3);
    for (const row of sweep.rows) {
      const res = readResult(path.join(out, row.id));
      expect(res.target.host).toBe('lhspawn');
      expect(res.target.processes?.filter((p) => !p.exited)).toHaveLength(Number(row.params.workers) + 1);
    }
    expect(await noneLeft('leaky_flask:app')).toEqual([]);
  });

  it('a server that fails to start there: one line with its own output, nothing left running', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      'run',
      '--host',
      'lhspawn',
      '--spawn',
      `/usr/bin/python3 -c "import sys; print('config error: DATABASE_URL is not set', file=sys.stderr); sys.exit(3)" {port}`,
      '--url',
      'http://127.0.0.1:{port}/',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(2);
    const first = r.stderr.trim().split('\n')[0];
    expect(first).toMatch(
      /^leakhound: the server on lhspawn exited with code 3 before listening on 127\.0\.0\.1:\d+; its last output:$/,
    );
    expect(r.stderr).toContain('config error: DATABASE_URL is not set');
    expect(await noneLeft('DATABASE_URL')).toEqual([]);
    expect(await noneLeft('leakhound-rh-')).toEqual([]);
  });

  it('a command not on the host: one line naming it', async () => {
    const r = await cli([
      'run',
      '--host',
      'lhspawn',
      '--spawn',
      'no-such-server --port {port}',
      '--url',
      'http://127.0.0.1:{port}/',
      '--out',
      path.join(tmpDir(), 'run'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^leakhound: could not start the server on lhspawn: .*no-such-server: command not found on this host \(PATH=.*\): give its full path, or --cwd for a relative one$/,
    );
  });

  for (const [what, end] of [
    ['the helper killed', () => process.kill(helperOnHost(), 'SIGKILL')],
    ['the ssh session killed', () => killSessions()],
  ] as const)
    it(`${what} mid-run: the link-lost error, samples kept, the server leakhound started ended too`, async () => {
      const out = path.join(tmpDir(), 'run');
      const run = cli([...GUNICORN_ON_HOST, '--load', 'none', '--duration', '2m', '--out', out]);
      const samples = path.join(out, 'samples.jsonl');
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        if (existsSync(samples) && readFileSync(samples, 'utf8').trim().split('\n').length >= 10) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(onHost('leaky_flask:app')).toHaveLength(3);
      end();
      const r = await run;
      expect(r.code).toBe(4);
      expect(r.stderr.trim()).toMatch(
        /^leakhound: the SSH link to lhspawn was lost \(.*\); what was gathered is kept in /,
      );
      expect(readResult(out).errorKind).toBe('link-lost');
      expect(readFileSync(samples, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(10);
      expect(await noneLeft('leaky_flask:app')).toEqual([]);
      expect(await noneLeft('leakhound-rh-')).toEqual([]);
      // the helper's private folder too (a killed helper's is removed by the watchdog)
      const until2 = Date.now() + 5000;
      while (spawnHelperDirs().length > 0 && Date.now() < until2)
        await new Promise((r) => setTimeout(r, 100));
      expect(spawnHelperDirs()).toEqual([]);
    });
});
