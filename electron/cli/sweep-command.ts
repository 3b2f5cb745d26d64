// `leakhound sweep`: the grid of server configurations, one hunt each, one table.
import path from 'node:path';
import { UserError } from '../engine/errors';
import { defaultDataDir, newRunId } from '../engine/store';
import type { Goal } from '../engine/sweep/compare';
import { formatTable } from '../engine/sweep/compare';
import { parseGrid } from '../engine/sweep/grid';
import { runSweep } from '../engine/sweep/run-sweep';
import type { ParsedFlags } from './args';
import { runOptionsFromFlags } from './options';

const GOALS = ['p90', 'p99', 'rps', 'pss'];

export async function sweepCommand(flags: ParsedFlags, out: NodeJS.WriteStream): Promise<number> {
  if (!flags.spawn) throw new UserError('--spawn is required: the command line, with {NAME} for each --grid');
  const grid = parseGrid((flags.grid as string[] | undefined) ?? []);
  const goal = String(flags.goal ?? 'p90');
  if (!GOALS.includes(goal)) throw new UserError(`--goal takes ${GOALS.join(', ')} (got "${goal}")`);
  // Snapshots freeze the target and would distort the latency being compared: none unless asked.
  const base = runOptionsFromFlags({ ...flags, out: undefined, snapshots: flags.snapshots ?? 0 });
  const dir = path.resolve(flags.out ? String(flags.out) : path.join(defaultDataDir(), 'sweeps', newRunId()));
  out.write(`leakhound: sweep folder ${dir} (run the same command again to resume)\n`);
  const stop = new AbortController();
  let current: { stop(): void } | null = null;
  const onSignal = () => {
    stop.abort();
    current?.stop();
  };
  process.once('SIGINT', onSignal);
  const result = await runSweep({
    spawnTemplate: String(flags.spawn),
    grid,
    base,
    dir,
    goal: goal as Goal,
    signal: stop.signal,
    onHunt: (hunt, combo, i, n) => {
      current = hunt;
      out.write(
        `· ${i + 1}/${n} ${Object.entries(combo)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}\n`,
      );
    },
    onRow: (row, resumed) => {
      if (resumed) out.write(`· ${row.id}: already done, kept\n`);
    },
  });
  process.off('SIGINT', onSignal);
  out.write(`\n${formatTable(result.rows, result.best)}\n\n`);
  out.write(
    result.best
      ? `best for ${goal} (no leak, < 0.1% errors): ${Object.entries(result.best.params)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}\n`
      : `no configuration met the goal (no leak, < 0.1% errors)\n`,
  );
  out.write(
    `sweep: ${result.rows.length} configurations in ${(result.wallMs / 1000).toFixed(0)} s; ${path.join(dir, 'sweep.json')}\n`,
  );
  return 0;
}
