// How a suspect reads, the same in the CLI summary, the UI and the reports: its owner, who
// holds it, what it captures and keeps alive, its own growth per interval, its ranked
// retainer paths, and where it was allocated (or why that cannot be told).
import type { Suspect } from './result';
import { siteCompiled, siteWhere } from './sites';

const fmt = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** '1.00/request in each of 2 intervals (1500 and 1500 requests)' or '0.98–1.02/request over 2 intervals' */
export function suspectGrowthText(s: Suspect): string {
  const g = s.growth;
  if (!g?.intervals.length || g.intervals.every((x) => !x.requests)) return '';
  const known = g.intervals.filter((x) => x.requests > 0);
  const [lo, hi] = g.range;
  const n = known.length;
  const rate = fmt(lo) === fmt(hi) ? `${fmt(lo)}/request` : `${fmt(lo)}–${fmt(hi)}/request`;
  const counts = known.map((x) => `+${x.count} in ${x.requests} requests`).join(', ');
  return n > 1 ? `${rate} in each of ${n} intervals (${counts})` : `${rate} (${counts})`;
}

/** 'held by …', 'captures …', 'keeps alive …' lines (without indentation). */
export function suspectDetailLines(s: Suspect): string[] {
  const out: string[] = [];
  if (s.heldBy) out.push(`held by ${s.heldBy}`);
  if (s.captures?.length) out.push(`captures ${s.captures.join(', ')}`);
  if (s.holds?.length)
    out.push(`grew with it: ${s.holds.map((h) => `${h.name} +${h.countDelta}`).join(', ')}`);
  return out;
}

export function pathText(path: string[]): string {
  return path.join(' → ');
}

/** Ranked distinct paths, most objects first (falls back to the single retainerPath). */
export function suspectPaths(s: Suspect): Array<{ path: string[]; count: number | null }> {
  if (s.retainerPaths?.length) return s.retainerPaths;
  return s.retainerPath.length ? [{ path: s.retainerPath, count: null }] : [];
}

/** 'allocated at fn file:line:col' for the first site, or the note saying why there is none. */
export function suspectSiteText(s: Suspect): string {
  const site = s.allocatedAt?.[0];
  if (site)
    return `allocated at ${site.functionName ? `${site.functionName} ` : ''}${siteWhere(site)}${siteCompiled(site)}`;
  if (s.siteNote) return `allocation site unknown: ${s.siteNote}`;
  return '';
}

/** Every name a filter should find the suspect by: the owner and the classes inside it. */
export function suspectSearchText(s: Suspect): string {
  return [s.name, s.heldBy ?? '', ...(s.captures ?? []), ...(s.holds ?? []).map((h) => h.name)]
    .join(' ')
    .toLowerCase();
}
