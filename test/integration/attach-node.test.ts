// Attach to Node servers started WITHOUT --inspect: SIGUSR1 opens the inspector on 9229,
// the pid is confirmed, and close() leaves the server serving with no inspector port.
// Bad cases leave the target untouched.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNodeInspector } from '../../electron/engine/attach/node';
import { UserError } from '../../electron/engine/errors';
import { isPortFree, listeningPortsSync } from '../../electron/engine/proc/ports';
import { lockInspectPort } from '../helpers/inspect-lock';
import { get, type Started, sleep, startNodeServer, stop, until } from './proc-helpers';

// this file signals Node servers here: one such file at a time holds 127.0.0.1:9229
let releaseInspect: () => void = () => {};
beforeAll(async () => {
  releaseInspect = await lockInspectPort();
}, 16 * 60_000);
afterAll(() => releaseInspect());

const INSPECT = 9229;
let srv: Started;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'lh-attach-node-'));
// the unprivileged run reads its script and keeps tsx's cache here
chmodSync(tmp, 0o777);

beforeAll(async () => {
  if (!(await isPortFree(INSPECT))) throw new Error('port 9229 is busy before the test: cannot test attach');
  srv = await startNodeServer();
});

afterAll(async () => {
  await stop(srv);
  rmSync(tmp, { recursive: true, force: true });
});

async function lag(port: number): Promise<number> {
  return (JSON.parse((await get(port, '/lag')).body) as { maxLag: number }).maxLag;
}

describe('openNodeInspector', () => {
  it('opens, confirms the pid, works, and closes again: 9229 free, server still serves', async () => {
    expect(listeningPortsSync(srv.pid)).toEqual([srv.port]);
    await lag(srv.port); // reset the stall meter
    const insp = await openNodeInspector(srv.pid);
    try {
      expect(insp.preexisting).toBe(false);
      expect(insp.port).toBe(INSPECT);
      expect(insp.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:9229\//);
      expect(listeningPortsSync(srv.pid)).toEqual([srv.port, INSPECT].sort((a, b) => a - b));
      const pid = await insp.client.send('Runtime.evaluate', {
        expression: 'process.pid',
        returnByValue: true,
      });
      expect(pid.result.value).toBe(srv.pid);
      const heap = await insp.client.send<{ usedSize: number }>('Runtime.getHeapUsage');
      expect(heap.usedSize).toBeGreaterThan(100_000);
    } finally {
      await insp.close();
    }
    const pause = await lag(srv.port);
    console.log(
      `node attach: inspector open after ${insp.openMs} ms, target stalled at most ${pause.toFixed(1)} ms`,
    );
    expect(listeningPortsSync(srv.pid)).toEqual([srv.port]);
    expect(await isPortFree(INSPECT)).toBe(true);
    expect(insp.client.closed).toBe(true);
    expect((await get(srv.port)).body).toBe(`ok ${srv.pid}`);
    // and it can be done again (a second hunt on the same server)
    const again = await openNodeInspector(srv.pid);
    await again.close();
    await again.close(); // idempotent
    expect(listeningPortsSync(srv.pid)).toEqual([srv.port]);
    expect((await get(srv.port, '/leak')).status).toBe(200);
  });

  it('uses an inspector the target already has open, and leaves it open', async () => {
    const own = await startNodeServer(['--inspect=127.0.0.1:0']);
    try {
      const before = listeningPortsSync(own.pid);
      expect(before).toHaveLength(2);
      const insp = await openNodeInspector(own.pid);
      expect(insp.preexisting).toBe(true);
      expect(insp.port).not.toBe(own.port);
      expect(before).toContain(insp.port);
      await insp.close();
      expect(listeningPortsSync(own.pid)).toEqual(before);
    } finally {
      await stop(own);
    }
  });

  it('reuses an inspector an earlier SIGUSR1 left open on 9229, and leaves it open', async () => {
    const own = await startNodeServer();
    try {
      process.kill(own.pid, 'SIGUSR1');
      await until(() => listeningPortsSync(own.pid).includes(INSPECT), 5000, 'the inspector to open');
      const insp = await openNodeInspector(own.pid);
      expect(insp.preexisting).toBe(true);
      expect(insp.port).toBe(INSPECT);
      await insp.close();
      expect(listeningPortsSync(own.pid)).toContain(INSPECT);
    } finally {
      await stop(own);
    }
    await until(() => isPortFree(INSPECT), 5000, '9229 to be free again');
  });

  it('refuses a pid that does not exist', async () => {
    await expect(openNodeInspector(999_999_999)).rejects.toThrow(/no process with pid 999999999/);
    await expect(openNodeInspector(-3)).rejects.toBeInstanceOf(UserError);
  });

  it('refuses a non-Node process and does not signal it', async () => {
    const sl = spawn('/bin/sleep', ['60'], { stdio: 'ignore' });
    await new Promise((r) => sl.once('spawn', r));
    try {
      const err = await openNodeInspector(sl.pid!).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toMatch(/is sleep, not node: refusing to send SIGUSR1/);
      await sleep(100);
      expect(sl.exitCode).toBeNull();
      expect(sl.signalCode).toBeNull();
    } finally {
      sl.kill('SIGKILL');
    }
  });

  it('refuses when 9229 is held by another process, target untouched', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(INSPECT, '127.0.0.1', r));
    try {
      const err = await openNodeInspector(srv.pid).catch((e) => e);
      expect(err).toBeInstanceOf(UserError);
      expect(err.message).toContain(`port 9229 is held by pid ${process.pid}`);
      expect(listeningPortsSync(srv.pid)).toEqual([srv.port]);
      expect((await get(srv.port)).body).toBe(`ok ${srv.pid}`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('refuses clearly when run as an unprivileged user, target untouched', async () => {
    const script = path.join(tmp, 'attach-as-nobody.ts');
    writeFileSync(
      script,
      `import { openNodeInspector } from ${JSON.stringify(path.resolve(__dirname, '../../electron/engine/attach/node'))};\n` +
        `openNodeInspector(${srv.pid}).then(() => console.log('OPENED'), (e) => console.log(e.name + ': ' + e.message));\n`,
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
    expect(out).toMatch(/UserError: cannot check pid \d+ \(permission denied/);
    expect(listeningPortsSync(srv.pid)).toEqual([srv.port]);
    expect((await get(srv.port)).body).toBe(`ok ${srv.pid}`);
  });
});
