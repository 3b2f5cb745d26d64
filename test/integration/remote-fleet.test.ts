// Many hosts in one run (`--host a --host b … --attach-match TEXT`): two real OpenSSH servers,
// each a "machine" of its own (network, pid and mount namespaces: own /proc and /tmp), joined in one ssh
// config, the same-looking service on the same port behind each (a leaky Node server on one,
// a bounded cache on the other). One hunt per host at once through the real CLI: a verdict
// line per host, one summary line, fleet.json and a run folder per host; a host that cannot
// be reached fails alone; bad input is one line and exit 2 with nothing written.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dormantEnv } from '../../electron/engine/attach/dormant';
import { pickFreePort } from '../../electron/engine/proc/ports';
import type { FleetSummary } from '../../electron/engine/remote/fleet';
import { resultSchema } from '../../shared/result';
import { NODE_FIXTURES, PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';
import { startOnHost, startSshd, type TestSshd } from './sshd-harness';

let a: TestSshd;
let b: TestSshd;
let config: string;
let port: number;
let gport: number;
const pids: Record<string, number> = {};
// what both hosts' servers have in their command line, as `gunicorn: master` would be
const MATCH = `${NODE_FIXTURES}/`;

const cli = (args: string[], timeoutMs?: number) =>
  runCli([...args, '--ssh-config', config], { env: { HOME: a.home }, timeoutMs });

const readFleet = (dir: string): FleetSummary =>
  JSON.parse(readFileSync(path.join(dir, 'fleet.json'), 'utf8')) as FleetSummary;

beforeAll(async () => {
  [a, b] = await Promise.all([
    startSshd('lhtest-a', { ownPids: true }),
    startSshd('lhtest-b', { ownPids: true }),
  ]);
  config = path.join(tmpDir('lh-fleet-ssh-'), 'ssh_config');
  writeFileSync(config, `${a.entries}\n${b.entries}`);
  // one port for both: each host has its own loopback
  port = await pickFreePort();
  pids['lhtest-a'] = await startOnHost(a, NODE_FIXTURES, `${process.execPath} ${MATCH}leaky-array.js`, port);
  pids['lhtest-b'] = await startOnHost(b, NODE_FIXTURES, `${process.execPath} ${MATCH}bounded-lru.js`, port);
  // the same gunicorn service (2 workers, the dormant agent) behind both hosts
  gport = await pickFreePort();
  for (const h of [a, b]) {
    const env = Object.fromEntries(dormantEnv(path.join(h.dir, 'agent')).map((l) => l.split(/=(.*)/s, 2)));
    pids[`${h.name}:gunicorn`] = await startOnHost(
      h,
      PY_FIXTURES,
      `/usr/bin/gunicorn -w 2 -b 127.0.0.1:${gport} leaky_flask:app`,
      gport,
      env,
    );
  }
}, 90_000);

afterAll(() => {
  // sshd is each host's pid-namespace init: the servers started there end with it
  a?.killAll();
  b?.killAll();
});

describe('several hosts in one run', () => {
  it('builtin load: a verdict per host, one summary, fleet.json, exit 3 with --fail-on-leak', async () => {
    const out = path.join(tmpDir(), 'fleet');
    const r = await cli(
      [
        'run',
        '--host',
        'lhtest-a',
        '--host',
        'lhtest-b',
        '--attach-match',
        MATCH,
        '--requests',
        '2400',
        '--fail-on-leak',
        '--out',
        out,
      ],
      240_000,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(
      new RegExp(
        `^lhtest-a: LEAK — [\\d.]+ B/request \\(95% CI [\\d.]+ … [\\d.]+\\), pid ${pids['lhtest-a']}, run folder ${out}/lhtest-a$`,
        'm',
      ),
    );
    // the bounded cache over 2400 requests: no leak, or inconclusive when its small growth is real
    const b = new RegExp(
      `^lhtest-b: (NO LEAK|INCONCLUSIVE) — -?[\\d.]+ B/request .*pid ${pids['lhtest-b']}, run folder ${out}/lhtest-b$`,
      'm',
    ).exec(r.stdout);
    expect(b, r.stdout).not.toBeNull();
    const bVerdict = b?.[1] === 'NO LEAK' ? 'no-leak' : 'inconclusive';
    expect(r.stdout).toContain(
      `\nsummary: 2 hosts: leak on 1 (lhtest-a); ${bVerdict.replace('-', ' ')} on 1 (lhtest-b)\n`,
    );
    const fleet = readFleet(out);
    expect(fleet.hosts.map((h) => [h.host, h.status, h.verdict, h.unit, h.pid])).toEqual([
      ['lhtest-a', 'finished', 'leak', 'request', pids['lhtest-a']],
      ['lhtest-b', 'finished', bVerdict, 'request', pids['lhtest-b']],
    ]);
    for (const h of fleet.hosts) {
      const res = resultSchema.parse(JSON.parse(readFileSync(path.join(h.dir, 'result.json'), 'utf8')));
      expect(res.target.host).toBe(h.host);
      expect(res.target.pid).toBe(h.pid);
      expect(res.verdict.kind).toBe(h.verdict);
      expect(res.verdict.bytesPerRequest).toBe(h.bytesPerRequest);
      expect(res.load?.via).toBe('ssh-forward');
      expect(res.samples.length).toBeGreaterThan(5);
    }
    const leaky = resultSchema.parse(
      JSON.parse(readFileSync(path.join(out, 'lhtest-a/result.json'), 'utf8')),
    );
    expect(leaky.suspects[0].name).toBe('OrderAuditEntry');
  });

  it('--load none, and a host that cannot be reached: the others still hunt, that one fails alone, exit 4', async () => {
    const out = path.join(tmpDir(), 'fleet');
    const r = await cli([
      'run',
      '--host',
      'lhtest-a',
      '--host',
      'lhtest-b',
      '--host',
      'lhtest-b-unknown',
      '--attach-match',
      MATCH,
      '--load',
      'none',
      '--duration',
      '8s',
      '--out',
      out,
    ]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^lhtest-a: (LEAK|NO LEAK|INCONCLUSIVE) — -?[\d.]+ B\/second/m);
    expect(r.stdout).toMatch(/^lhtest-b: (LEAK|NO LEAK|INCONCLUSIVE) — -?[\d.]+ B\/second/m);
    expect(r.stdout).toMatch(/^lhtest-b-unknown: FAILED — the host key of lhtest-b-unknown is not known/m);
    expect(r.stdout).toMatch(/^summary: 3 hosts: .*failed on 1 \(lhtest-b-unknown\)$/m);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^leakhound: lhtest-b-unknown: the host key of lhtest-b-unknown is not known/),
    ]);
    const fleet = readFleet(out);
    expect(fleet.hosts.map((h) => [h.host, h.status, h.unit])).toEqual([
      ['lhtest-a', 'finished', 'second'],
      ['lhtest-b', 'finished', 'second'],
      ['lhtest-b-unknown', 'error', 'second'],
    ]);
    expect(existsSync(path.join(out, 'lhtest-a', 'samples.jsonl'))).toBe(true);
  });

  it('gunicorn behind both hosts under live traffic, --load none: a leak per host in B/second, each through its own agent', async () => {
    // the "balancer's" traffic, from inside each host to its own loopback: bounded in time and count
    const traffic = `/usr/bin/python3 -c "import time,urllib.request as u
t=time.time()+40; n=0
while time.time()<t and n<20000:
  u.urlopen('http://127.0.0.1:${gport}/audit').read(); n+=1
  time.sleep(0.004)"`;
    for (const h of [a, b]) {
      const r = await h.ssh(`nohup ${traffic} > /dev/null 2>&1 < /dev/null & echo started`);
      expect(r.stdout.trim()).toBe('started');
    }
    const out = path.join(tmpDir(), 'fleet');
    const r = await cli([
      'run',
      '--host',
      'lhtest-a',
      '--host',
      'lhtest-b',
      '--attach-match',
      `gunicorn -w 2 -b 127.0.0.1:${gport}`,
      '--load',
      'none',
      '--duration',
      '20s',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const host of ['lhtest-a', 'lhtest-b'])
      expect(r.stdout).toMatch(
        new RegExp(
          `^${host}: LEAK — [\\d.]+ B/second \\(95% CI [\\d.]+ … [\\d.]+\\), pid ${pids[`${host}:gunicorn`]}, `,
          'm',
        ),
      );
    expect(r.stdout).toMatch(/^summary: 2 hosts: leak on 2 \(lhtest-a, lhtest-b\)$/m);
    for (const h of readFleet(out).hosts) {
      const res = resultSchema.parse(JSON.parse(readFileSync(path.join(h.dir, 'result.json'), 'utf8')));
      expect(res.target.runtime).toBe('python');
      expect(res.target.remote?.fallback).toBeUndefined();
      expect(res.target.processes?.filter((p) => !p.exited)).toHaveLength(3);
      expect(res.suspects[0]?.name).toMatch(/AuditRecord$/);
    }
    // each host's agents serve in that host's own /tmp (the namespaces' pids may coincide)
    for (const h of [a, b]) {
      const tmp = path.join(h.dir, 'host-tmp');
      const agentDir = readdirSync(tmp).find((d) => d.startsWith('leakhound-agent-'));
      expect(agentDir, `${h.name}: ${readdirSync(tmp).join(' ')}`).toBeDefined();
      expect(readdirSync(path.join(tmp, agentDir as string))).toContain(
        `py-${pids[`${h.name}:gunicorn`]}.sock`,
      );
    }
  }, 120_000);

  it('no host reachable: exit 2, a line per host', async () => {
    const out = path.join(tmpDir(), 'fleet');
    const r = await cli([
      'run',
      '--host',
      'lhtest-a-unknown',
      '--host',
      'lhtest-b-unknown',
      '--attach-match',
      MATCH,
      '--load',
      'none',
      '--duration',
      '5s',
      '--out',
      out,
    ]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^leakhound: lhtest-a-unknown: the host key of lhtest-a-unknown is not known/);
    expect(lines[1]).toMatch(/^leakhound: lhtest-b-unknown: the host key of lhtest-b-unknown is not known/);
  });

  it.each([
    [
      ['--host', 'lhtest-a', '--host', 'lhtest-a', '--attach-match', MATCH],
      /^leakhound: --host names a host twice/,
    ],
    [
      ['--host', 'lhtest-a', '--host', 'lhtest-b', '--attach', '123'],
      /^leakhound: several --host with --attach PID/,
    ],
    [['--host', 'lhtest-a', '--host', 'lhtest-b'], /^leakhound: several --host need --attach-match TEXT/],
  ])('bad input %j: one line, exit 2, nothing written', async (args, message) => {
    const out = path.join(tmpDir(), 'fleet');
    const r = await cli(['run', ...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('run --help names the many-hosts form', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--host DEST [--host DEST2 …] --attach-match TEXT');
    expect(r.stdout).toMatch(/--host DEST .*repeat for several hosts \(with --attach-match\)/);
  });
});
