// HTML → PDF with a local Chromium driven by playwright-core. The browser runs offline with
// JavaScript off: the report is static, and a report must never fetch anything.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import { esc } from './format';
import { PAGE_MARGIN, type Paper } from './styles';

const INSTALL_HINT =
  "install Debian's `chromium` package (apt-get install chromium), or set LEAKHOUND_CHROMIUM";

/** Where a Chromium-family browser usually lives on each platform. */
export function chromiumCandidates(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string[] {
  if (platform === 'darwin') {
    return [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
      '/Applications/Brave Browser.app/Contents/MacOS/Brave Browser',
    ];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter(
      (x): x is string => !!x,
    );
    return roots.flatMap((r) => [
      join(r, 'Google', 'Chrome', 'Application', 'chrome.exe'),
      join(r, 'Chromium', 'Application', 'chrome.exe'),
      join(r, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
    ]);
  }
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/usr/bin/microsoft-edge',
    '/snap/bin/chromium',
  ];
}

/**
 * The browser to print with: $LEAKHOUND_CHROMIUM if set (it must exist), else the first
 * candidate found. Throws a UserError naming what to install when there is none.
 */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists: (p: string) => boolean = existsSync,
  platform = process.platform,
): string {
  const forced = env.LEAKHOUND_CHROMIUM;
  if (forced) {
    if (!exists(forced))
      throw new UserError(
        `LEAKHOUND_CHROMIUM=${forced} does not exist: point it at a Chromium or Chrome binary`,
      );
    return forced;
  }
  const found = chromiumCandidates(env, platform).find((p) => exists(p));
  if (!found) throw new UserError(`no Chromium found to print the PDF report: ${INSTALL_HINT}`);
  return found;
}

/** Footer of every PDF page: run id on the left, "Page n of N" on the right. */
export function pdfFooterTemplate(left: string): string {
  return `<div style="width:100%;margin:0 ${PAGE_MARGIN.right} 0 ${PAGE_MARGIN.left};font-family:'Liberation Sans','DejaVu Sans',Arial,sans-serif;font-size:7.5pt;color:#4b5563;display:flex;justify-content:space-between;border-top:0.5pt solid #d1d5db;padding-top:3pt;"><span>${esc(left)}</span><span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>`;
}

export interface PdfOptions {
  paper?: Paper;
  /** text of the footer's left side */
  footer?: string;
  /** the browser binary; found with findChromium() when absent */
  executablePath?: string;
  timeoutMs?: number;
}

/** Prints `html` to `pdfFile` (A4 or Letter, page numbers in the footer, backgrounds kept). */
export async function htmlToPdf(html: string, pdfFile: string, opts: PdfOptions = {}): Promise<void> {
  const executablePath = opts.executablePath ?? findChromium();
  const timeout = opts.timeoutMs ?? 60_000;
  const { chromium } = await import('playwright-core');
  let browser: Awaited<ReturnType<typeof chromium.launch>>;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  } catch (e) {
    const first = String((e as Error).message ?? e).split('\n')[0];
    throw new UserError(`could not start ${executablePath} to print the PDF (${first}): ${INSTALL_HINT}`);
  }
  try {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true });
    const page = await context.newPage();
    await page.route('**/*', (route) => route.abort());
    await page.setContent(html, { waitUntil: 'load', timeout });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({
      path: pdfFile,
      format: opts.paper === 'Letter' ? 'Letter' : 'A4',
      printBackground: true,
      displayHeaderFooter: true,
      headerTemplate: '<span></span>',
      footerTemplate: pdfFooterTemplate(opts.footer ?? 'leakhound memory leak report'),
      margin: { ...PAGE_MARGIN },
      outline: true,
      tagged: true,
    });
  } finally {
    await browser.close();
  }
}
