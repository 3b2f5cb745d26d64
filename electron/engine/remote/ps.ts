// `leakhound ps --host H`: the same table as locally, read on the host by the helper.
import type { ProcessEntry } from '../../../shared/api';
import { formatProcessTable } from '../proc/ps';
import { RemoteHelper } from './helper-client';
import { remoteProcessList } from './host';
import { openTransport, type TransportOptions } from './transport';

/** Connects, lists, and leaves nothing behind on the host. */
export async function listRemoteProcesses(host: string, ssh: TransportOptions = {}): Promise<ProcessEntry[]> {
  const link = await openTransport(host, ssh);
  try {
    const helper = await RemoteHelper.start(link);
    try {
      return await remoteProcessList(helper);
    } finally {
      await helper.close();
    }
  } finally {
    await link.close();
  }
}

export async function remotePsCli(
  opts: { host: string; json: boolean; sshConfig?: string },
  out: { write(s: string): unknown } = process.stdout,
): Promise<number> {
  const entries = await listRemoteProcesses(opts.host, { configFile: opts.sshConfig });
  if (opts.json) out.write(`${JSON.stringify(entries, null, 2)}\n`);
  else out.write(formatProcessTable(entries, (process.stdout as { columns?: number }).columns ?? 120));
  return 0;
}
