// The sweep report: one self-contained HTML document for a whole configuration grid, in
// the run report's style: which configuration to pick and why, the comparison table the
// ops team used to fill by hand, the memory curves overlaid, and each configuration's verdict.
// Pure: same sweep.json and results, same bytes.
import type { Result } from '../../../shared/result';
import type { Goal, SweepRow } from '../sweep/compare';
import type { SweepFile } from '../sweep/run-sweep';
import { bytes, bytesPer, duration, esc, int, ms, num } from './format';
import { Redactor } from './redact';
import { documentStart, type Paper, reportCss } from './styles';
import { ciText, verdictTitle } from './summary';
import { SWEEP_STYLES, sweepChartSvg } from './sweep-chart';

export interface SweepReportOptions {
  paper?: Paper;
  revealStrings?: boolean;
  cssPageNumbers?: boolean;
  /** the sweep's name in the header and footer (its folder name) */
  name?: string;
}

export const SWEEP_SECTION_IDS = ['summary', 'comparison', 'curves', 'configurations'] as const;

export const GOAL_WORDS: Record<Goal, string> = {
  p90: 'lowest p90 latency',
  p99: 'lowest p99 latency',
  rps: 'highest throughput (requests/s)',
  pss: 'lowest total memory (PSS)',
};

/** The goal as one phrase, e.g. "lowest p90 latency with no leak and < 0.1% errors". */
export function goalText(goal: Goal): string {
  return `${GOAL_WORDS[goal]} with no leak and < 0.1% errors`;
}

export const paramsText = (p: Record<string, string>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

export function sweepFooterText(s: SweepFile, name?: string): string {
  return `leakhound · sweep${name ? ` ${name}` : ''} · ${s.rows.length} configurations`;
}

const goalValue = (r: SweepRow, goal: Goal): string =>
  goal === 'rps'
    ? `${num(r.rps ?? Number.NaN, 0)} req/s`
    : goal === 'pss'
      ? `${bytes(r.pssTotalBytes)} PSS`
      : `${goal} ${ms(r[goal] ?? Number.NaN)}`;

/** Why a configuration was not eligible for "best", in a few words; null when it was. */
export function exclusion(r: SweepRow): string | null {
  if (r.status !== 'finished') return `did not finish (${r.status})`;
  if (r.verdict === 'leak') return 'leaks';
  if (r.errorRate === null) return 'no requests recorded';
  if (r.errorRate >= 0.001) return `${num(r.errorRate * 100, 2)}% errors`;
  return null;
}

function summaryParagraph(s: SweepFile, results: Record<string, Result | null>, red: Redactor): string {
  const gridWords = s.grid.map((g) => `${esc(g.name)} ∈ {${g.values.map(esc).join(', ')}}`).join(' × ');
  const first = s.rows.map((r) => results[r.id]).find((r): r is Result => !!r);
  const o = first?.options ?? {};
  // The budget asked for, not the count served: warm-up requests are served on top of it.
  const budget =
    typeof o.requests === 'number'
      ? `${int(o.requests)} requests`
      : typeof o.durationMs === 'number'
        ? `${duration(o.durationMs)} of requests`
        : `${int(first?.load?.requests ?? 0)} requests`;
  const load = first?.load
    ? ` Each got the same load: ${budget}${
        typeof first.options.concurrency === 'number' ? ` over ${first.options.concurrency} connections` : ''
      }${first.target.url ? ` to <code>${esc(red.text(first.target.url))}</code>` : ''}, one configuration at a time.`
    : ' Each got the same load, one configuration at a time.';
  const parts = [
    `<p>leakhound ran ${s.rows.length} configuration${s.rows.length === 1 ? '' : 's'} of <code>${esc(red.text(s.spawn))}</code> over the grid ${gridWords}.${load} Goal: ${esc(goalText(s.goal))}.</p>`,
  ];
  const b = s.best;
  if (b) {
    const others = s.rows.filter((r) => r.id !== b.id && exclusion(r) === null);
    const runnerUp = others.sort((x, y) => key(x, s.goal) - key(y, s.goal))[0];
    const than = runnerUp
      ? ` The next eligible configuration, ${esc(paramsText(runnerUp.params))}, had ${esc(goalValue(runnerUp, s.goal))}.`
      : '';
    parts.push(
      `<p><strong>Best: ${esc(paramsText(b.params))}</strong>, with ${esc(goalValue(b, s.goal))}, ${
        b.verdict === 'no-leak' ? 'no leak' : esc(b.verdict ?? 'no verdict')
      }, ${num((b.errorRate ?? 0) * 100, 2)}% errors and ${bytes(b.pssTotalBytes)} PSS over ${b.processes} process${
        b.processes === 1 ? '' : 'es'
      }.${than}</p>`,
    );
  } else {
    parts.push(
      `<p><strong>No configuration met the goal</strong>: each one leaked, failed or had 0.1% errors or more (see the table).</p>`,
    );
  }
  const excluded = s.rows
    .map((r) => [r, exclusion(r)] as const)
    .filter(([, why]) => why !== null)
    .map(([r, why]) => `${esc(paramsText(r.params))} (${esc(why!)})`);
  if (excluded.length) parts.push(`<p>Not eligible: ${excluded.join('; ')}.</p>`);
  if (s.partial)
    parts.push(
      `<p class="reason">This sweep has not finished: run the same sweep again to run the remaining configurations.</p>`,
    );
  return parts.join('\n');
}

const key = (r: SweepRow, goal: Goal): number =>
  goal === 'rps' ? -(r.rps ?? 0) : goal === 'pss' ? (r.pssTotalBytes ?? Infinity) : (r[goal] ?? Infinity);

function figuresHtml(s: SweepFile): string {
  const fig = (k: string, v: string, sub: string) =>
    `<div class="figure"><div class="k">${k}</div><div class="v">${v}</div><div class="s">${sub}</div></div>`;
  const leaks = s.rows.filter((r) => r.verdict === 'leak').length;
  return `<div class="figures">${[
    fig(
      'Configurations',
      String(s.rows.length),
      esc(s.grid.map((g) => `${g.values.length} ${g.name}`).join(' × ')),
    ),
    fig(
      'Best',
      s.best ? esc(paramsText(s.best.params)) : 'none',
      s.best ? esc(goalValue(s.best, s.goal)) : 'no configuration met the goal',
    ),
    fig('Leaking', String(leaks), `of ${s.rows.length} configurations`),
    fig('Wall time', s.wallMs == null ? '–' : duration(s.wallMs), 'whole sweep, one at a time'),
  ].join('')}</div>`;
}

function tableHtml(s: SweepFile): string {
  const names = s.grid.map((g) => g.name);
  // recycled workers (gunicorn --max-requests): the growth within a worker's life beside PSS
  // answers whether the setting hides a leak, and what it costs in memory
  const lives = s.rows.some((r) => r.recycledEvery != null);
  const head = [
    ...names.map((n) => `<th>${esc(n)}</th>`),
    ...[
      'req/s',
      'p50',
      'p90',
      'p99',
      'errors',
      'PSS total',
      'PSS / process',
      'growth / req',
      ...(lives ? ['in-life growth / req', 'recycled every'] : []),
      'restarts',
    ].map((h) => `<th class="n">${h}</th>`),
    '<th>verdict</th>',
  ].join('');
  const body = s.rows
    .map((r) => {
      const best = s.best?.id === r.id;
      return `<tr${best ? ' class="best"' : ''}>${[
        ...names.map((n, i) => `<td>${i === 0 && best ? '★ ' : ''}${esc(r.params[n] ?? '')}</td>`),
        `<td class="n">${r.rps === null ? '–' : num(r.rps, 0)}</td>`,
        `<td class="n">${r.p50 === null ? '–' : ms(r.p50)}</td>`,
        `<td class="n">${r.p90 === null ? '–' : ms(r.p90)}</td>`,
        `<td class="n">${r.p99 === null ? '–' : ms(r.p99)}</td>`,
        `<td class="n">${r.errorRate === null ? '–' : `${num(r.errorRate * 100, 2)}%`}</td>`,
        `<td class="n">${bytes(r.pssTotalBytes)}</td>`,
        `<td class="n">${bytes(r.pssPerProcessBytes)}${r.processes ? ` ×${r.processes}` : ''}</td>`,
        `<td class="n">${r.bytesPerRequest === null ? '–' : bytesPer(r.bytesPerRequest)}</td>`,
        ...(lives
          ? [
              `<td class="n">${r.lifetimeBytesPerRequest == null ? '–' : bytesPer(r.lifetimeBytesPerRequest)}</td>`,
              `<td class="n">${r.recycledEvery == null ? '–' : `${num(r.recycledEvery, 0)} req`}</td>`,
            ]
          : []),
        `<td class="n">${r.restarts}</td>`,
        `<td>${r.verdict ? esc(r.verdict) : esc(r.status)}</td>`,
      ].join('')}</tr>`;
    })
    .join('\n');
  return `<table class="sweep"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>
<p class="reason">★ marks the best configuration for the goal: ${esc(goalText(s.goal))}. Latencies are from leakhound's own load generator; PSS is the process tree's proportional set size at the last checkpoint, so shared pages are counted once.</p>`;
}

function configurationsHtml(s: SweepFile, results: Record<string, Result | null>, red: Redactor): string {
  return s.rows
    .map((row, i) => {
      const r = results[row.id];
      const style = SWEEP_STYLES[i % SWEEP_STYLES.length]!;
      const kind = r?.verdict.kind;
      const badge = kind
        ? `<span class="badge ${kind}">${esc(verdictTitle(kind))}</span>`
        : `<span class="badge inconclusive">${esc(row.status)}</span>`;
      const detail = r
        ? `<p>Growth ${bytesPer(r.verdict.bytesPerRequest)} per ${r.verdict.unit ?? 'request'} (${ciText(r.verdict.ci95)}), measured on ${esc(r.verdict.basis)}.</p>
<p class="reason">${esc(red.prose(r.verdict.reason))}</p>
<p class="reason"><code>${esc(red.text(r.target.command))}</code></p>`
        : `<p class="reason">No result was written for this configuration (${esc(row.status)}).</p>`;
      return `<div class="config"><h3><span class="swatch" style="border-color:${style.stroke}"></span>${esc(paramsText(row.params))}${
        s.best?.id === row.id ? ' ★' : ''
      } ${badge}</h3>\n${detail}</div>`;
    })
    .join('\n');
}

const EXTRA_CSS = `
table.sweep tr.best td { background: #eef2ff; font-weight: 700; }
.config { break-inside: avoid; margin-bottom: 6px; }
.config h3 .badge { font-size: 8.5pt; padding: 0 6px; margin-left: 6px; vertical-align: 1px; border-width: 1.5px; }
.swatch { display: inline-block; width: 18px; border-top: 3px solid; margin-right: 6px; vertical-align: middle; }
`;

export function buildSweepReportHtml(
  sweep: SweepFile,
  results: Record<string, Result | null>,
  opts: SweepReportOptions = {},
): string {
  const s = sweep;
  const red = new Redactor(opts.revealStrings === true);
  const paper: Paper = opts.paper === 'Letter' ? 'Letter' : 'A4';
  const summary = summaryParagraph(s, results, red);
  const chart = sweepChartSvg(
    s.rows.map((r) => ({
      label: paramsText(r.params),
      samples: results[r.id]?.samples ?? [],
      best: s.best?.id === r.id,
    })),
  );
  const configs = configurationsHtml(s, results, red);
  const version = Object.values(results).find((r) => r)?.leakhoundVersion ?? '';
  const title = s.best ? `Best configuration: ${paramsText(s.best.params)}` : 'No configuration met the goal';
  return `${documentStart({
    title: `leakhound sweep report: ${title}`,
    version,
    css: `${reportCss(paper, opts.cssPageNumbers ? { footerLeft: sweepFooterText(s, opts.name) } : undefined)}${EXTRA_CSS}`,
    brand: 'configuration sweep',
    right: opts.name ? `sweep ${esc(opts.name)}` : '',
  })}
<h1>${esc(title)}</h1>
<p class="subtitle"><code>${esc(red.text(s.spawn))}</code></p>
<section id="summary" class="summary">
<h2>Summary</h2>
${figuresHtml(s)}
${summary}
</section>
<section id="comparison">
<h2>Comparison</h2>
${tableHtml(s)}
</section>
<section id="curves">
<h2>Memory of each configuration</h2>
<figure>${chart}<figcaption>Memory of the whole process tree (PSS; RSS where PSS could not be read) in MB against requests served, one line per configuration; the best one is drawn thickest. A leak shows as a line that keeps rising; a flat line after warm-up is a configuration whose memory is under control.</figcaption></figure>
</section>
<section id="configurations">
<h2>Verdict per configuration</h2>
${configs}
</section>
<footer class="doc-foot">${esc(red.reveal ? 'Heap string contents are NOT redacted in this report (--reveal-strings).' : 'Commands, URLs and verdict texts were scanned for secrets, which are shown as string(len=N, sha256:xxxxxxxx).')} Generated by leakhound ${esc(version)}.</footer>
</main>
</body>
</html>
`;
}

export type { SweepFile };
