// Hosts: servers on other machines over the user's own ssh. The hosts of their ssh config
// plus the ones added here; a host's `ps` read there by the remote helper; one click on
// Attach starts a hunt on that process (requests from here through an SSH forward, from the
// host itself, or live traffic only: chosen, since the network between changes latency) and
// opens its live run view.
import { type FormEvent, useState } from 'react';
import type { ProcessEntry } from '../../../shared/api';
import type { RunOptionsInput } from '../../../shared/options';
import { servers } from '../components/RunningServers';
import { ServerFacts } from '../components/ServerFacts';
import { go } from '../lib/router';
import { call } from '../lib/transport';
import { useAsync } from '../lib/useAsync';

type LoadFrom = 'here' | 'host' | 'none';
const FROM_NOTE: Record<LoadFrom, string> = {
  here: 'latency then includes the link',
  host: 'latency without the link; needs node on the host',
  none: 'the curve is against time',
};

function HostProcesses({ host }: { host: string }) {
  const procs = useAsync(() => call('hosts.processes', { host }), [host]);
  const [requests, setRequests] = useState('3000');
  const [from, setFrom] = useState<LoadFrom>('here');
  const watchOnly = from === 'none';
  const [starting, setStarting] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = servers(procs.data ?? []);

  const attach = async (p: ProcessEntry) => {
    setError(null);
    setStarting(p.pid);
    const n = Number(requests);
    const options: RunOptionsInput = watchOnly
      ? { host, attach: p.pid, load: 'none', durationMs: Math.max(10, n) * 1000 }
      : { host, attach: p.pid, requests: Number.isInteger(n) && n > 0 ? n : 3000, loadFrom: from };
    try {
      const { id } = await call('runs.start', options);
      go({ name: 'run', id, tab: 'live' });
    } catch (e) {
      setError((e as Error).message);
      setStarting(null);
    }
  };

  return (
    <section className="card running-servers" aria-label={`Servers on ${host}`}>
      <div className="card-head">
        <h2>Servers on {host}</h2>
        <span className="muted">
          {procs.loading && !procs.data
            ? `connecting to ${host} over ssh…`
            : procs.data
              ? `${list.length} Node or Python server${list.length === 1 ? '' : 's'} listening on ${host}`
              : ''}
        </span>
        <button type="button" onClick={procs.reload} disabled={procs.loading}>
          Rescan
        </button>
      </div>
      <div className="presets">
        <label>
          requests from{' '}
          <select
            aria-label="Requests from"
            value={from}
            onChange={(e) => setFrom(e.target.value as LoadFrom)}
          >
            <option value="here">here, through an SSH forward</option>
            <option value="host">the host itself (its node)</option>
            <option value="none">none: live traffic only</option>
          </select>
        </label>
        <label>
          {watchOnly ? 'seconds' : 'requests'}{' '}
          <input
            aria-label={watchOnly ? 'Seconds to watch' : 'Requests to send'}
            value={requests}
            onChange={(e) => setRequests(e.target.value)}
            inputMode="numeric"
            size={7}
          />
        </label>
        <span className="muted">{FROM_NOTE[from]}</span>
      </div>
      {error ? (
        <div className="state state-error" role="alert">
          {error}
        </div>
      ) : null}
      {procs.error ? (
        <div className="state state-error" role="alert">
          {procs.error.message}
        </div>
      ) : procs.data && list.length === 0 ? (
        <p className="hint">No Node or Python process listens on a port on {host}.</p>
      ) : (
        <ul className="server-list">
          {list.map((p) => (
            <li key={p.pid} data-testid="host-server">
              <ServerFacts p={p} portsTestId="host-server-ports" />
              <button
                type="button"
                className="primary"
                aria-label={`Attach to pid ${p.pid} on ${host}`}
                disabled={starting !== null}
                onClick={() => void attach(p)}
              >
                {starting === p.pid ? 'Starting…' : 'Attach'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// a host row: its name, where it came from, its buttons (the server rows' columns do not fit)
const HOST_ROW = { gridTemplateColumns: 'minmax(200px, 360px) 100px auto auto 1fr' };

export function Hosts() {
  const hosts = useAsync(() => call('hosts.list', {}), []);
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [addError, setAddError] = useState<string | null>(null);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const n = name.trim();
    if (!n) return;
    setAddError(null);
    try {
      await call('hosts.add', { name: n });
      setName('');
      hosts.reload();
      setSelected(n);
    } catch (err) {
      setAddError((err as Error).message);
    }
  };

  return (
    <div>
      <div className="page-head">
        <h1>Hosts</h1>
        <span className="muted">
          {hosts.data ? `from ${hosts.data.configFile}, and the ones added here` : ''}
        </span>
      </div>
      <section className="card" aria-label="Hosts">
        <form className="presets" onSubmit={(e) => void add(e)}>
          <input
            aria-label="Host to add"
            placeholder="ops@web-3 or an ssh alias"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit">Add host</button>
        </form>
        {addError ? (
          <div className="state state-error" role="alert">
            {addError}
          </div>
        ) : null}
        {hosts.error ? (
          <div className="state state-error" role="alert">
            Could not list hosts: {hosts.error.message}
          </div>
        ) : hosts.data && hosts.data.hosts.length === 0 ? (
          <p className="hint">
            No hosts yet: none in {hosts.data.configFile}. Add one above (anything `ssh` accepts: user@host,
            an alias, a host behind ProxyJump).
          </p>
        ) : (
          <ul className="server-list">
            {(hosts.data?.hosts ?? []).map((h) => (
              <li
                key={h.name}
                data-testid="host"
                className={selected === h.name ? 'on' : ''}
                style={HOST_ROW}
              >
                <span className="mono">{h.name}</span>
                <span className="tag">{h.source === 'ssh-config' ? 'ssh config' : 'added'}</span>
                <button
                  type="button"
                  aria-label={`Show servers on ${h.name}`}
                  onClick={() => setSelected(h.name)}
                >
                  Servers
                </button>
                {h.source === 'added' ? (
                  <button
                    type="button"
                    aria-label={`Remove ${h.name}`}
                    onClick={() =>
                      void call('hosts.remove', { name: h.name }).then(() => {
                        if (selected === h.name) setSelected(null);
                        hosts.reload();
                      })
                    }
                  >
                    Remove
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
        )}
      </section>
      {selected ? <HostProcesses key={selected} host={selected} /> : null}
    </div>
  );
}
