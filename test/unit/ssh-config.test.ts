// Which hosts the UI offers from an ssh config: Host names in order, no patterns, Include
// followed (relative to ~/.ssh, globs), comments and `Host=` forms; a missing file has none.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostsApi } from '../../electron/engine/api/hosts';
import { sshConfigFile, sshConfigHosts } from '../../electron/engine/remote/ssh-config';
import { tmpDir } from '../helpers/cli';

const home = process.env.HOME;
const envConfig = process.env.LEAKHOUND_SSH_CONFIG;
afterEach(() => {
  process.env.HOME = home;
  if (envConfig === undefined) delete process.env.LEAKHOUND_SSH_CONFIG;
  else process.env.LEAKHOUND_SSH_CONFIG = envConfig;
});

describe('sshConfigHosts', () => {
  it('reads Host names, skips patterns and negations, follows Include', () => {
    const h = tmpDir();
    process.env.HOME = h;
    mkdirSync(path.join(h, '.ssh', 'conf.d'), { recursive: true });
    writeFileSync(
      path.join(h, '.ssh', 'config'),
      [
        '# fleet',
        'Host web-1 web-2 # the two front ends',
        '  User ops',
        'Host *.internal !bastion',
        'Host=db-1',
        'Include conf.d/*.conf',
        'Host web-1',
        'Match host foo',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(h, '.ssh', 'conf.d', 'a.conf'), 'Host bastion\n  HostName 10.0.0.1\n');
    writeFileSync(path.join(h, '.ssh', 'conf.d', 'b.txt'), 'Host not-included\n');
    expect(sshConfigHosts(path.join(h, '.ssh', 'config'))).toEqual(['web-1', 'web-2', 'db-1', 'bastion']);
    expect(sshConfigFile()).toEqual({ file: path.join(h, '.ssh', 'config'), explicit: false });
  });

  it('a missing file has no hosts; LEAKHOUND_SSH_CONFIG names the file', () => {
    expect(sshConfigHosts(path.join(tmpDir(), 'nope'))).toEqual([]);
    process.env.LEAKHOUND_SSH_CONFIG = '/etc/x/ssh_config';
    expect(sshConfigFile()).toEqual({ file: '/etc/x/ssh_config', explicit: true });
  });
});

describe('hosts API', () => {
  it('lists config hosts then added ones (kept in hosts.json), refuses what is not a destination', async () => {
    const dir = tmpDir();
    const cfg = path.join(dir, 'ssh_config');
    writeFileSync(cfg, 'Host web-1\n');
    process.env.LEAKHOUND_SSH_CONFIG = cfg;
    const api = createHostsApi(path.join(dir, 'data'));
    await api.add('ops@web-9');
    await api.add('web-1'); // already in the config: listed once
    expect((await api.list()).hosts).toEqual([
      { name: 'web-1', source: 'ssh-config' },
      { name: 'ops@web-9', source: 'added' },
    ]);
    expect(createHostsApi(path.join(dir, 'data')).sshOptions()).toEqual({ configFile: cfg });
    await expect(api.add('-oProxyCommand=sh')).rejects.toThrow(/is not an ssh destination/);
    await expect(api.add('web 3')).rejects.toThrow(/is not an ssh destination/);
    expect(await api.remove('ops@web-9')).toEqual({ ok: true });
    expect((await api.list()).hosts).toEqual([{ name: 'web-1', source: 'ssh-config' }]);
  });
});
