// How leakhound got into a server it did not start, and what it checked after: a reader of
// the report must be able to tell that the target was left as it was found.
import type { Result } from '../../../shared/result';
import { esc, ms } from './format';
import type { Redactor } from './redact';

const METHOD: Record<string, string> = {
  gdb: 'the agent was loaded with gdb',
  lldb: 'the agent was loaded with lldb',
  remote_exec: "the agent was loaded with Python's sys.remote_exec",
  dormant: 'the dormant agent already running in it answered (no debugger)',
  preexisting: 'its inspector was already open',
  sigusr1: 'its inspector was opened with SIGUSR1 and closed again at the end',
  none: 'nothing was injected: memory curves only',
};

export function attachHtml(r: Result, red: Redactor): string {
  const a = r.target.attach;
  const note = r.target.exitNote ? `<p>${esc(red.prose(r.target.exitNote))}.</p>` : '';
  if (!a) return note;
  const canary = a.canary.length
    ? `<p>Canary (a throwaway process from the target's own executable, given the same step first): ${a.canary
        .map(
          (c) =>
            `${esc(c.method)} ${c.ok ? `passed${c.pauseMs !== null ? ` (${ms(c.pauseMs)})` : ''}` : `refused: ${esc(red.prose(c.error ?? 'failed'))}`}${c.cached ? ' (earlier result, same executable and tool)' : ''}`,
        )
        .join('; ')}.</p>`
    : '';
  const rows = a.processes
    .map(
      (p) =>
        `<tr><td class="n">${p.pid}</td><td>${esc(p.role)}</td><td class="n">${p.pauseMs === null ? '–' : ms(p.pauseMs)}</td><td>${p.verified ? 'alive, same process, running' : esc(red.prose(p.problem ?? 'not verified'))}</td></tr>`,
    )
    .join('\n');
  const table = rows
    ? `<table class="processes"><thead><tr><th class="n">PID</th><th>Role</th><th class="n">Paused</th><th>Checked after</th></tr></thead><tbody>
${rows}
</tbody></table>`
    : '';
  const serving =
    a.serving === null
      ? ''
      : a.serving
        ? ' It answered a request afterwards.'
        : ' It did NOT answer a request afterwards.';
  const fallback = a.fallback ? `<p class="muted">${esc(red.prose(a.fallback))}</p>` : '';
  return `<p>Attached to a running process: ${esc(METHOD[a.method] ?? a.method)}.${serving}</p>
${canary}${table}${fallback}${note}`;
}
