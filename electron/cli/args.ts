// A small, strict flag parser: every flag is declared with its kind, so a typo or a bad
// value gets one clear line naming the flag and what it takes, never a stack trace.
import { UserError } from '../engine/errors';

export type FlagKind = 'string' | 'int' | 'count' | 'number' | 'duration' | 'bool' | 'list';

export interface FlagSpec {
  name: string;
  kind: FlagKind;
  value?: string;
  help: string;
}

export interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  flags: FlagSpec[];
  /** how many positionals: [min, max] */
  positionals: [number, number];
}

export type ParsedFlags = Record<string, string | number | boolean | string[] | undefined>;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|min|h)?$/.exec(text.trim());
  if (!m) throw new UserError(`--${flag} takes a duration like 500ms, 60s, 5m or 1h (got "${text}")`);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's'];
  if (!(ms > 0)) throw new UserError(`--${flag} must be more than zero (got "${text}")`);
  return Math.round(ms);
}

function convert(spec: FlagSpec, raw: string): string | number {
  switch (spec.kind) {
    case 'int': {
      if (!/^\d+$/.test(raw) || Number(raw) <= 0)
        throw new UserError(`--${spec.name} takes a whole number above 0 (got "${raw}")`);
      return Number(raw);
    }
    case 'count': {
      if (!/^\d+$/.test(raw))
        throw new UserError(`--${spec.name} takes a whole number, 0 or more (got "${raw}")`);
      return Number(raw);
    }
    case 'number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
        throw new UserError(`--${spec.name} takes a number (got "${raw}")`);
      return n;
    }
    case 'duration':
      return parseDuration(raw, spec.name);
    default:
      return raw;
  }
}

export function parseArgs(argv: string[], cmd: CommandSpec): { flags: ParsedFlags; positionals: string[] } {
  const flags: ParsedFlags = {};
  const positionals: string[] = [];
  const byName = new Map(cmd.flags.map((f) => [f.name, f]));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg))
        throw new UserError(
          `unknown option ${arg} for 'leakhound ${cmd.name}'; see 'leakhound ${cmd.name} --help'`,
        );
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec)
      throw new UserError(
        `unknown option --${name} for 'leakhound ${cmd.name}'; see 'leakhound ${cmd.name} --help'`,
      );
    if (spec.kind === 'bool') {
      if (eq !== -1) throw new UserError(`--${name} takes no value`);
      flags[name] = true;
      continue;
    }
    let raw: string;
    if (eq !== -1) raw = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length)
        throw new UserError(`--${name} needs a value: --${name} ${spec.value ?? 'VALUE'}`);
      raw = argv[++i];
    }
    if (spec.kind === 'list') {
      const prev = (flags[name] as string[] | undefined) ?? [];
      flags[name] = [...prev, raw];
    } else {
      if (flags[name] !== undefined) throw new UserError(`--${name} was given twice`);
      flags[name] = convert(spec, raw);
    }
  }
  const [min, max] = cmd.positionals;
  if (positionals.length < min || positionals.length > max) throw new UserError(`usage: ${cmd.usage}`);
  return { flags, positionals };
}

export function helpText(cmd: CommandSpec): string {
  const width = Math.max(...cmd.flags.map((f) => f.name.length + (f.value ? f.value.length + 1 : 0)), 8);
  const lines = cmd.flags.map((f) => {
    const left = `--${f.name}${f.value ? ` ${f.value}` : ''}`;
    return `  ${left.padEnd(width + 3)} ${f.help}`;
  });
  return `${cmd.summary}\n\nusage: ${cmd.usage}\n${lines.length ? `\noptions:\n${lines.join('\n')}\n` : ''}`;
}
