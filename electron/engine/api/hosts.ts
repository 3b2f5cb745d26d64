// The UI's Hosts: names from the user's ssh config plus the ones added in the UI (kept in
// the data folder's hosts.json), and `ps` of one of them over the remote helper.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApiResult } from '../../../shared/api';
import { UserError } from '../errors';
import { listRemoteProcesses } from '../remote/ps';
import { sshConfigFile, sshConfigHosts } from '../remote/ssh-config';
import { ensureDir, writeFileAtomic } from '../store';

const DEST = /^[A-Za-z0-9_.@%+:[\]-]+$/;

export function createHostsApi(dataDir: string) {
  const file = path.join(dataDir, 'hosts.json');
  const added = (): string[] => {
    if (!existsSync(file)) return [];
    try {
      const v = JSON.parse(readFileSync(file, 'utf8')) as { added?: unknown };
      return Array.isArray(v.added) ? v.added.filter((h): h is string => typeof h === 'string') : [];
    } catch {
      return [];
    }
  };
  const save = (hosts: string[]) => {
    ensureDir(dataDir);
    writeFileAtomic(file, `${JSON.stringify({ added: hosts }, null, 1)}\n`);
  };
  /** what ssh is told: -F only when the config was named explicitly */
  const sshOptions = () => {
    const c = sshConfigFile();
    return c.explicit ? { configFile: c.file } : {};
  };

  return {
    sshOptions,
    async list(): Promise<ApiResult<'hosts.list'>> {
      const c = sshConfigFile();
      const fromConfig = sshConfigHosts(c.file);
      return {
        configFile: c.file,
        hosts: [
          ...fromConfig.map((name) => ({ name, source: 'ssh-config' as const })),
          ...added()
            .filter((h) => !fromConfig.includes(h))
            .map((name) => ({ name, source: 'added' as const })),
        ],
      };
    },
    async add(name: string): Promise<{ ok: boolean }> {
      if (name.startsWith('-') || !DEST.test(name))
        throw new UserError(
          `"${name}" is not an ssh destination: give user@host, host, or a Host alias from your ssh config`,
        );
      const now = added();
      if (!now.includes(name)) save([...now, name]);
      return { ok: true };
    },
    async remove(name: string): Promise<{ ok: boolean }> {
      const now = added();
      if (!now.includes(name)) return { ok: false };
      save(now.filter((h) => h !== name));
      return { ok: true };
    },
    processes(host: string) {
      return listRemoteProcesses(host, sshOptions());
    },
  };
}
