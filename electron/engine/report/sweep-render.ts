// I/O edge of the sweep report: read DIR/sweep.json and each configuration's result.json,
// write report.html and/or report.pdf.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Result } from '../../../shared/result';
import { UserError } from '../errors';
import type { RenderReportOptions } from './options';
import { findChromium, htmlToPdf } from './pdf';
import { readResult } from './result-file';
import { buildSweepReportHtml, type SweepFile, sweepFooterText } from './sweep-html';

export function isSweepDir(dir: string): boolean {
  return existsSync(join(dir, 'sweep.json')) && !existsSync(join(dir, 'result.json'));
}

/** Reads sweep.json and the results it names; a configuration without a result maps to null. */
export function readSweepDir(dir: string): { sweep: SweepFile; results: Record<string, Result | null> } {
  const file = join(dir, 'sweep.json');
  let sweep: SweepFile;
  try {
    sweep = JSON.parse(readFileSync(file, 'utf8')) as SweepFile;
  } catch (e) {
    throw new UserError(
      `${file} is not valid JSON (${(e as Error).message}): was the sweep interrupted while writing it?`,
    );
  }
  if (!Array.isArray(sweep?.rows) || !Array.isArray(sweep.grid) || typeof sweep.spawn !== 'string')
    throw new UserError(
      `${file} is not a leakhound sweep (no grid, spawn or rows): give the folder of a leakhound sweep`,
    );
  const results: Record<string, Result | null> = {};
  for (const row of sweep.rows) {
    // The folder may have moved since the sweep ran: look beside sweep.json first.
    const here = join(dir, row.id);
    const runDir = existsSync(join(here, 'result.json')) ? here : row.runDir;
    results[row.id] = existsSync(join(runDir, 'result.json')) ? readResult(runDir) : null;
  }
  return { sweep, results };
}

function prepare(file: string): string {
  const abs = resolve(file);
  mkdirSync(dirname(abs), { recursive: true });
  return abs;
}

/** Renders the sweep in `dir`; with neither `html` nor `pdf`, writes `dir/report.html`. */
export async function renderSweepReport(
  dir: string,
  opts: RenderReportOptions = {},
): Promise<{ html?: string; pdf?: string }> {
  const { sweep, results } = readSweepDir(dir);
  const chromium = opts.pdf ? (opts.chromium ?? findChromium()) : undefined;
  const paper = opts.paper ?? 'A4';
  const name = basename(resolve(dir));
  const build = (cssPageNumbers: boolean) =>
    buildSweepReportHtml(sweep, results, { paper, revealStrings: opts.revealStrings, cssPageNumbers, name });
  const out: { html?: string; pdf?: string } = {};
  const htmlFile = opts.html ?? (opts.pdf ? undefined : join(dir, 'report.html'));
  const mode = opts.revealStrings ? 0o600 : undefined;
  if (htmlFile) {
    out.html = prepare(htmlFile);
    writeFileSync(out.html, build(true), { mode });
  }
  if (opts.pdf) {
    out.pdf = prepare(opts.pdf);
    await htmlToPdf(build(false), out.pdf, {
      paper,
      executablePath: chromium,
      footer: sweepFooterText(sweep, name),
    });
  }
  return out;
}
