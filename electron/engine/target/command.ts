// Turning the user's command line into argv without a shell: quotes and backslashes as a
// POSIX shell reads them, and no expansion, so what runs is exactly what was typed.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let has = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote === "'") {
      if (ch === "'") quote = null;
      else cur += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = null;
      else if (ch === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) cur += line[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
    }
  }
  if (quote) throw new UserError(`the command line has an unclosed ${quote} quote: ${line}`);
  if (has || cur) out.push(cur);
  if (out.length === 0)
    throw new UserError('the command line is empty: give the command that starts your server');
  return out;
}

/** Resolve argv[0] as execvp would, so "command not found" is reported before we spawn. */
export function resolveExecutable(cmd: string, cwd: string, envPath = process.env.PATH ?? ''): string {
  const candidates = cmd.includes('/')
    ? [path.resolve(cwd, cmd)]
    : envPath
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, cmd));
  let foundNotExecutable: string | null = null;
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      foundNotExecutable ??= file;
    }
  }
  if (foundNotExecutable)
    throw new UserError(
      `${foundNotExecutable} is not executable: chmod +x it, or run it through its interpreter`,
    );
  throw new UserError(
    cmd.includes('/')
      ? `command not found: ${cmd} does not exist (relative paths are resolved against ${cwd})`
      : `command not found: ${cmd} is not on PATH; give its full path or fix PATH`,
  );
}

export const PORT_PLACEHOLDER = '{port}';

export function substitutePort(s: string, port: number): string {
  return s.split(PORT_PLACEHOLDER).join(String(port));
}
