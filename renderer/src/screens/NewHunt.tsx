// New hunt: what to start (or attach to), how to load it, how many snapshots. Like Locust's
// start form, but one screen; presets are kept in localStorage.
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import type { ProcessEntry } from '../../../shared/api';
import { ProcessPicker } from '../components/ProcessPicker';
import { RunningServers } from '../components/RunningServers';
import {
  defaultForm,
  formToOptions,
  type HuntForm,
  loadLastForm,
  loadPresets,
  remoteHosts,
  saveLastForm,
  savePresets,
} from '../lib/form';
import { go } from '../lib/router';
import { call } from '../lib/transport';

function Field({
  label,
  hint,
  children,
}: {
  label: string;
  hint?: string;
  children: (id: string) => ReactNode;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint ? <div className="hint">{hint}</div> : null}
    </div>
  );
}

function Segmented<T extends string>({
  value,
  options,
  onChange,
  label,
}: {
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
  label: string;
}) {
  return (
    <div className="segmented" title={label}>
      {options.map((o) => (
        <button
          type="button"
          key={o.value}
          aria-pressed={value === o.value}
          className={value === o.value ? 'on' : ''}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}

export function NewHunt() {
  const [form, setForm] = useState<HuntForm>(loadLastForm);
  const [presets, setPresets] = useState(loadPresets);
  const [presetName, setPresetName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const set = <K extends keyof HuntForm>(k: K, v: HuntForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const attachTo = (p: ProcessEntry) =>
    setForm((f) => ({
      ...f,
      mode: 'attach',
      attachPid: String(p.pid),
      url: p.ports.length ? `http://127.0.0.1:${p.ports[0]}/` : f.url.replace('{port}', ''),
    }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let options: ReturnType<typeof formToOptions>;
    try {
      options = formToOptions(form);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    const remote = remoteHosts(options);
    if (remote.length) {
      const ok = window.confirm(
        `${remote.join(', ')} is not this machine. leakhound will send ${options.requests ?? 'its'} requests there, as fast as the settings allow. Only do this against a server you own. Send the load?`,
      );
      if (!ok) return;
      options = { ...options, allowRemote: true };
    }
    setStarting(true);
    try {
      saveLastForm(form);
      const { id } = await call('runs.start', options);
      go({ name: 'run', id, tab: 'live' });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };

  const savePreset = () => {
    const name = presetName.trim();
    if (!name) {
      setError('type a name for the preset first');
      return;
    }
    const next = { ...presets, [name]: form };
    savePresets(next);
    setPresets(next);
    setPresetName('');
  };

  return (
    <form className="page new-hunt" onSubmit={submit} aria-label="New hunt">
      <div className="page-head">
        <h1>New hunt</h1>
        <div className="presets">
          <select
            aria-label="Load a preset"
            value=""
            onChange={(e) => {
              const p = presets[e.target.value];
              if (p) setForm({ ...defaultForm, ...p });
            }}
          >
            <option value="">{Object.keys(presets).length ? 'Load preset…' : 'No presets yet'}</option>
            {Object.keys(presets).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <input
            aria-label="Preset name"
            placeholder="Preset name"
            value={presetName}
            onChange={(e) => setPresetName(e.target.value)}
          />
          <button type="button" onClick={savePreset}>
            Save preset
          </button>
          {presetName.trim() && presets[presetName.trim()] ? (
            <button
              type="button"
              className="danger-link"
              onClick={() => {
                const next = { ...presets };
                delete next[presetName.trim()];
                savePresets(next);
                setPresets(next);
              }}
            >
              Delete preset
            </button>
          ) : null}
        </div>
      </div>

      <RunningServers
        selectedPid={form.mode === 'attach' ? form.attachPid : ''}
        onAttach={(p) => {
          attachTo(p);
          // the filled form is below: bring the target card into view
          document.getElementById('new-hunt-target')?.scrollIntoView({ block: 'start' });
        }}
      />

      <section className="card" id="new-hunt-target">
        <h2>Target</h2>
        <Segmented
          label="Target mode"
          value={form.mode}
          onChange={(v) => set('mode', v)}
          options={[
            { value: 'spawn', label: 'Start a server' },
            { value: 'attach', label: 'Attach to a running process' },
          ]}
        />
        {form.mode === 'spawn' ? (
          <div className="grid2">
            <Field label="Command" hint="Started without a shell; {port} and $PORT get a free loopback port.">
              {(id) => (
                <input
                  id={id}
                  className="mono"
                  name="command"
                  placeholder="node server.js   or   gunicorn -w 4 -b 127.0.0.1:{port} app:app"
                  value={form.command}
                  onChange={(e) => set('command', e.target.value)}
                />
              )}
            </Field>
            <Field label="Working directory" hint="Defaults to where leakhound was started.">
              {(id) => (
                <input
                  id={id}
                  className="mono"
                  name="cwd"
                  placeholder="/srv/app"
                  value={form.cwd}
                  onChange={(e) => set('cwd', e.target.value)}
                />
              )}
            </Field>
            <Field label="Environment" hint="One KEY=VALUE per line.">
              {(id) => (
                <textarea
                  id={id}
                  className="mono"
                  name="env"
                  rows={2}
                  placeholder="NODE_ENV=production"
                  value={form.env}
                  onChange={(e) => set('env', e.target.value)}
                />
              )}
            </Field>
            <Field label="URL to load" hint="Use {port} for the port leakhound picks.">
              {(id) => (
                <input
                  id={id}
                  className="mono"
                  name="url"
                  value={form.url}
                  onChange={(e) => set('url', e.target.value)}
                />
              )}
            </Field>
          </div>
        ) : (
          <>
            <ProcessPicker value={form.attachPid} onPick={attachTo} />
            <div className="grid2">
              <Field label="Process id">
                {(id) => (
                  <input
                    id={id}
                    name="attachPid"
                    inputMode="numeric"
                    value={form.attachPid}
                    onChange={(e) => set('attachPid', e.target.value)}
                  />
                )}
              </Field>
              <Field label="URL to load">
                {(id) => (
                  <input
                    id={id}
                    className="mono"
                    name="url"
                    value={form.url}
                    onChange={(e) => set('url', e.target.value)}
                  />
                )}
              </Field>
            </div>
          </>
        )}
      </section>

      <section className="card">
        <h2>Load</h2>
        <div className="grid4">
          <Field label="Stop after">
            {(id) => (
              <div className="inline" id={id}>
                <Segmented
                  label="Budget"
                  value={form.budget}
                  onChange={(v) => set('budget', v)}
                  options={[
                    { value: 'requests', label: 'Requests' },
                    { value: 'duration', label: 'Seconds' },
                  ]}
                />
                {form.budget === 'requests' ? (
                  <input
                    aria-label="Requests"
                    name="requests"
                    inputMode="numeric"
                    value={form.requests}
                    onChange={(e) => set('requests', e.target.value)}
                  />
                ) : (
                  <input
                    aria-label="Duration in seconds"
                    name="duration"
                    inputMode="numeric"
                    value={form.durationSec}
                    onChange={(e) => set('durationSec', e.target.value)}
                  />
                )}
              </div>
            )}
          </Field>
          <Field label="Connections" hint="Each keeps one request in flight.">
            {(id) => (
              <input
                id={id}
                name="concurrency"
                inputMode="numeric"
                value={form.concurrency}
                onChange={(e) => set('concurrency', e.target.value)}
              />
            )}
          </Field>
          <Field label="Rate cap (req/s)" hint="Empty: as fast as the server answers.">
            {(id) => (
              <input
                id={id}
                name="rate"
                inputMode="numeric"
                placeholder="unlimited"
                value={form.rate}
                onChange={(e) => set('rate', e.target.value)}
              />
            )}
          </Field>
          <Field label="Warm-up requests" hint="Sent before the baseline.">
            {(id) => (
              <input
                id={id}
                name="warmup"
                inputMode="numeric"
                placeholder="auto"
                value={form.warmup}
                onChange={(e) => set('warmup', e.target.value)}
              />
            )}
          </Field>
        </div>
        <Field
          label="More endpoints (optional)"
          hint="One per line: [METHOD] URL [weight], e.g. POST http://127.0.0.1:{port}/orders 3"
        >
          {(id) => (
            <textarea
              id={id}
              className="mono"
              name="endpoints"
              rows={2}
              value={form.endpoints}
              onChange={(e) => set('endpoints', e.target.value)}
            />
          )}
        </Field>
      </section>

      <section className="card">
        <h2>Heap snapshots</h2>
        <div className="radio-list" role="radiogroup" aria-label="Snapshot plan">
          {(
            [
              [
                '3',
                'Three: baseline, middle, final',
                'Best evidence: objects born after the baseline and still alive at the end.',
              ],
              [
                '2',
                'Two: baseline and final',
                'Fewer pauses; suspects are what is new in the final snapshot.',
              ],
              ['0', 'None: memory curves only', 'No pause of the target; for production-like boxes.'],
            ] as const
          ).map(([v, title, desc]) => (
            <label key={v} className={`radio-card${form.snapshots === v ? ' on' : ''}`}>
              <input
                type="radio"
                name="snapshots"
                value={v}
                checked={form.snapshots === v}
                onChange={() => set('snapshots', v)}
              />
              <span>
                <strong>{title}</strong>
                <span className="muted">{desc}</span>
              </span>
            </label>
          ))}
        </div>
        <p className="hint">
          A snapshot freezes the target while it is written and can double its memory for a moment.
        </p>
      </section>

      {error ? (
        <div className="state state-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={starting}>
          {starting ? 'Starting…' : 'Start hunt'}
        </button>
        <button type="button" onClick={() => setForm(defaultForm)}>
          Reset
        </button>
      </div>
    </form>
  );
}
