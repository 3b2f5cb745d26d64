// How an allocation site reads, the same in the UI and in reports: `file:line:column`
// (1-based; column left out when unknown, as tracemalloc gives none), and where the compiled
// code was when a source map moved the site to its original source.
import type { AllocationSite } from './result';

export function siteWhere(s: { url: string; line: number; column: number }): string {
  if (!s.url) return '(unknown file)';
  return `${s.url}:${s.line}${s.column ? `:${s.column}` : ''}`;
}

/** ' (compiled: server.js:12:20)' when a source map moved the site, else '' */
export function siteCompiled(s: AllocationSite): string {
  return s.generated ? ` (compiled: ${siteWhere({ ...s.generated, url: basename(s.generated.url) })})` : '';
}

function basename(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}
