// `leakhound agent --print-env`: the one restart that makes every later attach debugger-free.
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dormantEnv } from '../engine/attach/dormant';
import { UserError } from '../engine/errors';
import type { ParsedFlags } from './args';

/** The first folder on the way to `dir` that others cannot traverse, or null. */
function closedAncestor(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return d;
    } catch {
      return d;
    }
    if (d === path.dirname(d)) return null;
  }
}

export async function agentCommand(
  flags: ParsedFlags,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  if (flags['print-env'] !== true)
    throw new UserError('say what to do: leakhound agent --print-env [--dir DIR]');
  const dir =
    typeof flags.dir === 'string'
      ? flags.dir
      : path.join(
          process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'),
          'leakhound',
          'python-agent',
        );
  for (const line of dormantEnv(dir)) out.write(`${line}\n`);
  const closed = closedAncestor(path.resolve(dir));
  if (closed)
    err.write(
      `leakhound: note: ${closed} is not open to other users: a server running as another user cannot load the agent from ${dir}; pass --dir /opt/leakhound-agent (or another readable folder)\n`,
    );
  return 0;
}
