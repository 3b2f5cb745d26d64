// The report's tables: load, suspects, processes, environment, allocation sites. Each returns
// escaped HTML; every text that came out of the heap goes through the Redactor first.
import { HUNT_TIME_LABEL, huntTimeMs, huntTimeText } from '../../../shared/hunt-time';
import type { AllocationSite, Result, Suspect } from '../../../shared/result';
import { siteCompiled, siteWhere } from '../../../shared/sites';
import { suspectDetailLines, suspectGrowthText, suspectPaths } from '../../../shared/suspect-text';
import { bytes, duration, esc, int, ms, num, signedBytes, when } from './format';
import type { Redactor } from './redact';
import { RUNTIME_NAMES } from './summary';

const th = (label: string, numeric = false) => `<th${numeric ? ' class="n"' : ''}>${label}</th>`;
const td = (html: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${html}</td>`;

export function loadHtml(r: Result): string {
  const l = r.load;
  if (!l) return '<p class="muted">No load was generated or recorded for this run.</p>';
  const lat = l.latencyMs;
  const errs = l.errorsByKind;
  const total = l.requests + l.errors;
  const pct = (n: number) => (total ? `${num((100 * n) / total, 2)}%` : '–');
  const codes = l.statusCodes
    ? Object.entries(l.statusCodes)
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([k, v]) => `${esc(k)}: ${int(v)}`)
        .join(', ')
    : '';
  return `
<table class="load">
<thead><tr>${th('Requests served', true)}${th('Requests per second while loading', true)}${th(HUNT_TIME_LABEL, true)}${th('Errors', true)}${th('Error rate', true)}</tr></thead>
<tbody><tr>${td(int(l.requests), 'n')}${td(num(l.rps, 0), 'n')}${td(huntTimeText(huntTimeMs(r)), 'n')}${td(int(l.errors), 'n')}${td(pct(l.errors), 'n')}</tr></tbody>
</table>
<table class="latency">
<thead><tr>${th('Latency')}${th('p50', true)}${th('p90', true)}${th('p95', true)}${th('p99', true)}${th('max', true)}${th('mean', true)}</tr></thead>
<tbody><tr>${td('per request')}${[lat.p50, lat.p90, lat.p95, lat.p99, lat.max, lat.mean].map((v) => td(ms(v), 'n')).join('')}</tr></tbody>
</table>
<table class="errors">
<thead><tr>${th('Errors by kind')}${th('Connect', true)}${th('Timeout', true)}${th('Non-2xx status', true)}${th('Other', true)}</tr></thead>
<tbody><tr>${td('count')}${[errs.connect, errs.timeout, errs.status, errs.other].map((v) => td(int(v), 'n')).join('')}</tr></tbody>
</table>
${codes ? `<p class="muted">HTTP status codes: ${codes}.</p>` : ''}
<p class="muted">Requests sent from ${esc(loadOrigin(r))}.</p>`;
}

/** Where the requests came from: the network between changes the latency figures. */
export function loadOrigin(r: Result): string {
  const remote = r.target.remote;
  if (r.load?.via === 'host' && remote)
    return `${remote.host} itself (its node ${remote.loadNode ?? '?'}): latency without the network between`;
  if (r.load?.via === 'ssh-forward' && remote)
    return `this machine (${r.host.hostname}) through an SSH forward to ${remote.host}: latency includes the link`;
  return `this machine (${r.host.hostname})`;
}

function pathHtml(path: string[], red: Redactor): string {
  if (!path.length) return '<span class="muted">no path to the GC roots was recorded</span>';
  return path
    .map((p) => `<span class="step">${esc(red.text(p))}</span>`)
    .join('<span class="arrow">→</span>');
}

export function siteText(s: AllocationSite, red: Redactor): string {
  const where = siteWhere(s) + siteCompiled(s);
  // tracemalloc gives no function names: then the file and line say it all.
  const fn = s.functionName ? `${esc(red.text(s.functionName))} ` : '';
  return `${fn}<span class="mono">${esc(red.text(where))}</span>`;
}

/** Who holds it, what it captures, what grew inside it, and its own growth per interval. */
function ownerHtml(s: Suspect, red: Redactor): string {
  const lines = suspectDetailLines(s);
  const growth = suspectGrowthText(s);
  if (growth) lines.push(`grows ${growth}`);
  if (!lines.length) return '';
  return `<ul class="owner">${lines.map((l) => `<li>${esc(red.text(l))}</li>`).join('')}</ul>`;
}

/** Up to three distinct ranked retainer paths, most objects first. */
function pathsHtml(s: Suspect, red: Redactor): string {
  const paths = suspectPaths(s).slice(0, 3);
  if (!paths.length)
    return `<div class="path"><span class="label">Retained by</span>${pathHtml([], red)}</div>`;
  return paths
    .map(
      (p, i) =>
        `<div class="path"><span class="label">${i === 0 ? 'Retained by' : 'also by'}</span>${pathHtml(p.path, red)}${
          p.count != null && paths.length > 1 ? ` <span class="muted">(${int(p.count)} objects)</span>` : ''
        }</div>`,
    )
    .join('');
}

function sitesHtml(sites: AllocationSite[] | undefined, red: Redactor): string {
  if (!sites?.length) return '';
  const top = [...sites].sort((a, b) => b.bytes - a.bytes).slice(0, 3);
  return `<div class="sites"><span class="label">Allocated at</span>${top
    .map((s) => `${siteText(s, red)} <span class="muted">(${bytes(s.bytes)})</span>`)
    .join('; ')}</div>`;
}

export function suspectsHtml(r: Result, red: Redactor, limit = 10): string {
  if (!r.suspects.length) {
    return `<p class="muted">${
      r.snapshots.length
        ? 'No object class grew between the heap snapshots: nothing points to a leak on the heap.'
        : 'No heap snapshots were taken in this run, so there are no suspects (memory curves only).'
    }</p>`;
  }
  const shown = r.suspects.slice(0, limit);
  const rows = shown
    .map((s: Suspect, i) => {
      const strong =
        Math.abs(s.countPerRequest - Math.round(s.countPerRequest)) < 0.05 && s.countPerRequest >= 0.95;
      return `<tbody class="suspect">
<tr>${td(String(i + 1), 'n')}${td(`<code>${esc(red.text(s.name))}</code>`, 'wrap')}${td(int(s.countDelta), 'n')}${td(
        `<span${strong ? ' class="strong-evidence"' : ''}>${s.countPerRequest.toFixed(2)}</span>`,
        'n',
      )}${td(signedBytes(s.retainedSizeDelta), 'n')}${td(signedBytes(s.selfSizeDelta), 'n')}</tr>
<tr class="detail"><td></td><td colspan="5">${ownerHtml(s, red)}${pathsHtml(s, red)}${sitesHtml(
        s.allocatedAt,
        red,
      )}${s.siteNote && !s.allocatedAt?.length ? `<div class="sites muted"><span class="label">Allocated at</span>unknown: ${esc(s.siteNote)}</div>` : ''}${perProcessHtml(s)}</td></tr>
</tbody>`;
    })
    .join('\n');
  const more =
    r.suspects.length > limit
      ? `<p class="muted">${r.suspects.length - limit} smaller suspects are in result.json.</p>`
      : '';
  return `<table class="suspects">
<thead><tr>${th('#', true)}${th('Suspect (owner)')}${th('New objects', true)}${th('Per request', true)}${th('Retained growth', true)}${th('Own size growth', true)}</tr></thead>
${rows}
</table>
<p class="muted">"Per request" close to a whole number (1.00, 2.00) is strong evidence: each request leaves that many objects behind. Retained growth is the memory that would be freed if those objects were released.</p>${more}`;
}

function perProcessHtml(s: Suspect): string {
  if (!s.perProcess?.length || s.perProcess.length < 2) return '';
  const top = [...s.perProcess].sort((a, b) => b.sizeDelta - a.sizeDelta);
  const more = top.length > 6 ? `; and ${top.length - 6} more` : '';
  return `<div class="sites"><span class="label">Per process</span>${top
    .slice(0, 6)
    .map((p) => `pid ${p.pid}: ${int(p.countDelta)} objects, ${signedBytes(p.sizeDelta)}`)
    .join('; ')}${more}</div>`;
}

interface ProcRow {
  pid: number;
  ppid: number | null;
  command: string;
  firstSeenMs: number;
  lastSeenMs: number;
  exited: boolean | null;
  peakRssBytes: number;
  lastPssBytes: number | null;
}

/** Process rows from target.processes, or rebuilt from the samples when an older run lacks them. */
export function processRows(r: Result): ProcRow[] {
  if (r.target.processes?.length) return r.target.processes.map((p) => ({ ...p }));
  const rows = new Map<number, ProcRow>();
  for (const s of r.samples) {
    for (const p of s.processes) {
      let row = rows.get(p.pid);
      if (!row) {
        row = {
          pid: p.pid,
          ppid: p.ppid ?? null,
          command: p.pid === r.target.pid ? r.target.command : '',
          firstSeenMs: s.t,
          lastSeenMs: s.t,
          exited: null,
          peakRssBytes: 0,
          lastPssBytes: null,
        };
        rows.set(p.pid, row);
      }
      row.lastSeenMs = s.t;
      row.peakRssBytes = Math.max(row.peakRssBytes, p.rssBytes);
      if (p.pssBytes !== null) row.lastPssBytes = p.pssBytes;
    }
  }
  return [...rows.values()];
}

export function processesHtml(r: Result, red: Redactor): string {
  const rows = processRows(r);
  if (!rows.length) return '<p class="muted">No per-process samples were recorded.</p>';
  const exited = rows.filter((p) => p.exited).length;
  // Times are ms since the run started; an epoch timestamp is made relative the same way.
  const t0 = Date.parse(r.startedAt);
  const rel = (t: number) => (t > 1e12 && Number.isFinite(t0) ? t - t0 : t);
  const restarts = r.target.restarts ?? null;
  const lines = rows
    .map(
      (p) =>
        `<tr>${td(String(p.pid), 'n')}${td(p.ppid === null ? '–' : String(p.ppid), 'n')}${td(
          `<code>${esc(red.text(p.command || '–'))}</code>`,
          'wrap',
        )}${td(bytes(p.peakRssBytes), 'n')}${td(bytes(p.lastPssBytes), 'n')}${td(
          `${duration(rel(p.firstSeenMs))} – ${duration(rel(p.lastSeenMs))}`,
          'n',
        )}${td(p.exited === null ? '–' : p.exited ? 'exited' : 'running')}</tr>`,
    )
    .join('\n');
  const restartText =
    restarts !== null
      ? `${int(restarts)} worker restart${restarts === 1 ? '' : 's'} during the run`
      : `${exited} process${exited === 1 ? '' : 'es'} exited during the run`;
  return `<p>${rows.length} process${rows.length === 1 ? '' : 'es'} seen; ${restartText}.</p>
<table class="processes">
<thead><tr>${th('PID', true)}${th('Parent', true)}${th('Command')}${th('Peak RSS', true)}${th('Last PSS', true)}${th('Seen (from start)', true)}${th('State')}</tr></thead>
<tbody>
${lines}
</tbody>
</table>`;
}

/** Shell-quotes one argument for the "repeat this run" line. */
function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A `leakhound run` command line that repeats this run (secrets replaced by placeholders). */
export function repeatCommand(r: Result, red: Redactor): string {
  const o = r.options as Record<string, unknown>;
  const a: string[] = ['leakhound', 'run'];
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const n = (k: string) => (typeof o[k] === 'number' ? (o[k] as number) : undefined);
  if (str('spawn')) a.push('--spawn', shq(red.text(str('spawn')!)));
  else if (n('attach')) a.push('--attach', String(n('attach')));
  else if (r.target.mode === 'spawn') a.push('--spawn', shq(red.text(r.target.command)));
  else if (r.target.pid) a.push('--attach', String(r.target.pid));
  const url = str('url') ?? r.target.url ?? undefined;
  if (url) a.push('--url', shq(red.text(url)));
  if (n('requests')) a.push('--requests', String(n('requests')));
  if (n('durationMs')) a.push('--duration', `${n('durationMs')! / 1000}s`);
  if (n('concurrency')) a.push('--concurrency', String(n('concurrency')));
  if (n('rate')) a.push('--rate', String(n('rate')));
  if (n('warmup') !== undefined) a.push('--warmup', String(n('warmup')));
  if (n('readyTimeoutMs') && n('readyTimeoutMs') !== 20_000)
    a.push('--ready-timeout', `${n('readyTimeoutMs')! / 1000}s`);
  if (str('cwd')) a.push('--cwd', shq(str('cwd')!));
  if (o.env && typeof o.env === 'object') {
    for (const [k, v] of Object.entries(o.env as Record<string, unknown>)) {
      a.push('--env', shq(`${k}=${red.value(String(v))}`));
    }
  }
  if (o.failOnLeak === true) a.push('--fail-on-leak');
  if (o.revealStrings === true) a.push('--reveal-strings');
  return a.join(' ');
}

const SECRET_OPTION_KEYS = new Set(['env', 'headers', 'body', 'loadCommand']);

function optionValue(key: string, v: unknown, red: Redactor): string {
  if (v === null || v === undefined) return '–';
  if (key === 'env' && typeof v === 'object') {
    const e = Object.entries(v as Record<string, unknown>);
    return e.length ? e.map(([k, val]) => `${esc(k)}=${esc(red.value(String(val)))}`).join(', ') : '(none)';
  }
  if (key === 'endpoints' && Array.isArray(v)) {
    return v
      .map((ep) => {
        const e = ep as Record<string, unknown>;
        const hdr = e.headers && typeof e.headers === 'object' ? Object.keys(e.headers as object) : [];
        return `${esc(String(e.method ?? 'GET'))} ${esc(red.text(String(e.url ?? '')))}${
          e.weight !== undefined ? ` ×${esc(String(e.weight))}` : ''
        }${hdr.length ? ` (headers ${hdr.map(esc).join(', ')}: values hidden)` : ''}${
          typeof e.body === 'string' ? ` body ${esc(red.value(e.body))}` : ''
        }`;
      })
      .join('<br>');
  }
  if (SECRET_OPTION_KEYS.has(key)) return esc(red.value(typeof v === 'string' ? v : JSON.stringify(v)));
  if (typeof v === 'string') return esc(red.text(v));
  if (Array.isArray(v)) return esc(v.map(String).join(', ') || '(none)');
  if (typeof v === 'object') return esc(red.text(JSON.stringify(v)));
  return esc(String(v));
}

export function environmentHtml(r: Result, red: Redactor): string {
  const t = r.target;
  const h = r.host;
  const kv: [string, string][] = [
    ['Command', `<code>${esc(red.text(t.command))}</code>`],
    ['Mode', t.mode === 'attach' ? 'attached to a running process' : 'spawned by leakhound'],
    ['URL', t.url ? esc(red.text(t.url)) : '–'],
    [
      'Runtime',
      esc(`${RUNTIME_NAMES[t.runtime] || 'other'}${t.runtimeVersion ? ` ${t.runtimeVersion}` : ''}`),
    ],
    [
      'Target exit',
      t.exitCode === null && t.signal === null
        ? 'still running at the end, or stopped by leakhound'
        : esc(
            `${t.exitCode !== null ? `exit code ${t.exitCode}` : ''}${t.signal ? ` signal ${t.signal}` : ''}`.trim(),
          ),
    ],
    ...(t.remote
      ? ([
          [
            'Server host',
            esc(
              `${t.remote.host} (${[t.remote.hostname, t.remote.kernel].filter(Boolean).join(', ')}), over ${t.remote.transport}${t.remote.spawned ? '; started and ended there by leakhound' : ''}`,
            ),
          ],
        ] as [string, string][])
      : []),
    [
      t.remote ? 'leakhound ran on' : 'Host',
      esc(
        `${h.hostname} (${h.platform}, ${h.cpus} CPU${h.cpus === 1 ? '' : 's'}, ${bytes(h.totalMemBytes)} memory)`,
      ),
    ],
    ['leakhound', esc(r.leakhoundVersion)],
    ['Run', `<span class="mono">${esc(r.id)}</span>, ${esc(r.status)}`],
    ['Started / ended', `${when(r.startedAt)} / ${when(r.endedAt)}`],
    [
      'Heap snapshots',
      r.snapshots.length
        ? r.snapshots
            .map(
              (s, i) =>
                `S${i + 1} ${esc(s.label)} at ${int(s.atRequests)} requests, ${bytes(s.bytes)}${
                  s.pauseMs !== undefined ? `, target paused ${ms(s.pauseMs)}` : ''
                }`,
            )
            .join('<br>')
        : 'none',
    ],
  ];
  // Two options per row: the list is an appendix, it should not take a page of its own.
  const cells = Object.entries(r.options)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([k, v]) => `<th class="mono">${esc(k)}</th>${td(optionValue(k, v, red))}`);
  const opts: string[] = [];
  for (let i = 0; i < cells.length; i += 2)
    opts.push(`<tr>${cells[i]}${cells[i + 1] ?? '<th></th><td></td>'}</tr>`);
  return `<table class="kv"><tbody>
${kv.map(([k, v]) => `<tr><th>${k}</th>${td(v)}</tr>`).join('\n')}
</tbody></table>
<h3>Repeat this run</h3>
<div class="repeat mono">${esc(repeatCommand(r, red))}</div>
<h3>Options</h3>
<table class="kv options"><colgroup><col class="k"><col class="v"><col class="k"><col class="v"></colgroup><tbody>
${opts.join('\n') || '<tr><td class="muted">defaults</td></tr>'}
</tbody></table>`;
}

/** Python: every allocation site tracemalloc attributed to a suspect, biggest first. */
export function pythonSitesHtml(r: Result, red: Redactor): string {
  const rows: { site: AllocationSite; suspect: string }[] = [];
  for (const s of r.suspects) for (const site of s.allocatedAt ?? []) rows.push({ site, suspect: s.name });
  if (!rows.length) {
    return '<p class="muted">tracemalloc was off for this run, so no allocation sites were recorded. Turn it on to see the file and line that allocate the leaking objects.</p>';
  }
  rows.sort((a, b) => b.site.bytes - a.site.bytes);
  return `<table class="sites-table">
<thead><tr>${th('Allocation site')}${th('Suspect')}${th('Live bytes', true)}${th('Blocks', true)}</tr></thead>
<tbody>
${rows
  .slice(0, 25)
  .map(
    ({ site, suspect }) =>
      `<tr>${td(siteText(site, red), 'wrap')}${td(`<code>${esc(red.text(suspect))}</code>`)}${td(
        bytes(site.bytes),
        'n',
      )}${td(site.count === undefined ? '–' : int(site.count), 'n')}</tr>`,
  )
  .join('\n')}
</tbody>
</table>`;
}
