// The servers already running here, first on the New hunt screen, as `leakhound ps` lists
// them (pid, listening ports, runtime, memory): an ops user who came to attach should not
// have to find the attach tab first. One click fills the attach form.
import { useMemo } from 'react';
import type { ProcessEntry } from '../../../shared/api';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';
import { ServerFacts } from './ServerFacts';

const SHOWN = 8;

/** Node or Python processes that listen, without the workers of a server already listed. */
export function servers(list: ProcessEntry[]): ProcessEntry[] {
  const listening = list.filter((p) => p.runtime !== 'other' && p.ports.length > 0);
  const pids = new Set(listening.map((p) => p.pid));
  return (
    listening
      .filter((p) => !pids.has(p.ppid))
      // the newest first: usually the one just started to be hunted
      .sort((a, b) => a.uptimeMs - b.uptimeMs)
  );
}

export function RunningServers({
  selectedPid,
  onAttach,
}: {
  selectedPid: string;
  onAttach: (p: ProcessEntry) => void;
}) {
  const procs = useAsync(() => call('processes.list', {}), []);
  const found = useMemo(() => servers(procs.data ?? []), [procs.data]);

  return (
    <section className="card running-servers" aria-label="Running servers">
      <div className="card-head">
        <h2>Running servers</h2>
        <span className="muted">
          {procs.loading && !procs.data
            ? 'looking…'
            : `${found.length} Node or Python server${found.length === 1 ? '' : 's'} listening here`}
        </span>
        <button type="button" onClick={procs.reload} disabled={procs.loading}>
          Rescan
        </button>
      </div>
      {procs.error ? (
        <div className="state state-error" role="alert">
          Could not list processes: {procs.error.message}
        </div>
      ) : procs.data && found.length === 0 ? (
        <p className="hint">
          No Node or Python process is listening on a port. Start one and press Rescan, or start it from here
          below.
        </p>
      ) : (
        <ul className="server-list">
          {found.slice(0, SHOWN).map((p) => (
            <li
              key={p.pid}
              data-testid="running-server"
              className={selectedPid === String(p.pid) ? 'on' : ''}
            >
              <ServerFacts p={p} portsTestId="server-ports" />
              <button type="button" aria-label={`Attach to pid ${p.pid}`} onClick={() => onAttach(p)}>
                Attach
              </button>
            </li>
          ))}
          {found.length > SHOWN ? (
            <li className="muted more">
              {found.length - SHOWN} more: see “Attach to a running process” below
            </li>
          ) : null}
        </ul>
      )}
    </section>
  );
}
