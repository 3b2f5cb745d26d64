// The report as one self-contained HTML document (inline CSS and SVG, no scripts, nothing
// remote), built from a Result alone so the desktop app, the CLI and tests all print the
// same thing. Pure: same Result and options, same bytes.
import { HUNT_TIME_LABEL, HUNT_TIME_MEANS, huntTimeMs, huntTimeText } from '../../../shared/hunt-time';
import type { Result } from '../../../shared/result';
import { attachHtml } from './attach-section';
import { type FitMark, fitLabel, growthChartSvg } from './chart';
import { bytesPer, esc, int, num, when } from './format';
import { Redactor } from './redact';
import { environmentHtml, loadHtml, processesHtml, pythonSitesHtml, suspectsHtml } from './sections';
import { documentStart, type Paper, reportCss } from './styles';
import { summaryHtml, verdictTitle } from './summary';

export interface ReportHtmlOptions {
  /** print heap string contents (the report then says so on its first page) */
  revealStrings?: boolean;
  paper?: Paper;
  /**
   * Page numbers from CSS margin boxes, for an HTML file someone prints from a browser. Leave
   * off when printing with a PDF footer template (renderReport, the desktop export), or
   * Chromium prints both.
   */
  cssPageNumbers?: boolean;
}

/** The footer's left side, shared by the CSS margin boxes and the PDF footer template. */
export function footerText(r: Result): string {
  return `leakhound · run ${r.id} · ${r.verdict.kind}`;
}

/** Section ids in print order; tests and the UI's table of contents rely on them. */
export const SECTION_IDS = [
  'summary',
  'growth',
  'load',
  'suspects',
  'processes',
  'environment',
  'allocation-sites',
] as const;

export function reportTitle(r: Result): string {
  return `leakhound report: ${verdictTitle(r.verdict.kind)}, ${r.target.command}`;
}

const BASIS: Record<Result['verdict']['basis'], string> = {
  heap: 'heap after GC',
  pss: 'process PSS',
  rss: 'process RSS',
  none: 'no series',
};

function figuresHtml(r: Result): string {
  const v = r.verdict;
  const fig = (k: string, val: string, sub: string) =>
    `<div class="figure"><div class="k">${k}</div><div class="v">${val}</div><div class="s">${sub}</div></div>`;
  return `<div class="figures">${[
    fig(
      'Verdict',
      v.kind === 'leak' ? 'Leak' : v.kind === 'no-leak' ? 'No leak' : 'Inconclusive',
      `measured on ${esc(BASIS[v.basis])}`,
    ),
    fig(
      'Growth per request',
      bytesPer(v.bytesPerRequest),
      `95% CI ${bytesPer(v.ci95[0])} to ${bytesPer(v.ci95[1])}`,
    ),
    fig(
      'Requests served',
      r.load ? int(r.load.requests) : '–',
      r.load ? `${num(r.load.rps, 0)}/s, ${int(r.load.errors)} errors` : 'no load recorded',
    ),
    fig(
      HUNT_TIME_LABEL,
      huntTimeText(huntTimeMs(r)),
      `${HUNT_TIME_MEANS}; started ${esc(when(r.startedAt))}`,
    ),
  ].join('')}</div>`;
}

export function buildReportHtml(result: Result, opts: ReportHtmlOptions = {}): string {
  const r = result;
  const red = new Redactor(opts.revealStrings === true);
  const paper: Paper = opts.paper === 'Letter' ? 'Letter' : 'A4';

  // Sections are rendered before the head so the redaction count is known for the footer.
  const summary = summaryHtml(r, red);
  const chartInput = { samples: r.samples, checkpoints: r.checkpoints, snapshots: r.snapshots };
  // The verdict's slope is per request served: drawn where the x axis is requests (not with --load none).
  const v = r.verdict;
  const fit: FitMark | null =
    v.unit === 'second' || v.basis === 'none'
      ? null
      : { slope: v.bytesPerRequest, ci95: v.ci95, on: v.basis === 'heap' ? 'gc' : 'gc-pss' };
  // Side by side when both are drawn, so the heap panel, usually the verdict's, is on page 1.
  const heapChart = growthChartSvg(chartInput, {
    view: 'heap',
    width: 360,
    height: 220,
    fit: fit?.on === 'gc' ? fit : null,
  });
  const chart = growthChartSvg(chartInput, {
    ...(heapChart ? { width: 360, height: 220 } : { height: 215 }),
    fit: fit?.on === 'gc-pss' ? fit : null,
  });
  const load = loadHtml(r);
  const suspects = suspectsHtml(r, red);
  const processes = processesHtml(r, red);
  const attach = attachHtml(r, red);
  const environment = environmentHtml(r, red);
  const sites = r.target.runtime === 'python' ? pythonSitesHtml(r, red) : '';
  const warnings = r.warnings.length
    ? `<ul class="notes">${r.warnings.map((w) => `<li>${esc(red.prose(w))}</li>`).join('')}</ul>`
    : '';

  const banner = red.reveal
    ? `<div class="banner" role="alert">This report contains heap string contents (made with --reveal-strings).<span>Values held in the server's memory (tokens, passwords, cookies, connection strings) may be printed below. Treat this document as confidential and do not attach it to tickets or chats.</span></div>`
    : '';
  const redactionNote = red.reveal
    ? 'Heap string contents are NOT redacted in this report (--reveal-strings).'
    : `Heap string contents are redacted: a value is shown as string(len=N, sha256:xxxxxxxx), its length and the first 8 hex digits of its SHA-256, so equal values can be matched without showing them. Environment values and request headers are hidden the same way.${
        red.caught
          ? ` A second scan by the report redacted ${red.caught} more text${red.caught === 1 ? '' : 's'} that looked like a secret.`
          : ''
      }`;

  const fitWords = fit
    ? ` Red line: the verdict's Theil–Sen slope, ${esc(fitLabel(fit).replace(/^fit /, ''))}; shaded: its 95% interval.`
    : v.unit === 'second'
      ? ' No load was sent, so the verdict is per second and no line is drawn against requests.'
      : '';
  const chartCaption = `The process tree's memory, from zero: PSS${
    r.target.processes && r.target.processes.length > 1 ? ' in total and per process' : ''
  }, and RSS. ${fit?.on === 'gc-pss' ? `Squares mark PSS after a forced garbage collection, the series the verdict is fitted on.${fitWords} ` : ''}${
    r.snapshots.length ? 'Dashed verticals S1… mark heap snapshots (each pauses the target).' : ''
  }`;

  return `${documentStart({
    title: reportTitle({ ...r, target: { ...r.target, command: red.text(r.target.command) } }),
    version: r.leakhoundVersion,
    css: reportCss(paper, opts.cssPageNumbers ? { footerLeft: footerText(r) } : undefined),
    brand: 'memory leak report',
    right: `run ${esc(r.id)} · ${esc(when(r.startedAt))}`,
  })}
${banner}
<h1><span class="badge ${r.verdict.kind}">${esc(verdictTitle(r.verdict.kind))}</span></h1>
<p class="subtitle"><code>${esc(red.text(r.target.command))}</code>${r.target.url ? ` · ${esc(red.text(r.target.url))}` : ''}</p>
<section id="summary" class="summary">
<h2>Summary</h2>
${figuresHtml(r)}
${summary}
${warnings}
</section>
<section id="growth">
<h2>Memory growth</h2>
<div class="${heapChart ? 'panels' : 'panel'}">
<figure>${chart}<figcaption>${chartCaption}</figcaption></figure>
${
  heapChart
    ? `<figure class="heap">${heapChart}<figcaption>The runtime heap alone, zoomed in: this axis does not start at zero, so a slow leak that is small next to the process total shows as a rising line. Squares: the heap after a forced garbage collection${
        fit?.on === 'gc' ? `, the series the verdict is fitted on.${fitWords}` : '.'
      }${
        r.target.runtime === 'node'
          ? ' For Node the squares include external (Buffer) memory, so they can sit above the heap line.'
          : ''
      }</figcaption></figure>`
    : ''
}
</div>
</section>
<section id="load">
<h2>Load</h2>
${load}
</section>
<section id="suspects">
<h2>Top suspects</h2>
${suspects}
</section>
<section id="processes">
<h2>Processes</h2>
${processes}
${attach}
</section>
<section id="environment">
<h2>Environment</h2>
${environment}
</section>
${sites ? `<section id="allocation-sites">\n<h2>Allocation sites (Python tracemalloc)</h2>\n${sites}\n</section>` : ''}
<footer class="doc-foot">${esc(redactionNote)} Generated by leakhound ${esc(r.leakhoundVersion)} from run ${esc(r.id)}.</footer>
</main>
</body>
</html>
`;
}
