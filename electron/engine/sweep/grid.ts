// A configuration grid: `--grid workers=2,4 --grid threads=1,4` → every combination,
// in a stable order, each with a folder-safe id so a sweep can resume where it stopped.
import { UserError } from '../errors';

export type Grid = Array<{ name: string; values: string[] }>;
export type Combo = Record<string, string>;

export function parseGrid(specs: string[]): Grid {
  if (specs.length === 0)
    throw new UserError('give at least one --grid NAME=V1,V2 (e.g. --grid workers=2,4)');
  const seen = new Set<string>();
  return specs.map((spec) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(spec);
    if (!m) throw new UserError(`--grid takes NAME=V1,V2,… (got "${spec}")`);
    const [, name, list] = m;
    if (seen.has(name))
      throw new UserError(`--grid ${name} is given twice: list all its values in one --grid`);
    seen.add(name);
    const values = list.split(',').map((v) => v.trim());
    if (values.some((v) => v === '')) throw new UserError(`--grid ${name} has an empty value: ${spec}`);
    return { name, values };
  });
}

export function combinations(grid: Grid): Combo[] {
  let out: Combo[] = [{}];
  for (const { name, values } of grid) out = out.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  return out;
}

export function comboId(c: Combo): string {
  return Object.entries(c)
    .map(([k, v]) => `${k}-${v}`.replace(/[^A-Za-z0-9._-]/g, '_'))
    .join('_');
}

/** Fill `{name}` placeholders of the grid into a command line; `{port}` is left for the hunt. */
export function fillTemplate(template: string, c: Combo, grid: Grid): string {
  let out = template;
  for (const { name } of grid) {
    if (!out.includes(`{${name}}`))
      throw new UserError(`--spawn has no {${name}} for --grid ${name}: put {${name}} where its value goes`);
    out = out.split(`{${name}}`).join(c[name]);
  }
  return out;
}
