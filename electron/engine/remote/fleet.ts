// The same service on several hosts in one run (`--host a --host b …`): one hunt per host,
// all at once, each with its own run folder (its curve, verdict and report) inside the fleet
// folder, and one summary over them. Typically `--load none` behind a load balancer: each
// host's verdict is then per second of live traffic.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ApiEvent } from '../../../shared/api';
import type { RunOptions } from '../../../shared/options';
import type { Result } from '../../../shared/result';
import { UserError } from '../errors';
import { Hunt } from '../hunt';
import { defaultDataDir, ensureDir, newRunId, writeFileAtomic } from '../store';

export interface FleetHost {
  host: string;
  dir: string;
  status: Result['status'] | 'error';
  verdict: Result['verdict']['kind'] | null;
  bytesPerRequest: number | null;
  ci95: [number, number] | null;
  basis: string | null;
  unit: 'request' | 'second';
  pid: number | null;
  error: string | null;
}

export interface FleetSummary {
  id: string;
  dir: string;
  startedAt: string;
  endedAt: string;
  hosts: FleetHost[];
  /** one line over the hosts */
  summary: string;
}

/** A host name as a folder name (ops@web-3:2222 → ops@web-3_2222). */
export const hostFolder = (host: string): string => host.replace(/[^A-Za-z0-9@._-]/g, '_');

export function fleetLine(hosts: FleetHost[]): string {
  const by = (k: string) => hosts.filter((h) => (h.status === 'finished' ? h.verdict : 'failed') === k);
  const part = (label: string, list: FleetHost[]) =>
    list.length ? `${label} on ${list.length} (${list.map((h) => h.host).join(', ')})` : '';
  const parts = [
    part('leak', by('leak')),
    part('no leak', by('no-leak')),
    part('inconclusive', by('inconclusive')),
    part('failed', by('failed')),
  ].filter(Boolean);
  return `${hosts.length} hosts: ${parts.join('; ')}`;
}

export async function runFleet(
  options: RunOptions,
  hosts: string[],
  onEvent: (host: string, e: ApiEvent) => void = () => {},
  onHunt: (host: string, hunt: Hunt) => void = () => {},
): Promise<FleetSummary> {
  if (new Set(hosts).size !== hosts.length)
    throw new UserError('--host names a host twice: give each host once');
  if (options.attach !== undefined)
    throw new UserError(
      'several --host with --attach PID: a pid means one process on one host; pick the process on each host with --attach-match TEXT',
    );
  if (!options.attachMatch)
    throw new UserError('several --host need --attach-match TEXT (the same service on each host)');
  const id = options.out ? path.basename(path.resolve(options.out)) : newRunId();
  const dir = options.out ? path.resolve(options.out) : path.join(defaultDataDir(), 'fleets', id);
  if (existsSync(path.join(dir, 'fleet.json')))
    throw new UserError(`${dir} already holds a fleet run: choose another --out folder`);
  // each hunt checks its own options now, before anything connects or is written
  const folders = new Set<string>();
  const hunts = hosts.map((host) => {
    // two names that only differ in characters a folder name cannot hold still get two folders
    let folder = hostFolder(host);
    for (let i = 2; folders.has(folder); i++) folder = `${hostFolder(host)}-${i}`;
    folders.add(folder);
    const hunt = new Hunt({ ...options, host, out: path.join(dir, folder), report: [] });
    hunt.on('event', (e: ApiEvent) => onEvent(host, e));
    return { host, hunt };
  });
  ensureDir(dir);
  for (const h of hunts) onHunt(h.host, h.hunt);
  const startedAt = new Date().toISOString();
  const settled = await Promise.allSettled(hunts.map((h) => h.hunt.start()));
  const unit = options.load === 'builtin' ? 'request' : 'second';
  const rows: FleetHost[] = settled.map((s, i) => {
    const { host, hunt } = hunts[i];
    if (s.status === 'rejected')
      return {
        host,
        dir: hunt.dir,
        status: 'error',
        verdict: null,
        bytesPerRequest: null,
        ci95: null,
        basis: null,
        unit,
        pid: null,
        error: (s.reason as Error).message,
      };
    const r = s.value;
    return {
      host,
      dir: hunt.dir,
      status: r.status,
      verdict: r.verdict.kind,
      bytesPerRequest: r.verdict.bytesPerRequest,
      ci95: r.verdict.ci95,
      basis: r.verdict.basis,
      unit,
      pid: r.target.pid,
      error: r.error ?? null,
    };
  });
  const summary: FleetSummary = {
    id,
    dir,
    startedAt,
    endedAt: new Date().toISOString(),
    hosts: rows,
    summary: fleetLine(rows),
  };
  writeFileAtomic(path.join(dir, 'fleet.json'), `${JSON.stringify(summary, null, 1)}\n`);
  return summary;
}
