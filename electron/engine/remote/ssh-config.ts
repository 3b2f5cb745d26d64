// The hosts a user already has: the `Host` names of their ssh config (~/.ssh/config, or
// $LEAKHOUND_SSH_CONFIG), without patterns (`*`, `?`, `!`), following `Include` one file
// deep the way ssh resolves it (relative to ~/.ssh). Only names are read; ssh itself still
// resolves every option when it connects.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The config the UI's hosts come from: $LEAKHOUND_SSH_CONFIG (passed to ssh as -F), else ssh's own default. */
export function sshConfigFile(): { file: string; explicit: boolean } {
  const env = process.env.LEAKHOUND_SSH_CONFIG;
  if (env) return { file: path.resolve(env), explicit: true };
  return { file: path.join(os.homedir(), '.ssh', 'config'), explicit: false };
}

function includeTargets(pattern: string, base: string): string[] {
  const p = pattern.startsWith('~') ? path.join(os.homedir(), pattern.slice(1)) : pattern;
  const full = path.isAbsolute(p) ? p : path.join(base, p);
  if (!/[*?]/.test(path.basename(full))) return existsSync(full) ? [full] : [];
  const dir = path.dirname(full);
  const re = new RegExp(
    `^${path
      .basename(full)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  try {
    return readdirSync(dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** Host names in the order they appear; a missing or unreadable file has none. */
export function sshConfigHosts(file: string, depth = 0): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(\w+)\s*=?\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const args = m[2].split(/\s+/).filter(Boolean);
    if (key === 'host') for (const a of args) if (!/[*?!]/.test(a) && !out.includes(a)) out.push(a);
    if (key === 'include' && depth < 2)
      for (const a of args)
        for (const f of includeTargets(a, path.join(os.homedir(), '.ssh')))
          for (const h of sshConfigHosts(f, depth + 1)) if (!out.includes(h)) out.push(h);
  }
  return out;
}
