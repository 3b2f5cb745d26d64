// `--host`: servers on "another machine" — started through a real OpenSSH server inside its
// own network namespace, so they are reachable only through SSH — hunted with the real CLI
// over the system ssh client: ps, a leaky Node server (SIGUSR1 + inspector through a
// forward), a leaky gunicorn with 2 workers and the dormant agent (censuses relayed by the
// helper), one without it (memory curves only, one line why), an unknown host key (one line
// with the fingerprint, nothing run), and sshd killed mid-run (its own error, samples kept,
// the helper gone by itself).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dormantEnv } from '../../electron/engine/attach/dormant';
import { listeningPortsSync, pickFreePort } from '../../electron/engine/proc/ports';
import { type Result, resultSchema } from '../../shared/result';
import { NODE_FIXTURES, PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';
import { startOnHost, startSshd, type TestSshd } from './sshd-harness';

let sshd: TestSshd;
let hostNet = ''; // the host's network namespace, read while its sshd lives
const targets: number[] = [];
let node: { pid: number; port: number };
let gunicorn: { pid: number; port: number };
let plainGunicorn: { pid: number; port: number };

const readResult = (out: string): Result =>
  resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));

/**
 * Our helper on this test's host, alive: a process in the host's network namespace whose
 * command line runs it from its temp folder (other test files' hosts run helpers at the same time).
 */
function helperProcesses(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      // the python3 the bootstrap starts (our local ssh client carries the same text in one argument)
      if (
        readlinkSync(`/proc/${d}/ns/net`) === hostNet &&
        readFileSync(`/proc/${d}/cmdline`, 'latin1').includes(
          '-c\0import os,sys,tempfile;d=tempfile.mkdtemp(prefix="leakhound-rh-")',
        )
      )
        out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

const helperDirs = () => readdirSync('/tmp').filter((d) => d.startsWith('leakhound-rh-'));

function reachableHere(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

const cli = (args: string[], timeoutMs?: number) =>
  runCli([...args, '--ssh-config', sshd.config], { env: { HOME: sshd.home }, timeoutMs });

beforeAll(async () => {
  sshd = await startSshd();
  hostNet = readlinkSync(`/proc/${sshd.pid}/ns/net`);
  const agentDir = path.join(sshd.dir, 'dormant-agent');
  const env = Object.fromEntries(dormantEnv(agentDir).map((l) => l.split(/=(.*)/s, 2)));
  let port = await pickFreePort();
  node = { pid: await startOnHost(sshd, NODE_FIXTURES, `${process.execPath} leaky-array.js`, port), port };
  targets.push(node.pid);
  port = await pickFreePort();
  gunicorn = {
    pid: await startOnHost(
      sshd,
      PY_FIXTURES,
      `/usr/bin/gunicorn -w 2 -b 127.0.0.1:${port} leaky_flask:app`,
      port,
      env,
    ),
    port,
  };
  targets.push(gunicorn.pid);
  port = await pickFreePort();
  plainGunicorn = {
    pid: await startOnHost(
      sshd,
      PY_FIXTURES,
      `/usr/bin/gunicorn -w 2 -b 127.0.0.1:${port} leaky_flask:app`,
      port,
    ),
    port,
  };
  targets.push(plainGunicorn.pid);
}, 90_000);

afterAll(() => {
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGTERM'); // started by this test, by pid; gunicorn's workers follow their master
    } catch {
      // gone
    }
  }
  sshd?.killAll();
});

describe('hunting on an ssh host', () => {
  it('the targets listen only inside the host (reachable through ssh, not from here)', async () => {
    expect(await reachableHere(node.port)).toBe(false);
    expect(await reachableHere(gunicorn.port)).toBe(false);
  });

  it('ps --host lists the host servers with their ports', async () => {
    const r = await cli(['ps', '--host', 'lhtest', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as {
      pid: number;
      runtime: string;
      ports: number[];
      children: number[];
    }[];
    const n = rows.find((x) => x.pid === node.pid);
    expect(n?.runtime).toBe('node');
    expect(n?.ports).toEqual([node.port]);
    const g = rows.find((x) => x.pid === gunicorn.pid);
    expect(g?.runtime).toBe('python');
    expect(g?.children).toHaveLength(2);
    expect(helperProcesses()).toEqual([]);
  });

  it('a Node server: leak found through the forwarded inspector, which is closed again', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      'run',
      '--host',
      'lhtest',
      '--attach',
      String(node.pid),
      '--requests',
      '2400',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.target.host).toBe('lhtest');
    expect(res.target.mode).toBe('attach');
    expect(res.target.runtime).toBe('node');
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toBe('OrderAuditEntry');
    expect(res.load?.via).toBe('ssh-forward');
    expect(res.target.remote?.url).toBe(`http://127.0.0.1:${node.port}/`);
    expect(res.target.remote?.bytesReceived).toBeGreaterThan(0);
    expect(res.target.remote?.helperCpuMs).toBeGreaterThanOrEqual(0);
    // samples in the local shape, from the host's /proc; PSS read there too
    expect(res.samples.length).toBeGreaterThan(5);
    expect(res.samples.some((s) => s.pssBytes !== null && s.processes?.[0]?.pid === node.pid)).toBe(true);
    expect(res.snapshots.filter((s) => s.file.endsWith('.heapsnapshot'))).toHaveLength(3);
    for (const s of res.snapshots) expect(existsSync(path.join(out, s.file))).toBe(true);
    // the inspector port is gone on the host: only the server's own port is left
    expect(listeningPortsSync(node.pid)).toEqual([node.port]);
    expect(helperProcesses()).toEqual([]);
    expect(helperDirs()).toEqual([]);
    expect(r.stdout).toMatch(/host lhtest over ssh/);
  });

  it('a gunicorn master with 2 workers and the dormant agent, picked by its command line: leak and class', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      'run',
      '--host',
      'lhtest',
      '--attach-match',
      `gunicorn -w 2 -b 127.0.0.1:${gunicorn.port}`,
      '--url',
      `http://127.0.0.1:${gunicorn.port}/audit`,
      '--requests',
      '2400',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.target.pid).toBe(gunicorn.pid);
    expect(res.target.runtime).toBe('python');
    expect(res.verdict.kind, res.verdict.reason).toBe('leak');
    expect(res.suspects[0].name).toMatch(/AuditRecord$/);
    expect(res.target.processes?.filter((p) => !p.exited)).toHaveLength(3);
    expect(res.target.remote?.fallback).toBeUndefined();
    expect(helperProcesses()).toEqual([]);
  });

  it('a gunicorn without the dormant agent: memory curves only, and one line how to get heap detail', async () => {
    const out = path.join(tmpDir(), 'run');
    const r = await cli([
      'run',
      '--host',
      'lhtest',
      '--attach',
      String(plainGunicorn.pid),
      '--url',
      `http://127.0.0.1:${plainGunicorn.port}/audit`,
      '--requests',
      '600',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const res = readResult(out);
    expect(res.suspects).toEqual([]);
    expect(res.target.remote?.fallback).toMatch(
      /no dormant leakhound agent, and no debugger is run over SSH: memory curves only; .*leakhound agent --print-env/,
    );
    expect(res.samples.length).toBeGreaterThan(0);
    // no debugger touched it: nothing of ours in its processes
    expect(readFileSync(`/proc/${plainGunicorn.pid}/status`, 'utf8')).toMatch(/TracerPid:\s+0/);
  });

  it('an unknown host key: one line with the fingerprint and what to do, nothing run on the host', async () => {
    const logins = (sshd.log().match(/Accepted publickey/g) ?? []).length;
    const out = path.join(tmpDir(), 'run');
    const r = await cli(['run', '--host', 'lhtest-unknown', '--attach', String(node.pid), '--out', out]);
    expect(r.code).toBe(2);
    const fp = execFileSync('ssh-keygen', ['-lf', path.join(sshd.dir, 'host_key.pub')], {
      encoding: 'utf8',
    }).split(' ')[1];
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^leakhound: the host key of lhtest-unknown is not known \(ssh-ed25519 SHA256:/);
    expect(lines[0]).toContain(fp);
    expect(lines[0]).toMatch(/nothing was run on lhtest-unknown$/);
    expect((sshd.log().match(/Accepted publickey/g) ?? []).length).toBe(logins);
  });

  // last: it kills the ssh server
  it('sshd killed mid-run: the link-lost error, samples kept, the helper gone by itself', async () => {
    const out = path.join(tmpDir(), 'run');
    const run = cli([
      'run',
      '--host',
      'lhtest',
      '--attach',
      String(plainGunicorn.pid),
      '--load',
      'none',
      '--duration',
      '2m',
      '--out',
      out,
    ]);
    const samples = path.join(out, 'samples.jsonl');
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (existsSync(samples) && readFileSync(samples, 'utf8').trim().split('\n').length >= 10) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const helpers = helperProcesses();
    expect(helpers).toHaveLength(1);
    sshd.killAll(); // sshd and its session processes only: the helper is left to notice on its own
    const r = await run;
    expect(r.code).toBe(4);
    expect(r.stderr.trim()).toMatch(
      /^leakhound: the SSH link to lhtest was lost \(.*\); what was gathered is kept in /,
    );
    const res = readResult(out);
    expect(res.status).toBe('failed');
    expect(res.errorKind).toBe('link-lost');
    expect(res.verdict.kind).toBe('inconclusive');
    expect(res.samples.length).toBeGreaterThanOrEqual(10);
    expect(readFileSync(samples, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(10);
    const gone = Date.now() + 5000;
    while (helperProcesses().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
    expect(helperProcesses()).toEqual([]);
    expect(helperDirs()).toEqual([]);
    // the target itself is untouched
    expect(existsSync(`/proc/${plainGunicorn.pid}`)).toBe(true);
  });
});
