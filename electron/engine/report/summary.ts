// The first paragraph of the report: what was hunted, when, for how long, and the verdict in
// words an ops lead can repeat in an incident channel. Returns HTML (escaped here).
import { HUNT_TIME_MEANS, huntTimeMs, huntTimeText } from '../../../shared/hunt-time';
import type { Result } from '../../../shared/result';
import { bytes, bytesPer, esc, int, num, when } from './format';
import type { Redactor } from './redact';

export const RUNTIME_NAMES: Record<Result['target']['runtime'], string> = {
  node: 'Node.js',
  python: 'Python',
  other: '',
};

export function verdictTitle(kind: Result['verdict']['kind']): string {
  return kind === 'leak' ? 'Memory leak found' : kind === 'no-leak' ? 'No leak found' : 'Inconclusive';
}

function basisWords(r: Result): string {
  switch (r.verdict.basis) {
    case 'heap':
      return r.target.runtime === 'python'
        ? 'Python objects still alive after garbage collection'
        : 'the JavaScript heap after forced garbage collection';
    case 'pss':
      return 'the memory of the whole process tree (PSS)';
    case 'rss':
      return 'resident memory (RSS)';
    default:
      return 'no usable memory series';
  }
}

export function ciText(ci: readonly [number, number]): string {
  return `95% confidence interval ${bytesPer(ci[0])} to ${bytesPer(ci[1])}`;
}

export function summaryHtml(r: Result, red: Redactor): string {
  const s: string[] = [];
  const rt = RUNTIME_NAMES[r.target.runtime];
  const version = r.target.runtimeVersion ? ` ${esc(r.target.runtimeVersion)}` : '';
  const who = `${rt ? `${rt}${version} ` : ''}server <code>${esc(red.text(r.target.command))}</code>${
    r.target.pid ? ` (pid ${r.target.pid})` : ''
  }`;
  const verb = r.target.mode === 'attach' ? 'attached to the running' : 'started the';
  const l = r.load;
  const loadPart = l
    ? ` and sent it ${int(l.requests)} requests (${num(l.rps, 0)} per second while loading, ${
        l.errors
          ? `${int(l.errors)} errors, ${num((100 * l.errors) / Math.max(1, l.requests + l.errors), 1)}%`
          : 'no errors'
      })`
    : '';
  s.push(
    `On ${when(r.startedAt)}, leakhound ${verb} ${who}${loadPart}; hunt time ${huntTimeText(huntTimeMs(r))} (${HUNT_TIME_MEANS}).`,
  );
  if (!l) s.push('No load figures were recorded.');

  if (r.status === 'target-died') {
    const how =
      r.target.signal !== null
        ? `signal ${esc(r.target.signal)}`
        : `exit code ${r.target.exitCode ?? 'unknown'}`;
    s.push(
      `<strong>The target died during the run</strong> (${how}); the figures below cover what was gathered until then.`,
    );
  } else if (r.status === 'interrupted') {
    s.push(
      '<strong>The run was interrupted</strong> before the planned load finished; figures cover what was gathered.',
    );
  } else if (r.status === 'failed') {
    s.push('<strong>The run failed</strong>; the figures below are partial.');
  }

  const v = r.verdict;
  const rate = `${bytesPer(v.bytesPerRequest)} per request (${ciText(v.ci95)})`;
  if (v.kind === 'leak') {
    s.push(
      `<strong>Verdict: memory leak.</strong> Memory that survives garbage collection grows by about ${rate}, measured on ${basisWords(r)}. At that rate every million requests keeps about ${bytes(
        v.bytesPerRequest * 1e6,
      )} more in memory until the process is restarted.`,
    );
  } else if (v.kind === 'no-leak') {
    s.push(
      `<strong>Verdict: no leak found.</strong> Measured on ${basisWords(r)}, memory changed by ${rate}, which is within normal noise.`,
    );
  } else {
    s.push(
      `<strong>Verdict: inconclusive.</strong> The measurements do not settle it: ${rate}, measured on ${basisWords(r)}. A longer run (more requests) usually decides.`,
    );
  }
  if (v.pssBytesPerRequest !== null && v.pssBytesPerRequest !== undefined && v.basis !== 'pss') {
    s.push(
      `The process tree as a whole (PSS) changed by ${bytesPer(v.pssBytesPerRequest)} per request${
        v.pssCi95 ? ` (${ciText(v.pssCi95)})` : ''
      }.`,
    );
  }
  if (v.offHeapGrowth) {
    s.push(
      'Process memory grows while the runtime heap stays flat: the growth is off the heap (native buffers, C extensions) or allocator fragmentation, which heap snapshots cannot show.',
    );
  }
  if (v.plateau) s.push('Growth stopped in the later part of the run, as a cache does when it fills up.');
  const top = r.suspects[0];
  if (top && v.kind !== 'no-leak') {
    // The nearest named holder reads better than an array slot like `[2999]`.
    const holder =
      top.retainerPath
        .slice(0, -1)
        .reverse()
        .find((step) => !/^\[\d+\]$/.test(step) && !step.startsWith('(')) ?? null;
    s.push(
      `The main suspect is <code>${esc(red.text(top.name))}</code>: ${top.countPerRequest.toFixed(2)} new objects per request, ${bytes(
        top.retainedSizeDelta,
      )} more retained${holder ? `, held by <code>${esc(red.text(holder))}</code>` : ''}.`,
    );
  }
  const reason = v.reason.trim()
    ? `<p class="reason"><strong>How leakhound decided:</strong> ${esc(red.prose(v.reason.trim()))}</p>`
    : '';
  return `<p>${s.join(' ')}</p>${reason}`;
}
