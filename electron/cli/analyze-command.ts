// `leakhound analyze`: suspects from snapshot files taken elsewhere.
import path from 'node:path';
import { UserError } from '../engine/errors';
import { analyzeSnapshots } from '../engine/heap/analyze';
import { openSnapshots } from '../engine/open-snapshots';
import { VERSION } from '../engine/version';
import type { ParsedFlags } from './args';
import { formatBytes } from './summary';

export async function analyzeCommand(
  flags: ParsedFlags,
  files: string[],
  out: NodeJS.WriteStream,
): Promise<number> {
  if (files.length < 1) throw new UserError('give 1 to 3 .heapsnapshot files: baseline, target, final');
  const tty = Boolean(out.isTTY);
  const abs = files.map((f) => path.resolve(f));
  const options = {
    requestsBetween: flags.requests as number | undefined,
    revealStrings: flags['reveal-strings'] === true,
    cache: flags['no-cache'] !== true,
    onProgress: (p: { phase: string; percent: number }) => {
      if (tty) out.write(`\r\x1b[2K${p.phase} ${Math.round(p.percent)}%`);
    },
  };
  // With --out, the same run folder and result.json as the desktop's "open snapshots"
  // (leakhound report DIR renders it); without, the suspects are only printed.
  const dir = flags.out ? path.resolve(String(flags.out)) : null;
  const result = dir
    ? (
        await openSnapshots({
          ...options,
          id: path.basename(dir),
          files: abs,
          outDir: dir,
          leakhoundVersion: VERSION,
        })
      ).analysis
    : await analyzeSnapshots(abs, options);
  if (tty) out.write('\r\x1b[2K');
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
