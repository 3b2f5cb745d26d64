// The smaller commands: thin wrappers over engine modules.
import path from 'node:path';
import { UserError } from '../engine/errors';
import { defaultDataDir } from '../engine/store';
import type { ParsedFlags } from './args';

export async function loadCommand(flags: ParsedFlags, out: NodeJS.WriteStream): Promise<number> {
  if (!flags.url && !flags.scenario)
    throw new UserError('--url or --scenario is required: leakhound load --url http://127.0.0.1:3000/');
  const { runLoadCli } = await import('../engine/load/loadCommand.js');
  await runLoadCli(
    {
      url: flags.url ? String(flags.url) : '',
      scenario: flags.scenario ? String(flags.scenario) : undefined,
      durationMs: (flags.duration as number | undefined) ?? 10_000,
      concurrency: (flags.concurrency as number | undefined) ?? 50,
      rate: flags.rate as number | undefined,
      json: flags.json === true,
    },
    out,
  );
  return 0;
}

export async function psCommand(flags: ParsedFlags, out: NodeJS.WriteStream): Promise<number> {
  if (flags.host) {
    const { remotePsCli } = await import('../engine/remote/ps.js');
    return remotePsCli(
      {
        host: String(flags.host),
        json: flags.json === true,
        sshConfig: flags['ssh-config'] as string | undefined,
      },
      out,
    );
  }
  const { psCli } = await import('../engine/proc/ps.js');
  await psCli({ json: flags.json === true }, out);
  return 0;
}

export async function serveCommand(flags: ParsedFlags, out: NodeJS.WriteStream): Promise<number> {
  const { startServe } = await import('../engine/serve/server.js');
  const server = await startServe({
    port: flags.port as number | undefined,
    host: '127.0.0.1',
    dataDir: defaultDataDir(),
    open: flags.open === true,
  });
  out.write(
    `leakhound UI: ${server.url}\n(the link holds an access token; anyone with it can start processes as you)\n`,
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

export async function reportCommand(
  flags: ParsedFlags,
  dir: string,
  out: NodeJS.WriteStream,
): Promise<number> {
  const { renderReport } = await import('../engine/report/render.js');
  const runDir = path.resolve(dir);
  const paper = flags.paper === undefined ? 'A4' : String(flags.paper);
  if (paper !== 'A4' && paper !== 'Letter')
    throw new UserError(`--paper takes A4 or Letter (got "${paper}")`);
  const both = !flags.pdf && !flags.html;
  const paths = await renderReport(runDir, {
    pdf: flags.pdf ? path.resolve(String(flags.pdf)) : both ? path.join(runDir, 'report.pdf') : undefined,
    html: flags.html ? path.resolve(String(flags.html)) : both ? path.join(runDir, 'report.html') : undefined,
    paper,
    revealStrings: flags['reveal-strings'] === true,
  });
  for (const p of [paths.html, paths.pdf]) if (p) out.write(`${p}\n`);
  return 0;
}
