// Styles of the Sweep screens, in the look of the shared stylesheet (its variables, hairline
// borders, 12px tables), kept beside the screens that use them.
const css = `
.sweep-grid-label { font-weight: 600; font-size: 12px; margin-bottom: 4px; }
.sweep-grid-rows { display: flex; flex-direction: column; gap: 6px; }
.sweep-grid-row { display: grid; grid-template-columns: 160px 14px 1fr auto; gap: 6px; align-items: center; }
.sweep-grid-row .eq { color: var(--muted); text-align: center; }
.sweep-form .grid3 { display: grid; grid-template-columns: 1.6fr 1fr 1fr 1.4fr; gap: 0 16px; }
.sweep-count { color: var(--muted); font-size: 12px; margin-left: 8px; }
.sweep-table-wrap { overflow-x: auto; background: var(--panel); border: 1px solid var(--border); border-radius: 8px; box-shadow: var(--shadow); margin-bottom: 12px; }
table.sweep-table { border-collapse: collapse; width: 100%; font-size: 12px; }
table.sweep-table th, table.sweep-table td { padding: 4px 10px; border-bottom: 1px solid var(--border); text-align: left; white-space: nowrap; }
table.sweep-table td.num, table.sweep-table th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.sweep-table th { background: var(--bg-alt); font-weight: 600; padding: 0; }
table.sweep-table th button { border: none; background: none; border-radius: 0; width: 100%; padding: 5px 10px; text-align: inherit; font-weight: 600; }
table.sweep-table th button.active { color: var(--accent); }
table.sweep-table tr.best td { background: var(--accent-weak); }
table.sweep-table tr.running td { color: var(--muted); font-style: italic; }
table.sweep-table tbody tr:hover td { background: var(--sel); }
.sweep-star { color: var(--warn); font-weight: 700; margin-right: 4px; }
.sweep-swatch { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin-right: 6px; border-radius: 2px; }
.sweep-progress { display: grid; grid-template-columns: auto 1fr auto; gap: 10px; align-items: center; }
.sweep-progress .progress { min-width: 200px; }
.sweep-goal { margin: 0 0 8px; color: var(--muted); }
.sweep-goal strong { color: var(--text); }
.sweep-history td a { font-family: var(--mono); }
`;

export function SweepStyles() {
  return <style>{css}</style>;
}
