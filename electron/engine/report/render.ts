// I/O edge of the report: read a finished run folder, write report.html and/or report.pdf.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Result, resultSchema } from '../../../shared/result';
import { UserError } from '../errors';
import { buildReportHtml, footerText } from './html';
import { findChromium, htmlToPdf } from './pdf';
import type { Paper } from './styles';
import { isSweepDir, renderSweepReport } from './sweep-render';

export interface RenderReportOptions {
  /** where to write the HTML report */
  html?: string;
  /** where to write the PDF report */
  pdf?: string;
  paper?: Paper;
  revealStrings?: boolean;
  /** the browser for the PDF (default: $LEAKHOUND_CHROMIUM or the system Chromium) */
  chromium?: string;
}

/** Reads and validates `runDir/result.json`; every failure is one clear UserError line. */
export function readResult(runDir: string): Result {
  const file = join(runDir, 'result.json');
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new UserError(`${runDir} is not a folder: give the folder of a finished leakhound run`);
  }
  if (!existsSync(file)) {
    throw new UserError(`${file} not found: is this a finished leakhound run folder?`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(
      `${file} is not valid JSON (${(e as Error).message}): the run may not have finished writing it`,
    );
  }
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new UserError(
      `${file} is not a leakhound result (schema version 1): ${where}: ${issue.message}; re-run the hunt with this leakhound version`,
    );
  }
  return parsed.data;
}

function prepare(file: string): string {
  const abs = resolve(file);
  mkdirSync(dirname(abs), { recursive: true });
  return abs;
}

/**
 * Renders the run in `runDir` to the files asked for; with neither `html` nor `pdf` given,
 * writes `runDir/report.html`. Returns the absolute paths written.
 */
export async function renderReport(
  runDir: string,
  opts: RenderReportOptions = {},
): Promise<{ html?: string; pdf?: string }> {
  // A sweep folder holds sweep.json and one run per configuration: render the comparison.
  if (isSweepDir(runDir)) return renderSweepReport(runDir, opts);
  const result = readResult(runDir);
  // Find the browser before writing anything, so a missing one fails the command cleanly.
  const chromium = opts.pdf ? (opts.chromium ?? findChromium()) : undefined;
  const paper: Paper = opts.paper ?? 'A4';
  const build = (cssPageNumbers: boolean) =>
    buildReportHtml(result, { revealStrings: opts.revealStrings, paper, cssPageNumbers });
  const out: { html?: string; pdf?: string } = {};
  // A report with heap contents is as sensitive as the snapshots: owner-only, like the run folder.
  const secretMode = opts.revealStrings ? 0o600 : undefined;
  const htmlFile = opts.html ?? (opts.pdf ? undefined : join(runDir, 'report.html'));
  if (htmlFile) {
    // The HTML file numbers its own pages when printed from a browser.
    out.html = prepare(htmlFile);
    writeFileSync(out.html, build(true), { mode: secretMode });
    if (secretMode) chmodSync(out.html, secretMode);
  }
  if (opts.pdf) {
    // The PDF gets its page numbers from the footer template instead (Chromium would print both).
    out.pdf = prepare(opts.pdf);
    await htmlToPdf(build(false), out.pdf, {
      paper,
      executablePath: chromium,
      footer: footerText(result),
    });
    if (secretMode) chmodSync(out.pdf, secretMode);
  }
  return out;
}
