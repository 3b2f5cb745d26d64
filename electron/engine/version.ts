// The version printed by `leakhound --version` and written into every result.
import { readFileSync } from 'node:fs';
import path from 'node:path';

function readVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      return JSON.parse(readFileSync(path.join(__dirname, rel), 'utf8')).version as string;
    } catch {}
  }
  return '0.0.0';
}

export const VERSION = readVersion();
