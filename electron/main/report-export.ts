// Export report… in the desktop app: HTML straight from buildReportHtml, PDF by printing
// that HTML in a hidden, script-less window (no second browser needed, unlike the CLI).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserWindow } from 'electron';
import { buildReportHtml } from '../engine/report/html';
import { readResult } from '../engine/report/result-file';
import type { Paper } from '../engine/report/styles';
import { printToPdfOptions } from './report-print';
import { reportWindowOptions } from './window-options';

export async function exportReport(
  runDir: string,
  format: 'pdf' | 'html',
  dest: string,
  paper: Paper = 'A4',
): Promise<string> {
  const result = readResult(runDir);
  // Heap strings stay redacted: the CLI's --reveal-strings is the only opt-in.
  const html = buildReportHtml(result, { paper, revealStrings: false });
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (format === 'html') {
    fs.writeFileSync(dest, html);
    return dest;
  }
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakhound-report-'));
  const htmlFile = path.join(tmpDir, 'report.html');
  fs.writeFileSync(htmlFile, html);
  const win = new BrowserWindow(reportWindowOptions());
  try {
    await win.loadFile(htmlFile);
    const pdf = await win.webContents.printToPDF(
      printToPdfOptions(paper, `leakhound · run ${result.id} · ${result.verdict.kind}`),
    );
    fs.writeFileSync(dest, pdf);
    return dest;
  } finally {
    win.destroy();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Default file name offered in the save dialog. */
export function reportFileName(runId: string, format: 'pdf' | 'html'): string {
  return `leakhound-${runId}.${format}`;
}
