// `leakhound run`: one hunt from the terminal, with a live line on a TTY and a short,
// plain summary at the end; exit codes are the CI contract (0, 2, 3, 4).
import path from 'node:path';
import type { ApiEvent } from '../../shared/api';
import type { Result } from '../../shared/result';
import { Hunt } from '../engine/hunt';
import type { ParsedFlags } from './args';
import { runOptionsFromFlags } from './options';
import { formatBytes, formatSummary } from './summary';

export const EXIT = { ok: 0, badInput: 2, leak: 3, targetDied: 4 } as const;

export async function runCommand(
  flags: ParsedFlags,
  out: NodeJS.WriteStream,
  err: NodeJS.WriteStream,
): Promise<number> {
  const options = runOptionsFromFlags(flags);
  const hosts = (flags.host as string[] | undefined) ?? [];
  if (hosts.length > 1) {
    const { fleetCommand } = await import('./fleet-command.js');
    return fleetCommand(options, hosts, out, err);
  }
  const hunt = new Hunt(options);
  const tty = Boolean(out.isTTY);
  let line = '';
  let requests = 0;
  let rps = 0;
  let mem = '';
  const draw = (text: string) => {
    if (!tty) return;
    line = text.slice(0, (out.columns ?? 100) - 1);
    out.write(`\r\x1b[2K${line}`);
  };
  const say = (text: string) => {
    if (tty && line) out.write('\r\x1b[2K');
    out.write(`${text}\n`);
    if (tty && line) out.write(line);
  };
  let phase = 'starting';
  hunt.on('event', (e: ApiEvent) => {
    switch (e.type) {
      case 'phase':
        phase = e.message;
        if (!tty && e.phase !== 'load' && e.phase !== 'analysis') say(`· ${e.message}`);
        break;
      case 'load':
        requests = e.requests;
        rps = e.rps;
        break;
      case 'sample':
        mem = `PSS ${formatBytes(e.sample.pssBytes ?? e.sample.rssBytes)}${e.sample.heapUsedBytes ? `, heap ${formatBytes(e.sample.heapUsedBytes)}` : ''}`;
        break;
      case 'log':
        if (e.level !== 'info' || !tty)
          say(`${e.level === 'info' ? '·' : e.level === 'warn' ? '!' : '✗'} ${e.message}`);
        break;
      default:
        return;
    }
    draw(`${phase} — ${requests} requests, ${Math.round(rps)} rps, ${mem}`);
  });
  const onSignal = () => {
    say('stopping: finishing the final snapshot and analysis (Ctrl-C again to abort)');
    process.off('SIGINT', onSignal);
    process.once('SIGINT', () => void hunt.abort());
    hunt.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', () => void hunt.abort());
  say(`leakhound: run folder ${hunt.dir}`);
  let result: Result;
  try {
    result = await hunt.start();
  } finally {
    process.off('SIGINT', onSignal);
    if (tty) out.write('\r\x1b[2K');
  }
  const rel = path.relative(process.cwd(), hunt.dir);
  out.write(formatSummary(result, rel && !rel.startsWith('..') ? rel : hunt.dir));
  if (options.report.length) {
    const { renderReport } = await import('../engine/report/render.js');
    const paths = await renderReport(hunt.dir, {
      html: options.report.includes('html') ? path.join(hunt.dir, 'report.html') : undefined,
      pdf: options.report.includes('pdf') ? path.join(hunt.dir, 'report.pdf') : undefined,
      revealStrings: options.revealStrings,
    });
    for (const p of [paths.html, paths.pdf]) if (p) out.write(`report: ${p}\n`);
  }
  if (result.status === 'target-died') {
    err.write(
      `leakhound: the target died during the run (${result.target.signal ? `signal ${result.target.signal}` : `exit code ${result.target.exitCode}`}); what was gathered is in ${hunt.dir}\n`,
    );
    return EXIT.targetDied;
  }
  if (result.status === 'failed') {
    err.write(`leakhound: ${result.error ?? 'the hunt failed'}\n`);
    return result.errorKind === 'disk-full' ? EXIT.badInput : EXIT.targetDied;
  }
  if (result.verdict.kind === 'leak' && options.failOnLeak) return EXIT.leak;
  return EXIT.ok;
}
