// The Hosts screen in Chromium against a real OpenSSH server (its own network and pid
// namespaces: a machine of its own) with a leaky Node server behind it: the ssh config's
// hosts listed, a host added by hand, its processes shown (read there by the remote helper),
// one click on Attach starts a hunt on that host, and the live curve grows; an unknown host
// key is one line on the screen.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickFreePort } from '../../electron/engine/proc/ports';
import { resultSchema } from '../../shared/result';
import { startOnHost, startSshd, type TestSshd } from '../integration/sshd-harness';
import { fixture, openApp, shot, startUi, type UiEnv } from './ui-helpers';

let env: UiEnv;
let sshd: TestSshd;
let pid = 0;
let port = 0;
const saved = process.env.LEAKHOUND_SSH_CONFIG;

beforeAll(async () => {
  sshd = await startSshd('lhtest', { ownPids: true });
  port = await pickFreePort();
  pid = await startOnHost(sshd, path.dirname(fixture('x')), `${process.execPath} leaky-array.js`, port);
  // serve runs in this process: the hosts it lists and the ssh it runs use this config
  process.env.LEAKHOUND_SSH_CONFIG = sshd.config;
  env = await startUi();
}, 120_000);

afterAll(async () => {
  await env?.close();
  if (saved === undefined) delete process.env.LEAKHOUND_SSH_CONFIG;
  else process.env.LEAKHOUND_SSH_CONFIG = saved;
  sshd?.killAll(); // the host's pid-namespace init: the server started there ends with it
});

describe('UI: Hosts', () => {
  it('lists the ssh config hosts, adds one, shows its servers, attaches with one click and draws the live curve', async () => {
    const { page, problems } = await openApp(env);
    await page.getByRole('link', { name: 'Hosts' }).click();
    await page.getByRole('heading', { name: 'Hosts' }).waitFor();
    const hosts = page.getByTestId('host');
    await expect
      .poll(() => hosts.allTextContents())
      .toEqual([
        expect.stringMatching(/^lhtest\s*ssh config/),
        expect.stringMatching(/^lhtest-unknown\s*ssh config/),
      ]);
    expect(await page.getByText(`from ${sshd.config}`).count()).toBe(1);

    // added by hand: a destination ssh resolves through the config's Host lhtest
    await page.getByLabel('Host to add').fill('root@lhtest');
    await page.getByRole('button', { name: 'Add host' }).click();
    const added = hosts.filter({ hasText: 'root@lhtest' });
    await expect.poll(() => added.textContent()).toMatch(/added/);
    expect(JSON.parse(readFileSync(path.join(env.dataDir, 'hosts.json'), 'utf8'))).toEqual({
      added: ['root@lhtest'],
    });

    const servers = page.getByRole('region', { name: 'Servers on root@lhtest' });
    const row = servers.getByTestId('host-server').filter({ hasText: `pid ${pid}` });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toMatch(/node/);
    expect(await row.getByTestId('host-server-ports').textContent()).toBe(`:${port}`);
    expect(await servers.getByTestId('host-server').count()).toBe(1); // only that host's processes
    await shot(page, '30-hosts');

    // where the requests come from is chosen, not implied: here (default), the host, or none
    expect(await servers.getByLabel('Requests from').locator('option').allTextContents()).toEqual([
      'here, through an SSH forward',
      'the host itself (its node)',
      'none: live traffic only',
    ]);
    await servers.getByLabel('Requests to send').fill('40000');
    await row.getByRole('button', { name: `Attach to pid ${pid} on root@lhtest` }).click();
    await page.waitForURL(/#\/runs\/[^/]+\/live$/);
    const id = decodeURIComponent(/#\/runs\/([^/]+)\/live$/.exec(page.url())?.[1] ?? '');
    const points = async () => Number(await page.getByTestId('chart-pss').getAttribute('data-points'));
    await page.getByTestId('chart-pss').waitFor({ timeout: 30_000 });
    const early = await points();
    await expect.poll(points, { timeout: 30_000, interval: 300 }).toBeGreaterThan(early + 5);
    await shot(page, '31-host-live');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByTestId('verdict-chip').waitFor({ timeout: 60_000 });

    const res = resultSchema.parse(
      JSON.parse(readFileSync(path.join(env.dataDir, 'runs', id, 'result.json'), 'utf8')),
    );
    expect(res.target.host).toBe('root@lhtest');
    expect(res.target.pid).toBe(pid);
    expect(res.load?.via).toBe('ssh-forward');
    expect(res.samples.length).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  }, 150_000);

  it('an unknown host key: one line saying so, nothing run', async () => {
    const { page } = await openApp(env);
    await page.getByRole('link', { name: 'Hosts' }).click();
    await page.getByRole('button', { name: 'Show servers on lhtest-unknown' }).click();
    const alert = page.getByRole('region', { name: 'Servers on lhtest-unknown' }).getByRole('alert');
    await alert.waitFor({ timeout: 30_000 });
    expect(await alert.textContent()).toMatch(
      /^the host key of lhtest-unknown is not known \(ssh-ed25519 SHA256:.*nothing was run on lhtest-unknown$/,
    );
  }, 60_000);
});
