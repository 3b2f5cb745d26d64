// The agent in plain Python processes: loading through sitecustomize (chained), sockets and
// their modes, forks, stale sockets, untracked objects, tracemalloc windows, timeouts.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AgentError,
  agentBootstrapCode,
  agentRequest,
  preparePythonAgent,
  pythonAgentEnv,
} from '../../electron/engine/python/agent-client';
import { PythonAgentSession } from '../../electron/engine/python/session';
import { FIXTURE_DIR, PYTHON } from '../fixtures/python/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});

interface Probe {
  child: ChildProcess;
  pid: number;
  send(line: string): Promise<string>;
}

/** Starts agent_probe.py; `send` writes one command and resolves with its one-line answer. */
async function probe(env: Record<string, string>): Promise<Probe> {
  const child = spawn(PYTHON, [join(FIXTURE_DIR, 'agent_probe.py')], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  started.push(child.pid as number);
  const lines: string[] = [];
  const waiters: ((l: string) => void)[] = [];
  let buf = '';
  child.stdout?.on('data', (b: Buffer) => {
    buf += b.toString();
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiters.shift();
      if (w) w(line);
      else lines.push(line);
      nl = buf.indexOf('\n');
    }
  });
  const next = () =>
    new Promise<string>((res, rej) => {
      const l = lines.shift();
      if (l !== undefined) return res(l);
      const t = setTimeout(() => rej(new Error('agent_probe.py did not answer in 20 s')), 20_000);
      waiters.push((x) => {
        clearTimeout(t);
        res(x);
      });
    });
  const ready = await next();
  expect(ready).toMatch(/^ready \d+$/);
  return {
    child,
    pid: child.pid as number,
    send: (line: string) => {
      child.stdin?.write(`${line}\n`);
      return next();
    },
  };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

const newRunDir = () => mkdtempSync(join(tmpdir(), 'lh-pyagent-'));

describe('python agent', () => {
  it('loads through PYTHONPATH, chains to the next sitecustomize, and serves a 0600 socket in a 0700 dir', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const other = mkdtempSync(join(tmpdir(), 'lh-othersite-'));
    const marker = join(other, 'ran');
    writeFileSync(join(other, 'sitecustomize.py'), `open(${JSON.stringify(marker)}, 'w').write('yes')\n`);
    const p = await probe({ ...env, PYTHONPATH: `${env.PYTHONPATH}:${other}` });
    expect(readFileSync(marker, 'utf8')).toBe('yes');
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    const sock = join(socketDir, `py-${p.pid}.sock`);
    expect(statSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    const s = new PythonAgentSession(socketDir);
    const [info] = await s.processes();
    expect(info.pid).toBe(p.pid);
    expect(info.ppid).toBe(process.pid);
    expect(info.python).toMatch(/^3\.\d+/);
    expect(info.argv[0]).toMatch(/agent_probe\.py$/);
  });

  it("still runs Debian's own sitecustomize when it is next on sys.path", async () => {
    const { env } = pythonAgentEnv(newRunDir());
    const code =
      "import sys; m = sys.modules.get('_leakhound_next_sitecustomize'); print(getattr(m, '__file__', None))";
    const out = await new Promise<string>((res) => {
      const c = spawn(PYTHON, ['-c', code], { env: { ...process.env, ...env } });
      let s = '';
      c.stdout.on('data', (b) => {
        s += b;
      });
      c.on('exit', () => res(s.trim()));
    });
    const debian = existsSync('/usr/lib/python3.11/sitecustomize.py')
      ? '/usr/lib/python3.11/sitecustomize.py'
      : 'None';
    expect(out).toBe(debian);
  });

  it('does nothing without LEAKHOUND_AGENT_DIR', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const p = await probe({ PYTHONPATH: env.PYTHONPATH });
    expect(await p.send('alloc 1')).toBe('ok 1');
    expect(readdirSync(socketDir)).toEqual([]);
  });

  it('gives a forked child its own socket, keeps the parent serving, and removes only its own at exit', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const p = await probe(env);
    const s = new PythonAgentSession(socketDir);
    await s.startTracemalloc(1);
    const childPid = Number((await p.send('fork')).split(' ')[1]);
    started.push(childPid);
    await waitFor(() => existsSync(join(socketDir, `py-${childPid}.sock`)));
    const procs = await s.processes();
    expect(procs.map((x) => x.pid).sort()).toEqual([p.pid, childPid].sort());
    const child = procs.find((x) => x.pid === childPid);
    expect(child?.ppid).toBe(p.pid);
    // a tracemalloc window is never inherited by a fork
    expect(child?.tracing).toBe(false);
    expect(procs.find((x) => x.pid === p.pid)?.tracing).toBe(true);
    await s.close();
    expect((await s.processes()).every((x) => !x.tracing)).toBe(true);
    // parent exits through atexit: its socket goes, the child's stays
    p.child.stdin?.write('exit\n');
    await waitFor(() => p.child.exitCode !== null);
    expect(existsSync(join(socketDir, `py-${p.pid}.sock`))).toBe(false);
    expect(await s.livePids()).toEqual([childPid]);
  });

  it('makes a fork wait for a census in progress, and the child agent works (no half-done import or census)', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const p = await probe(env);
    expect(await p.send('alloc 100000')).toBe('ok 100000');
    const s = new PythonAgentSession(socketDir);
    await s.startTracemalloc(1); // imports ctypes in the agent thread on 3.11
    const census = s.capture('during-fork');
    await sleep(30);
    const childPid = Number((await p.send('fork')).split(' ')[1]);
    started.push(childPid);
    const cap = await census;
    expect(cap.processes.map((x) => x.pid)).toContain(p.pid);
    await waitFor(() => existsSync(join(socketDir, `py-${childPid}.sock`)));
    const again = await s.capture('after-fork');
    expect(again.errors).toEqual([]);
    expect(again.processes.map((x) => x.pid).sort()).toEqual([p.pid, childPid].sort());
    await s.close();
  });

  it('cleans the stale socket of a killed process and reports it, without throwing', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const a = await probe(env);
    const b = await probe(env);
    const s = new PythonAgentSession(socketDir);
    expect((await s.livePids()).sort()).toEqual([a.pid, b.pid].sort());
    a.child.kill('SIGKILL');
    await waitFor(() => a.child.exitCode !== null || a.child.signalCode !== null);
    expect(existsSync(join(socketDir, `py-${a.pid}.sock`))).toBe(true); // SIGKILL leaves it behind
    const cps = await s.checkpoint();
    expect(cps.map((c) => c.pid)).toEqual([b.pid]);
    expect(cps[0].heapBytes).toBeGreaterThan(0);
    expect(s.deadPids.has(a.pid)).toBe(true);
    expect(existsSync(join(socketDir, `py-${a.pid}.sock`))).toBe(false);
    const cap = await s.capture('after');
    expect(cap.processes.map((p) => p.pid)).toEqual([b.pid]);
    expect(await s.referrers(a.pid, 'dict')).toEqual([]);
  });

  it('counts untracked dicts that gc.get_objects() misses, and chains new ones to their module global', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const p = await probe(env);
    const s = new PythonAgentSession(socketDir);
    const before = await s.capture('baseline');
    expect(await p.send('alloc 30000')).toBe('ok 30000');
    const after = await s.capture('final');
    const [c0] = before.processes;
    const [c1] = after.processes;
    expect(c1.types['builtins:dict'][0] - c0.types['builtins:dict'][0]).toBeGreaterThanOrEqual(30000);
    expect(c1.untrackedObjects - c0.untrackedObjects).toBeGreaterThanOrEqual(30000);
    expect(c1.trackedObjects - c0.trackedObjects).toBeLessThan(1000); // invisible to gc.get_objects()
    const dict = c1.inspected.find((i) => i.type === 'builtins:dict');
    expect(dict?.path.slice(0, 2)).toEqual(['__main__ (module)', 'held (list)']);
    expect(dict?.path.at(-1)).toBe('dict');
    expect(c1.maxHoldMs).toBeLessThanOrEqual(c1.wallMs);
    expect(await s.referrers(p.pid, 'dict')).not.toEqual([]);
  });

  it('leaves its own state out of the heap figure: taking the baseline census is not growth', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const p = await probe(env);
    await p.send('alloc 50000');
    const s = new PythonAgentSession(socketDir);
    const [before] = await s.checkpoint();
    await s.capture('baseline');
    const [after] = await s.checkpoint();
    expect(before.agentBlocks).toBe(0);
    expect(after.agentBlocks).toBeGreaterThan(100); // type keys, counts, ids, module names
    console.log(
      `heap figure moved ${after.heapBytes - before.heapBytes} B across the first census; agent keeps ${after.agentBlocks} blocks`,
    );
    expect(Math.abs(after.heapBytes - before.heapBytes)).toBeLessThan((after.agentBlocks * 64) / 2);
  });

  it('opens a tracemalloc window on demand and closes it by itself after maxSeconds', async () => {
    const { env, socketDir } = pythonAgentEnv(newRunDir());
    const p = await probe(env);
    const s = new PythonAgentSession(socketDir);
    await s.startTracemalloc(1, 120);
    expect((await s.processes())[0].tracing).toBe(true);
    await p.send('alloc 5000');
    const cap = await s.capture('tm', { tracemalloc: true });
    const top = cap.processes[0].tracemalloc?.top ?? [];
    expect(top.some((t) => t.file.endsWith('agent_probe.py'))).toBe(true);
    await s.stopTracemalloc();
    expect((await s.processes())[0].tracing).toBe(false);
    // a window nobody closes (client gone) closes itself
    await s.startTracemalloc(1, 0.2);
    await sleep(500);
    expect((await s.processes())[0].tracing).toBe(false);
  });

  it('starts from bootstrap code in a process launched without it (attach), and shuts down leaving nothing open', async () => {
    const { agentDir, socketDir } = preparePythonAgent(newRunDir());
    const code = `${agentBootstrapCode(agentDir, socketDir)}\nimport time\nprint('up', flush=True)\ntime.sleep(60)\n`;
    const child = spawn(PYTHON, ['-c', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    started.push(child.pid as number);
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    const s = new PythonAgentSession(socketDir);
    expect(await s.livePids()).toEqual([child.pid]);
    const threads = () => readdirSync(`/proc/${child.pid}/task`).length;
    expect(threads()).toBe(2); // main + the agent's
    expect(await s.shutdownAgents()).toEqual([child.pid]);
    await waitFor(() => threads() === 1);
    expect(readdirSync(socketDir)).toEqual([]);
    expect(child.exitCode).toBeNull(); // the target lives on
  });

  it('is idle-cheap: the agent thread burns no CPU while nobody asks', async () => {
    const { env } = pythonAgentEnv(newRunDir());
    const p = await probe(env);
    await sleep(300);
    const ticks = () => {
      const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (10 ms)
    };
    const t0 = ticks();
    await sleep(3000);
    expect(ticks() - t0).toBeLessThanOrEqual(2);
  });
});

describe('agent transport', () => {
  let server: Server | null = null;
  afterEach(() => {
    server?.close();
    server = null;
  });

  it('times out on a socket that accepts and never answers, and the session reports instead of throwing', async () => {
    const dir = join(newRunDir(), 's');
    mkdirSync(dir, { mode: 0o700 });
    const path = join(dir, `py-${process.pid}.sock`); // a live pid: not reaped as stale
    server = createServer(() => {});
    await new Promise<void>((r) => server?.listen(path, r));
    const t0 = Date.now();
    const err = (await agentRequest(path, 'ping', {}, 300).catch((e: unknown) => e)) as AgentError;
    expect(err).toBeInstanceOf(AgentError);
    expect(err.code).toBe('ETIMEDOUT');
    expect(Date.now() - t0).toBeLessThan(3000);
    const s = new PythonAgentSession(dir, { checkpointMs: 300, pingMs: 300, censusMs: 300 });
    expect(await s.checkpoint()).toEqual([]);
    expect(s.lastErrors.map((e) => e.pid)).toEqual([process.pid]);
    const cap = await s.capture('x');
    expect(cap.errors.map((e) => e.pid)).toEqual([process.pid]);
    expect(await s.livePids()).toEqual([]);
  });
});
