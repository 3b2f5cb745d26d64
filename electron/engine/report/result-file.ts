// A finished run folder's result.json, read and validated: the input of every report.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Result, resultSchema } from '../../../shared/result';
import { UserError } from '../errors';

/** Reads and validates `runDir/result.json`; every failure is one clear UserError line. */
export function readResult(runDir: string): Result {
  const file = join(runDir, 'result.json');
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new UserError(`${runDir} is not a folder: give the folder of a finished leakhound run`);
  }
  if (!existsSync(file)) {
    throw new UserError(`${file} not found: is this a finished leakhound run folder?`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(
      `${file} is not valid JSON (${(e as Error).message}): the run may not have finished writing it`,
    );
  }
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new UserError(
      `${file} is not a leakhound result (schema version 1): ${where}: ${issue.message}; re-run the hunt with this leakhound version`,
    );
  }
  return parsed.data;
}
