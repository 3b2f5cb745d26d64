// `leakhound report DIR [--pdf FILE] [--html FILE] [--paper A4|Letter] [--reveal-strings]`:
// renders a finished run again. The lead's CLI dispatches here; errors are UserErrors.
import { join } from 'node:path';
import { UserError } from '../errors';
import { renderReport } from './render';
import type { Paper } from './styles';

export interface ReportCliOptions {
  dir: string;
  pdf?: string;
  html?: string;
  paper: Paper;
  revealStrings: boolean;
}

export const REPORT_USAGE =
  'usage: leakhound report DIR [--pdf FILE] [--html FILE] [--paper A4|Letter] [--reveal-strings]';

export function parsePaper(v: string): Paper {
  const p = v.trim().toLowerCase();
  if (p === 'a4') return 'A4';
  if (p === 'letter') return 'Letter';
  throw new UserError(`--paper ${v}: paper must be A4 or Letter`);
}

/** Parses the arguments after `report`. */
export function parseReportArgs(argv: string[]): ReportCliOptions {
  let dir: string | undefined;
  let pdf: string | undefined;
  let html: string | undefined;
  let paper: Paper = 'A4';
  let revealStrings = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined || v.startsWith('--'))
        throw new UserError(`${flag} needs a value: ${REPORT_USAGE}`);
      return v;
    };
    if (flag === '--pdf') pdf = value();
    else if (flag === '--html') html = value();
    else if (flag === '--paper') paper = parsePaper(value());
    else if (flag === '--reveal-strings') revealStrings = true;
    else if (flag.startsWith('-')) throw new UserError(`unknown option ${flag}: ${REPORT_USAGE}`);
    else if (dir === undefined) dir = arg;
    else throw new UserError(`unexpected argument ${arg}: ${REPORT_USAGE}`);
  }
  if (!dir) throw new UserError(`no run folder given: ${REPORT_USAGE}`);
  return { dir, pdf, html, paper, revealStrings };
}

/**
 * Runs the command from parsed options (or raw argv). With neither --pdf nor --html, writes
 * DIR/report.html and DIR/report.pdf. Prints the files written; resolves to the exit code.
 */
export async function reportCli(
  args: string[] | ReportCliOptions,
  print: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
): Promise<number> {
  const o = Array.isArray(args) ? parseReportArgs(args) : args;
  const both = !o.pdf && !o.html;
  const written = await renderReport(o.dir, {
    html: both ? join(o.dir, 'report.html') : o.html,
    pdf: both ? join(o.dir, 'report.pdf') : o.pdf,
    paper: o.paper,
    revealStrings: o.revealStrings,
  });
  if (written.html) print(`report: ${written.html}`);
  if (written.pdf) print(`report: ${written.pdf}`);
  if (o.revealStrings)
    print('report: contains heap string contents (--reveal-strings); treat it as confidential');
  return 0;
}
