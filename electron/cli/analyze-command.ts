// `leakhound analyze`: suspects from snapshot files taken elsewhere.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../engine/errors';
import { analyzeSnapshots } from '../engine/heap/analyze';
import type { ParsedFlags } from './args';
import { formatBytes } from './summary';

export async function analyzeCommand(
  flags: ParsedFlags,
  files: string[],
  out: NodeJS.WriteStream,
): Promise<number> {
  if (files.length < 1) throw new UserError('give 1 to 3 .heapsnapshot files: baseline, target, final');
  const tty = Boolean(out.isTTY);
  const result = await analyzeSnapshots(
    files.map((f) => path.resolve(f)),
    {
      requestsBetween: flags.requests as number | undefined,
      revealStrings: flags['reveal-strings'] === true,
      cache: flags['no-cache'] !== true,
      onProgress: (p) => {
        if (tty) out.write(`\r\x1b[2K${p.phase} ${Math.round(p.percent)}%`);
      },
    },
  );
  if (tty) out.write('\r\x1b[2K');
  if (flags.out) {
    const dir = path.resolve(String(flags.out));
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, 'analysis.json'),
      `${JSON.stringify({ files: files.map((f) => path.resolve(f)), suspects: result.suspects, diff: result.diff ?? null }, null, 1)}\n`,
    );
  }
  if (flags.json) {
    out.write(`${JSON.stringify({ suspects: result.suspects }, null, 2)}\n`);
    return 0;
  }
  if (result.suspects.length === 0) {
    out.write(
      files.length >= 2
        ? 'no leak suspects: nothing allocated after the first snapshot is still growing\n'
        : 'one snapshot: class summary only (give 2 or 3 snapshots to find suspects)\n',
    );
  }
  for (const s of result.suspects.slice(0, 10)) {
    out.write(
      `${s.name}: +${s.countDelta} objects${s.countPerRequest ? ` (${s.countPerRequest.toFixed(2)}/request)` : ''}, self +${formatBytes(s.selfSizeDelta)}, retained +${formatBytes(s.retainedSizeDelta)}\n`,
    );
    if (s.retainerPath.length) out.write(`  ${s.retainerPath.join(' → ')}\n`);
  }
  if (files.length === 1 && result.summaries[0]) {
    for (const row of result.summaries[0].slice(0, 15) as Array<{
      name: string;
      count: number;
      retainedSize: number;
    }>)
      out.write(`${row.name}: ${row.count} objects, retained ${formatBytes(row.retainedSize)}\n`);
  }
  return 0;
}
