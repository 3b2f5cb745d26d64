// `leakhound agent --print-env`: the one restart that makes every later attach debugger-free.
import os from 'node:os';
import path from 'node:path';
import { dormantEnv } from '../engine/attach/dormant';
import { UserError } from '../engine/errors';
import type { ParsedFlags } from './args';

export async function agentCommand(flags: ParsedFlags, out: NodeJS.WriteStream): Promise<number> {
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
  return 0;
}
