// Parsers of /proc, ps, lsof and netstat text, runtime detection and the ps table: pure
// functions fed with real text (from this machine's /proc where we can).
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectPortOf } from '../../electron/engine/attach/node';
import { wrapSnippet } from '../../electron/engine/attach/snippet';
import { parseNetTcp } from '../../electron/engine/proc/ports';
import {
  childrenOf,
  fieldInt,
  parseSmaps,
  parseStat,
  parseStatus,
  readCmdline,
  readSmapsRollup,
  readStat,
  readStatus,
  startTimeMs,
} from '../../electron/engine/proc/procfs';
import { formatProcessTable, selectServers } from '../../electron/engine/proc/ps';
import {
  parseEtime,
  parseLsofListen,
  parseNetstatListen,
  parsePsOutput,
  parseWindowsOutput,
  treeOf,
} from '../../electron/engine/proc/psfallback';
import { runtimeOfArgv, runtimeOfExe } from '../../electron/engine/proc/runtime';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'lh-proc-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('procfs parsers', () => {
  it('reads our own status with the same RSS the runtime reports', () => {
    const st = readStatus(process.pid)!;
    expect(st.pid).toBe(process.pid);
    expect(st.ppid).toBe(process.ppid);
    expect(st.name.length).toBeGreaterThan(0);
    expect(st.threads).toBeGreaterThan(1);
    expect(st.uid).toBe(process.getuid!());
    const rss = process.memoryUsage().rss;
    expect(Math.abs(st.rssBytes - rss) / rss).toBeLessThan(0.2);
    expect(st.vmHwmBytes).toBeGreaterThanOrEqual(st.rssBytes);
  });

  it('fieldInt finds keys only at line starts and parses kB values', () => {
    const text = readFileSync(`/proc/${process.pid}/status`);
    const parsed = parseStatus(text.toString('latin1'), process.pid);
    expect(fieldInt(text, text.length, 'VmRSS') * 1024).toBe(parsed.rssBytes);
    expect(fieldInt(text, text.length, 'PPid')).toBe(process.ppid);
    // "Pid" must not match TracerPid or PPid
    expect(fieldInt(text, text.length, 'Pid')).toBe(process.pid);
    expect(fieldInt(text, text.length, 'NoSuchKey')).toBe(-1);
  });

  it('parses smaps_rollup: PSS ≤ RSS, private = clean + dirty', () => {
    const sample = Buffer.from(
      '55f0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  4024 kB\nPss:  907 kB\nPss_Dirty:  566 kB\nShared_Clean: 3076 kB\nPrivate_Clean: 12 kB\nPrivate_Dirty: 248 kB\nPrivate_Hugetlb: 999 kB\n',
    );
    expect(parseSmaps(sample, sample.length)).toEqual({
      pssBytes: 907 * 1024,
      privateBytes: 260 * 1024,
      rssBytes: 4024 * 1024,
    });
    const live = readSmapsRollup(process.pid)!;
    expect(live.pssBytes).toBeGreaterThan(0);
    expect(live.pssBytes).toBeLessThanOrEqual(live.rssBytes);
    expect(live.privateBytes).toBeLessThanOrEqual(live.pssBytes);
  });

  it('parses stat lines whose comm holds spaces and parentheses', () => {
    const st = parseStat(
      '123 (my (odd) proc) S 1 123 123 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 4242 0 0',
      123,
    )!;
    expect(st).toMatchObject({ pid: 123, state: 'S', ppid: 1, pgrp: 123, session: 123, startTicks: 4242 });
  });

  it('finds a child, its cmdline and its start time; a dead pid reads as null', async () => {
    const child = spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      expect(childrenOf(process.pid)).toContain(child.pid);
      expect(readCmdline(child.pid!)).toEqual(['/bin/sleep', '30']);
      const started = startTimeMs(child.pid!)!;
      expect(Math.abs(Date.now() - started)).toBeLessThan(5000);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    expect(readStatus(child.pid!)).toBeNull();
    expect(readStat(child.pid!)).toBeNull();
    expect(readSmapsRollup(child.pid!)).toBeNull();
    expect(readCmdline(child.pid!)).toBeNull();
    expect(childrenOf(child.pid!)).toEqual([]);
  });
});

describe('/proc/net/tcp', () => {
  it('keeps LISTEN rows only and decodes v4 and v6 addresses', () => {
    const v4 =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 0100007F:2405 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4711 1 0 100 0 0 10 0\n' +
      '   1: 0100007F:2405 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4712 1 0 100 0 0 10 0\n';
    expect(parseNetTcp(v4, false)).toEqual([{ inode: 4711, port: 9221, address: '127.0.0.1' }]);
    const v6 =
      '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0 100 0 0 10 0\n' +
      '   1: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 98 1 0 100 0 0 10 0\n';
    expect(parseNetTcp(v6, true)).toEqual([
      { inode: 99, port: 8080, address: '::1' },
      { inode: 98, port: 80, address: '::' },
    ]);
  });
});

describe('ps / lsof / netstat fallbacks', () => {
  it('parses etime forms', () => {
    expect(parseEtime('05:07')).toBe(307);
    expect(parseEtime('02:05:07')).toBe(7507);
    expect(parseEtime('3-02:05:07')).toBe(3 * 86400 + 7507);
    expect(parseEtime('bogus')).toBeNull();
  });

  it("parses this machine's real ps output and agrees with /proc", () => {
    const text = execFileSync('ps', ['-A', '-o', 'pid=,ppid=,rss=,etime=,args=']).toString();
    const rows = parsePsOutput(text);
    const me = rows.find((r) => r.pid === process.pid)!;
    expect(me.ppid).toBe(process.ppid);
    expect(me.command).toContain('node');
    expect(me.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    const tree = treeOf(rows, process.ppid);
    expect(tree[0].pid).toBe(process.ppid);
    expect(tree.map((r) => r.pid)).toContain(process.pid);
    expect(treeOf(rows, 999_999_999)).toEqual([]);
  });

  it('parses Windows CIM lines, lsof -F and netstat -ano', () => {
    const win = parseWindowsOutput(
      '4\t0\t1024\t\t\t\r\n812\t4\t52428800\t41943040\t3600\tC:\\node.exe server.js --port 80\r\nnoise\r\n',
    );
    expect(win[1]).toEqual({
      pid: 812,
      ppid: 4,
      rssBytes: 52428800,
      privateBytes: 41943040,
      elapsedSec: 3600,
      command: 'C:\\node.exe server.js --port 80',
    });
    const lsof = parseLsofListen('p501\nf21\nn127.0.0.1:3000\nf22\nn[::1]:3000\np77\nf5\nn*:8000\n');
    expect([...lsof]).toEqual([
      [501, [3000]],
      [77, [8000]],
    ]);
    const ns = parseNetstatListen(
      '  Proto  Local Address  Foreign Address  State  PID\r\n  TCP    0.0.0.0:135   0.0.0.0:0   LISTENING   1012\r\n  TCP    [::]:8080   [::]:0   LISTENING   812\r\n  TCP  127.0.0.1:5000  127.0.0.1:6000  ESTABLISHED  812\r\n',
    );
    expect([...ns]).toEqual([
      [1012, [135]],
      [812, [8080]],
    ]);
  });
});

describe('runtime detection', () => {
  it('names interpreters by exe basename', () => {
    expect(runtimeOfExe('/usr/bin/node')).toBe('node');
    expect(runtimeOfExe('/usr/bin/nodejs')).toBe('node');
    expect(runtimeOfExe('C:\\Program Files\\nodejs\\node.exe'.replace(/\\/g, '/'))).toBe('node');
    expect(runtimeOfExe('/usr/bin/python3.11')).toBe('python');
    expect(runtimeOfExe('/usr/local/bin/python3')).toBe('python');
    expect(runtimeOfExe('/opt/app/electron')).toBe('electron');
    expect(runtimeOfExe('/usr/bin/sleep')).toBe('other');
    expect(runtimeOfExe('/usr/bin/nodemon')).toBe('other');
  });

  it('falls back to argv and script shebangs', () => {
    const script = path.join(tmp, 'myserve');
    writeFileSync(script, '#!/usr/bin/env python3\nprint(1)\n');
    chmodSync(script, 0o755);
    const nodeScript = path.join(tmp, 'nserve');
    writeFileSync(nodeScript, '#!/usr/local/bin/node\n');
    expect(runtimeOfArgv([script, '--bind', ':80'])).toBe('python');
    expect(runtimeOfArgv([nodeScript])).toBe('node');
    expect(runtimeOfArgv(['/usr/bin/gunicorn', 'app:app'])).toBe('python');
    expect(runtimeOfArgv(['gunicorn: worker [app:app]'])).toBe('python');
    expect(runtimeOfArgv(['node', 'server.js'])).toBe('node');
    expect(runtimeOfArgv(['/bin/sleep', '60'])).toBe('other');
    expect(runtimeOfArgv([])).toBe('other');
  });
});

describe('node attach helpers', () => {
  it('finds the port SIGUSR1 will open', () => {
    expect(inspectPortOf(['node', 'server.js'])).toBe(9229);
    expect(inspectPortOf(['node', '--inspect-port=9333', 'server.js'])).toBe(9333);
    expect(inspectPortOf(['node', '--inspect-port', '127.0.0.1:9444', 's.js'])).toBe(9444);
    expect(inspectPortOf(['node', 's.js'], '--max-old-space-size=100 --debug-port=9555')).toBe(9555);
  });
});

describe('python injection helpers', () => {
  it('wraps a snippet so that it runs, never raises, and leaves __main__ alone', () => {
    const code =
      'import sys\nx = "quote \\" and \\\\ backslash, é"\nsys.stdout.write(x + "\\n")\nraise ValueError("boom")\n';
    const host = `exec(${JSON.stringify(wrapSnippet(code))})\nprint(sorted(k for k in globals() if not k.startswith('__')))\n`;
    const r = execFileSync('/usr/bin/python3', ['-c', host], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(r).toBe('quote " and \\ backslash, é\n[]\n');
  });
});

describe('ps table', () => {
  const row = (
    pid: number,
    ppid: number,
    runtime: 'node' | 'python' | 'other',
    ports: number[],
    command: string,
  ) => ({
    pid,
    ppid,
    command,
    runtime,
    ports,
    rssBytes: 50 * 1024 * 1024,
    pssBytes: null,
    uptimeMs: 3_725_000,
  });

  it('keeps listeners and their node/python parents, groups workers under their master', () => {
    const rows = [
      row(1, 0, 'other', [], 'init'),
      row(10, 1, 'other', [], 'bash'),
      row(20, 10, 'python', [8000], 'gunicorn master'),
      row(21, 20, 'python', [8000], 'gunicorn worker'),
      row(22, 20, 'python', [8000], 'gunicorn worker'),
      row(30, 10, 'node', [], 'npm start'),
      row(31, 30, 'node', [3000], 'node server.js'),
      row(40, 10, 'other', [], 'sleep 60'),
    ];
    const servers = selectServers(rows);
    expect(servers.map((s) => s.pid)).toEqual([20, 21, 22, 30, 31]);
    expect(servers.find((s) => s.pid === 20)!.children).toEqual([21, 22]);
    const table = formatProcessTable(servers, 100);
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^PID\s+RUNTIME\s+PORTS\s+RSS\s+PSS\s+UPTIME\s+COMMAND$/);
    expect(lines[1]).toMatch(/^20\s+python\s+8000\s+50\.0 MB\s+-\s+1h02m\s+gunicorn master$/);
    expect(lines[2]).toMatch(/^ {2}└ 21\s+python/);
    expect(lines[3]).toMatch(/^ {2}└ 22\s+python/);
    expect(lines[4]).toMatch(/^30\s+node\s+-/);
    expect(lines[5]).toMatch(/^ {2}└ 31\s+node\s+3000/);
    expect(formatProcessTable([])).toMatch(/^no server-like processes/);
  });
});
