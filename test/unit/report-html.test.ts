import { describe, expect, it } from 'vitest';
import { buildReportHtml, SECTION_IDS } from '../../electron/engine/report/html';
import { redactedString } from '../../electron/engine/report/redact';
import { sampleResult } from '../../electron/engine/report/sample-result';
import type { Result } from '../../shared/result';

const CREDENTIAL = 'sk_live_LEAKHOUND_FAKE_CREDENTIAL_1234';
const PASSWORD = 'hunter2-LEAKHOUND-FAKE-PASSWORD-1234';
const ENV_SECRET = 'env-value-that-must-not-print';
const DSN = 'postgres://orders:Tr0ub4dor@db.internal/orders';

/** A leak result where secrets sneaked past the engine into names, paths, sites and options. */
function leakyResult(): Result {
  const r = sampleResult({ requests: 3000, leakBytesPerRequest: 412 });
  r.suspects[0]!.retainerPath = ['(GC roots)', 'registry', CREDENTIAL, `"${PASSWORD}"`, 'ApiClientSession'];
  r.suspects[0]!.allocatedAt = [
    { functionName: 'connect', url: `file:///srv/app/db.js?dsn=${DSN}`, line: 3, column: 1, bytes: 100 },
  ];
  r.suspects.push({
    name: `Authorization: Bearer ${CREDENTIAL}`,
    countDelta: 10,
    countPerRequest: 0.003,
    selfSizeDelta: 10,
    retainedSizeDelta: 10,
    retainerPath: ['(GC roots)', `password=${PASSWORD}`],
  });
  r.options = { ...r.options, env: { API_TOKEN: ENV_SECRET } };
  r.target.command = `node server.js --db ${DSN}`;
  return r;
}

describe('buildReportHtml', () => {
  const result = leakyResult();
  const html = buildReportHtml(result, { paper: 'A4' });

  it('is a self-contained document: no scripts, no remote or external resources', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\b(src|href)=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
  });

  it('has the sections in print order', () => {
    const at = SECTION_IDS.filter((id) => id !== 'allocation-sites').map((id) =>
      html.indexOf(`<section id="${id}"`),
    );
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(html).not.toContain('id="allocation-sites"'); // Node run: sites stay with each suspect
  });

  it('summarises target, time, duration, verdict and bytes per request with the interval', () => {
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('id="growth"'));
    expect(summary).toContain('2026-11-25 16:30 UTC');
    expect(summary).toContain('node server.js');
    expect(summary).toContain('3,000 requests (100 per second while loading, 3 errors, 0.1%)');
    // one duration, the shared one: first request to last measurement (not the folder's 48 s)
    expect(summary).toContain('hunt time 30 s (from the first request to the last measurement)');
    expect(summary).toMatch(
      /Hunt time<\/div><div class="v">30 s<\/div><div class="s">from the first request/,
    );
    expect(summary).not.toContain('48 s');
    expect(summary).toContain('Verdict: memory leak.');
    expect(summary).toContain('412 B per request (95% confidence interval 396 B to 428 B)');
    expect(summary).toContain('every million requests keeps about 412 MB more');
    expect(summary).toContain('Each heap snapshot paused the target'); // run warnings
  });

  it('draws the growth chart as inline SVG with snapshot markers', () => {
    const growth = html.slice(html.indexOf('id="growth"'), html.indexOf('id="load"'));
    expect(growth).toMatch(/<svg class="chart chart-memory"[^>]*viewBox=/);
    expect(growth).toMatch(/<path d="M[\d.]+ [\d.]+L/);
    expect(growth).toContain('Requests served');
    expect(growth).toContain('Memory (MB)');
    // two panels as the UI's run view: process memory, then the heap after GC with the fit
    expect(growth.match(/<svg class="chart chart-(memory|heap)"/g)).toEqual([
      '<svg class="chart chart-memory"',
      '<svg class="chart chart-heap"',
    ]);
    expect(growth.match(/class="snap">S\d</g)).toHaveLength(6);
    expect(growth).toContain('Heap (MB)');
    const heap = growth.slice(growth.indexOf('chart-heap'));
    expect(heap).toContain('class="fit-line"');
    expect(heap).toContain('>fit +412 B/request (95% CI 396 B … 428 B)</text>');
    expect(growth).toContain('shaded: its 95% interval');
  });

  it('prints the load figures', () => {
    const load = html.slice(html.indexOf('id="load"'), html.indexOf('id="suspects"'));
    for (const s of [
      '3,000',
      '>100<',
      '0.84 ms',
      '1.9 ms',
      '2.6 ms',
      '7.3 ms',
      'Timeout',
      'Non-2xx status',
      '200: 2,998',
    ]) {
      expect(load).toContain(s);
    }
  });

  it('lists suspects with count per request, retained growth, the retainer chain and allocation sites', () => {
    const sus = html.slice(html.indexOf('id="suspects"'), html.indexOf('id="processes"'));
    expect(sus).toContain('<code>ApiClientSession</code>');
    expect(sus).toContain('class="strong-evidence">1.00<');
    expect(sus).toContain('+1.18 MB');
    expect(sus).toMatch(/\(GC roots\)<\/span><span class="arrow">→<\/span><span class="step">registry/);
    expect(sus).toContain('Allocated at');
    expect(sus.match(/<tbody class="suspect">/g)).toHaveLength(3);
  });

  it('reads a suspect as an owner: holder, captures, what grew inside it, its growth, ranked paths, or why no site', () => {
    const r = leakyResult();
    r.suspects[0] = {
      ...r.suspects[0],
      name: "(closure) bus.on('config-changed') handler at srv.js:8:29",
      kind: 'closure',
      heldBy: "srv.js › bus › 'config-changed' listeners (+3000)",
      captures: ['w: RequestWatcher'],
      holds: [{ name: 'RequestWatcher', countDelta: 3000 }],
      growth: {
        intervals: [
          { requests: 1500, count: 1500, perRequest: 1 },
          { requests: 1500, count: 1500, perRequest: 1 },
        ],
        range: [1, 1],
      },
      retainerPaths: [
        { path: ['srv.js (module)', 'bus', '_events', 'config-changed', '[7]'], count: 2990 },
        { path: ['srv.js (module)', 'bus', '_eventsCount'], count: 10 },
      ],
      allocatedAt: undefined,
      siteNote: 'the sampling profile cannot tell',
    };
    const sus = buildReportHtml(r);
    const part = sus.slice(sus.indexOf('id="suspects"'), sus.indexOf('id="processes"'));
    expect(part).toContain('Suspect (owner)');
    // the event name is a string from the heap: redacted like every string content
    expect(part).toMatch(/held by srv\.js › bus › string\(len=16, sha256:[0-9a-f]+\) listeners \(\+3000\)/);
    expect(part).toContain('captures w: RequestWatcher');
    expect(part).toContain('grew with it: RequestWatcher +3000');
    expect(part).toContain('grows 1.00/request in each of 2 intervals');
    expect(part).toContain('also by');
    expect(part).toContain('(2,990 objects)');
    expect(part).toContain('unknown: the sampling profile cannot tell');
  });

  it('says where the requests came from and, for a remote server, which host it ran on', () => {
    expect(html).toContain(`Requests sent from this machine (${result.host.hostname}).`);
    const remote = (via: 'ssh-forward' | 'host'): string => {
      const r = sampleResult({ requests: 3000, leakBytesPerRequest: 412 });
      r.load = { ...r.load!, via };
      r.target.remote = {
        host: 'ops@web-3',
        transport: 'ssh',
        hostname: 'web-3',
        kernel: '6.1.0-18-amd64',
        helperPython: '3.11.2',
        helperCpuMs: 90,
        bytesSent: 1,
        bytesReceived: 1,
        url: 'http://127.0.0.1:8000/',
        linkLost: null,
        loadNode: 'v20.19.2',
        spawned: true,
      };
      return buildReportHtml(r, { paper: 'A4' });
    };
    expect(remote('host')).toContain(
      'Requests sent from ops@web-3 itself (its node v20.19.2): latency without the network between.',
    );
    const fwd = remote('ssh-forward');
    expect(fwd).toMatch(
      /Requests sent from this machine \([^)]+\) through an SSH forward to ops@web-3: latency includes the link\./,
    );
    expect(fwd).toContain(
      'ops@web-3 (web-3, 6.1.0-18-amd64), over ssh; started and ended there by leakhound',
    );
    expect(fwd).toContain('leakhound ran on');
  });

  it('tables the processes and the environment needed to repeat the run', () => {
    const procs = html.slice(html.indexOf('id="processes"'), html.indexOf('id="environment"'));
    expect(procs).toContain('>41000<');
    expect(procs).toContain('49.5 MB');
    expect(procs).toContain('0 worker restarts');
    const env = html.slice(html.indexOf('id="environment"'));
    for (const s of [
      'v20.20.2',
      'build-07',
      '0.1.0',
      'leakhound run --spawn',
      '--requests 3000',
      '--concurrency 10',
    ]) {
      expect(env).toContain(s);
    }
  });

  it('never prints the secrets that sneaked into suspects, paths, sites, the command or options', () => {
    for (const secret of [CREDENTIAL, PASSWORD, ENV_SECRET, DSN, 'Tr0ub4dor', 'LEAKHOUND_FAKE']) {
      expect(html).not.toContain(secret);
    }
    expect(html).toContain(redactedString(CREDENTIAL));
    expect(html).toContain(redactedString(ENV_SECRET));
    expect(html).toMatch(/A second scan by the report redacted \d+ more texts/);
    expect(html).not.toContain('class="banner"');
  });

  it('prints them, with a first-page banner, only when revealStrings is set', () => {
    const open = buildReportHtml(result, { revealStrings: true });
    expect(open).toContain(CREDENTIAL);
    expect(open).toContain(ENV_SECRET);
    const banner = open.indexOf('class="banner"');
    expect(banner).toBeGreaterThan(0);
    expect(banner).toBeLessThan(open.indexOf('id="summary"'));
    expect(open).toContain('contains heap string contents');
  });

  it('escapes markup that comes from the heap', () => {
    const r = sampleResult();
    r.suspects[0]!.name = '<img src=x onerror=alert(1)>';
    const out = buildReportHtml(r);
    expect(out).not.toContain('<img');
    expect(out).toContain('&lt;img');
  });

  it('sets the page size and print rules', () => {
    expect(html).toContain('size: A4;');
    expect(buildReportHtml(result, { paper: 'Letter' })).toContain('size: Letter;');
    expect(html).toContain('thead { display: table-header-group; }');
    expect(html).toMatch(/tr, tbody\.suspect \{ break-inside: avoid;/);
  });

  it('adds CSS page numbers only when asked (the PDF path uses a footer template instead)', () => {
    expect(html).not.toContain('@bottom-right');
    const standalone = buildReportHtml(result, { cssPageNumbers: true });
    expect(standalone).toContain('@bottom-right { content: "Page " counter(page) " of " counter(pages);');
    expect(standalone).toContain(
      '@bottom-left { content: "leakhound · run 2026-11-25T16-30-00-sample · leak";',
    );
  });

  it('is deterministic', () => {
    expect(buildReportHtml(leakyResult(), { paper: 'A4' })).toBe(html);
  });
});

describe('buildReportHtml for other runs', () => {
  it('says no leak for a clean run and explains the empty suspects list', () => {
    const html = buildReportHtml(sampleResult({ leakBytesPerRequest: 0 }));
    expect(html).toContain('Verdict: no leak found.');
    expect(html).toContain('No object class grew between the heap snapshots');
  });

  it('reports a target that died, and a Python tree with allocation sites and restarts', () => {
    const r = sampleResult({ runtime: 'python', workers: 3 });
    r.status = 'target-died';
    r.target.exitCode = 137;
    r.target.restarts = 4;
    const html = buildReportHtml(r);
    expect(html).toContain('The target died during the run</strong> (exit code 137)');
    expect(html).toContain('4 worker restarts');
    expect(html).toContain('pid 41002 (PSS)'); // per-worker lines in the chart
    const sites = html.slice(html.indexOf('id="allocation-sites"'));
    expect(sites).toContain('Allocation sites (Python tracemalloc)');
    expect(sites).toContain('/srv/app/server.js:17:18');
    expect(html.indexOf('id="allocation-sites"')).toBeGreaterThan(html.indexOf('id="environment"'));
  });

  it('renders a failed run with nothing gathered', () => {
    const r = sampleResult({
      patch: {
        status: 'failed',
        load: null,
        samples: [],
        checkpoints: [],
        suspects: [],
        snapshots: [],
        warnings: [],
      },
    });
    r.verdict = { kind: 'inconclusive', bytesPerRequest: 0, ci95: [0, 0], reason: '', basis: 'none' };
    r.target.processes = undefined;
    const html = buildReportHtml(r);
    expect(html).toContain('The run failed');
    expect(html).toContain('No load was generated or recorded');
    expect(html).toContain('No memory samples were recorded');
    expect(html).toContain('No heap snapshots were taken');
    expect(html).toContain('No per-process samples were recorded');
    expect(html).not.toContain('NaN');
    expect(html).not.toContain('undefined');
  });

  it('shows a source-mapped site at its original line, with where the compiled code was', () => {
    const r = sampleResult({ requests: 3000, leakBytesPerRequest: 412 });
    r.suspects[0].allocatedAt = [
      {
        functionName: 'issue',
        url: '/srv/app/src/tickets.ts',
        line: 15,
        column: 15,
        bytes: 16_400,
        generated: { url: '/srv/app/dist/tickets.js', line: 19, column: 15 },
      },
    ];
    expect(buildReportHtml(r)).toContain('/srv/app/src/tickets.ts:15:15 (compiled: tickets.js:19:15)');
  });

  it('tells a Python user how to get allocation sites when tracemalloc was off', () => {
    const r = sampleResult({ runtime: 'python' });
    for (const s of r.suspects) delete s.allocatedAt;
    expect(buildReportHtml(r)).toContain('tracemalloc was off');
  });
});
