// The few lines a person reads at the end of a hunt.
import { huntTimeLine } from '../../shared/hunt-time';
import type { Result } from '../../shared/result';
import {
  pathText,
  suspectDetailLines,
  suspectGrowthText,
  suspectPaths,
  suspectSiteText,
} from '../../shared/suspect-text';

export function formatBytes(b: number): string {
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${(b / 1024 ** 3).toFixed(2)} GB`;
  if (a >= 1024 ** 2) return `${(b / 1024 ** 2).toFixed(1)} MB`;
  if (a >= 1024) return `${(b / 1024).toFixed(1)} KB`;
  return `${Math.round(b)} B`;
}

const VERDICT_WORD = { leak: 'LEAK', 'no-leak': 'NO LEAK', inconclusive: 'INCONCLUSIVE' } as const;

export function formatSummary(r: Result, dir: string): string {
  const v = r.verdict;
  const lines: string[] = [];
  lines.push('');
  lines.push(
    `verdict: ${VERDICT_WORD[v.kind]} — ${v.bytesPerRequest.toFixed(1)} B/request (95% CI ${v.ci95[0].toFixed(1)} … ${v.ci95[1].toFixed(1)}), from ${v.basis === 'heap' ? 'post-GC heap' : v.basis === 'pss' ? 'process PSS' : v.basis}`,
  );
  lines.push(`  ${v.reason}`);
  if (r.load) {
    const l = r.load;
    lines.push(
      `load: ${l.requests} requests, ${Math.round(l.rps)} rps, p50 ${l.latencyMs.p50.toFixed(2)} ms, p99 ${l.latencyMs.p99.toFixed(2)} ms, ${l.errors} errors`,
    );
  }
  lines.push(huntTimeLine(r));
  const rem = r.target.remote;
  if (rem)
    lines.push(
      `remote: host ${rem.host} over ssh, load ${r.load?.via === 'ssh-forward' ? 'from here through a forwarded port' : r.load?.via === 'host' ? `from the host itself (node ${rem.loadNode ?? '?'})` : 'none (live traffic only)'}; helper on the host ${rem.helperCpuMs ?? '?'} ms CPU, ${formatBytes(rem.bytesSent + rem.bytesReceived)} over its channel`,
    );
  const procs = r.target.processes?.length ?? 0;
  const last = r.samples[r.samples.length - 1];
  if (last)
    lines.push(
      `memory: PSS ${formatBytes(last.pssBytes ?? last.rssBytes)} over ${procs} process${procs === 1 ? '' : 'es'}${r.target.restarts ? ` (${r.target.restarts} restarts)` : ''}`,
    );
  if (r.suspects.length) {
    lines.push('suspects:');
    for (const s of r.suspects.slice(0, 5)) {
      lines.push(
        `  ${s.name}: +${s.countDelta} (${s.countPerRequest.toFixed(2)}/request), retained +${formatBytes(s.retainedSizeDelta)}`,
      );
      const growth = suspectGrowthText(s);
      if (growth) lines.push(`    grew ${growth}`);
      for (const d of suspectDetailLines(s)) lines.push(`    ${d}`);
      suspectPaths(s).forEach((p, i) => {
        const n = p.count !== null && (s.retainerPaths?.length ?? 0) > 1 ? ` (${p.count} sampled)` : '';
        lines.push(`    ${i ? 'or ' : ''}${pathText(p.path)}${n}`);
      });
      const site = suspectSiteText(s);
      if (site) lines.push(`    ${site}`);
    }
  } else if (r.snapshots.length) {
    lines.push('suspects: none');
  }
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(`run folder: ${dir} (result.json, samples.jsonl, ${r.snapshots.length} heap captures)`);
  return `${lines.join('\n')}\n`;
}
