// The sweep set-up form: a command template with {name} placeholders, one grid row per
// name (comma-separated values), the load every configuration gets, and the goal.
import { type FormEvent, useId, useState } from 'react';
import { go } from '../lib/router';
import { call } from '../lib/transport';
import {
  combos,
  formToSweep,
  GOAL_TEXT,
  type Goal,
  goalSentence,
  loadSweepForm,
  type SweepForm,
  saveSweepForm,
} from './SweepModel';

export function SweepNew() {
  const [form, setForm] = useState<SweepForm>(loadSweepForm);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const ids = { spawn: useId(), url: useId(), req: useId(), conn: useId(), goal: useId() };
  const set = <K extends keyof SweepForm>(k: K, v: SweepForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const setRow = (i: number, patch: Partial<SweepForm['grid'][number]>) =>
    setForm((f) => ({ ...f, grid: f.grid.map((g, j) => (j === i ? { ...g, ...patch } : g)) }));

  let count: number | null = null;
  try {
    count = combos(formToSweep(form).grid);
  } catch {
    count = null;
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    let params: ReturnType<typeof formToSweep>;
    try {
      params = formToSweep(form);
    } catch (err) {
      setError((err as Error).message);
      return;
    }
    setStarting(true);
    try {
      saveSweepForm(form);
      const { id } = await call('sweeps.start', params);
      go({ name: 'sweep', id });
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setStarting(false);
    }
  };

  return (
    <form className="card sweep-form" onSubmit={submit} aria-label="New sweep">
      <h2>New sweep</h2>
      <div className="field">
        <label htmlFor={ids.spawn}>Command template</label>
        <input
          id={ids.spawn}
          className="mono"
          placeholder="gunicorn -w {workers} --threads {threads} -k gthread -b 127.0.0.1:{port} app:app"
          value={form.spawn}
          onChange={(e) => set('spawn', e.target.value)}
        />
        <div className="hint">
          Put {'{name}'} where each grid value goes and {'{port}'} for the port leakhound picks. Started
          without a shell, one configuration at a time.
        </div>
      </div>
      <div className="field">
        <span className="sweep-grid-label">
          Grid
          {count !== null ? (
            <span className="sweep-count" data-testid="sweep-count">
              {count} configuration{count === 1 ? '' : 's'}
            </span>
          ) : null}
        </span>
        <div className="sweep-grid-rows">
          {form.grid.map((g, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
            <div className="sweep-grid-row" key={i}>
              <input
                aria-label={`Grid name ${i + 1}`}
                className="mono"
                placeholder="workers"
                value={g.name}
                onChange={(e) => setRow(i, { name: e.target.value })}
              />
              <span className="eq">=</span>
              <input
                aria-label={`Grid values ${i + 1}`}
                className="mono"
                placeholder="2,4,8"
                value={g.values}
                onChange={(e) => setRow(i, { values: e.target.value })}
              />
              <button
                type="button"
                className="small-btn ghost"
                aria-label={`Remove grid row ${i + 1}`}
                disabled={form.grid.length === 1}
                onClick={() =>
                  set(
                    'grid',
                    form.grid.filter((_, j) => j !== i),
                  )
                }
              >
                ✕
              </button>
            </div>
          ))}
        </div>
        <div className="inline" style={{ marginTop: 6 }}>
          <button type="button" onClick={() => set('grid', [...form.grid, { name: '', values: '' }])}>
            Add grid row
          </button>
          <span className="hint">
            Every combination of the rows is run, e.g. workers = 2,4 × threads = 1,4 → 4.
          </span>
        </div>
      </div>
      <div className="grid3">
        <div className="field">
          <label htmlFor={ids.url}>URL to load</label>
          <input
            id={ids.url}
            className="mono"
            value={form.url}
            onChange={(e) => set('url', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.req}>Requests per configuration</label>
          <input
            id={ids.req}
            inputMode="numeric"
            value={form.requests}
            onChange={(e) => set('requests', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.conn}>Connections</label>
          <input
            id={ids.conn}
            inputMode="numeric"
            value={form.concurrency}
            onChange={(e) => set('concurrency', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={ids.goal}>Goal</label>
          <select id={ids.goal} value={form.goal} onChange={(e) => set('goal', e.target.value as Goal)}>
            {(Object.keys(GOAL_TEXT) as Goal[]).map((g) => (
              <option key={g} value={g}>
                {GOAL_TEXT[g]}
              </option>
            ))}
          </select>
          <div className="hint">Best = {goalSentence(form.goal)}.</div>
        </div>
      </div>
      {error ? (
        <div className="state state-error" role="alert">
          {error}
        </div>
      ) : null}
      <div className="actions">
        <button type="submit" className="primary" disabled={starting}>
          {starting ? 'Starting…' : 'Start sweep'}
        </button>
      </div>
    </form>
  );
}
