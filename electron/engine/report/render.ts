// I/O edge of the report: from a finished run folder, write report.html and/or report.pdf.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildReportHtml, footerText } from './html';
import type { RenderReportOptions } from './options';
import { findChromium, htmlToPdf } from './pdf';
import { readResult } from './result-file';
import type { Paper } from './styles';
import { isSweepDir, renderSweepReport } from './sweep-render';

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
