// `leakhound run --host a --host b …`: one hunt per host at once, a verdict line per host and
// one summary line. Exit codes as for one hunt, over all hosts: 4 when any host's hunt failed
// (its error is printed), 3 with --fail-on-leak when any host leaks, 2 when none could start.
import path from 'node:path';
import type { ApiEvent } from '../../shared/api';
import type { RunOptions } from '../../shared/options';
import { runFleet } from '../engine/remote/fleet';
import { EXIT } from './run-command';

const WORD = { leak: 'LEAK', 'no-leak': 'NO LEAK', inconclusive: 'INCONCLUSIVE' } as const;

export async function fleetCommand(
  options: RunOptions,
  hosts: string[],
  out: NodeJS.WriteStream,
  err: NodeJS.WriteStream,
): Promise<number> {
  const onEvent = (host: string, e: ApiEvent) => {
    if (e.type === 'log' && e.level !== 'info')
      out.write(`${host}: ${e.level === 'warn' ? '!' : '✗'} ${e.message}\n`);
    if (e.type === 'phase' && (e.phase === 'starting' || e.phase === 'snapshot'))
      out.write(`${host}: · ${e.message}\n`);
  };
  const stops: Array<() => void> = [];
  const onSignal = () => {
    out.write('stopping every host: finishing the final measurements\n');
    for (const s of stops) s();
  };
  const aborts: Array<() => Promise<void>> = [];
  const onTerm = () => {
    for (const a of aborts) void a();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onTerm);
  let summary: Awaited<ReturnType<typeof runFleet>>;
  try {
    summary = await runFleet(options, hosts, onEvent, (_h, hunt) => {
      stops.push(() => hunt.stop());
      aborts.push(() => hunt.abort());
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onTerm);
  }
  out.write('\n');
  for (const h of summary.hosts) {
    if (h.status === 'error' || h.verdict === null) {
      out.write(`${h.host}: FAILED — ${h.error}\n`);
      continue;
    }
    const ci = h.ci95 ? ` (95% CI ${h.ci95[0].toFixed(1)} … ${h.ci95[1].toFixed(1)})` : '';
    const failed = h.status !== 'finished' ? ` [${h.status}: ${h.error ?? ''}]` : '';
    out.write(
      `${h.host}: ${WORD[h.verdict]} — ${h.bytesPerRequest?.toFixed(1)} B/${h.unit}${ci}, pid ${h.pid}, run folder ${h.dir}${failed}\n`,
    );
  }
  if (options.report.length) {
    const { renderReport } = await import('../engine/report/render.js');
    // one after another: a PDF starts a browser, and the hosts' hunts are over by now
    for (const h of summary.hosts) {
      if (h.status === 'error') continue;
      const paths = await renderReport(h.dir, {
        html: options.report.includes('html') ? path.join(h.dir, 'report.html') : undefined,
        pdf: options.report.includes('pdf') ? path.join(h.dir, 'report.pdf') : undefined,
        revealStrings: options.revealStrings,
      });
      for (const p of [paths.html, paths.pdf]) if (p) out.write(`${h.host}: report ${p}\n`);
    }
  }
  out.write(
    `summary: ${summary.summary}\nfleet folder: ${summary.dir} (fleet.json, one run folder per host)\n`,
  );
  const errored = summary.hosts.filter((h) => h.status === 'error');
  if (errored.length === summary.hosts.length) {
    for (const h of errored) err.write(`leakhound: ${h.host}: ${h.error}\n`);
    return EXIT.badInput;
  }
  const failed = summary.hosts.filter((h) => h.status !== 'finished');
  for (const h of failed) err.write(`leakhound: ${h.host}: ${h.error ?? h.status}\n`);
  if (failed.length) return EXIT.targetDied;
  if (options.failOnLeak && summary.hosts.some((h) => h.verdict === 'leak')) return EXIT.leak;
  return EXIT.ok;
}
