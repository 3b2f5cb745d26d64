import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { chromiumCandidates, findChromium } from '../../electron/engine/report/pdf';
import { renderReport } from '../../electron/engine/report/render';
import { readResult } from '../../electron/engine/report/result-file';
import { sampleResult } from '../../electron/engine/report/sample-result';

const tmp = mkdtempSync(join(tmpdir(), 'leakhound-report-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).not.toContain('\n');
    return e as UserError;
  }
  throw new Error('expected a UserError');
}

describe('readResult', () => {
  it('explains a folder without result.json', () => {
    const dir = join(tmp, 'unfinished');
    mkdirSync(dir);
    expect(userError(() => readResult(dir)).message).toBe(
      `${join(dir, 'result.json')} not found: is this a finished leakhound run folder?`,
    );
    expect(userError(() => readResult(join(tmp, 'nope'))).message).toMatch(/is not a folder/);
  });
  it('explains truncated JSON and a result of another shape', () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'result.json'), '{"schemaVersion": 1, "id": ');
    expect(userError(() => readResult(dir)).message).toMatch(/result\.json is not valid JSON/);
    writeFileSync(
      join(dir, 'result.json'),
      JSON.stringify({ ...sampleResult(), verdict: { kind: 'maybe' } }),
    );
    expect(userError(() => readResult(dir)).message).toMatch(
      /is not a leakhound result \(schema version 1\): verdict/,
    );
  });
  it('reads a valid run, and renderReport writes DIR/report.html by default', async () => {
    const dir = join(tmp, 'ok');
    mkdirSync(dir);
    writeFileSync(join(dir, 'result.json'), JSON.stringify(sampleResult()));
    expect(readResult(dir).id).toBe('2026-11-25T16-30-00-sample');
    const out = await renderReport(dir);
    expect(out).toEqual({ html: join(dir, 'report.html') });
  });
});

describe('findChromium', () => {
  it('honours LEAKHOUND_CHROMIUM, and says when it points nowhere', () => {
    expect(findChromium({ LEAKHOUND_CHROMIUM: process.execPath })).toBe(process.execPath);
    expect(userError(() => findChromium({ LEAKHOUND_CHROMIUM: join(tmp, 'no-browser') })).message).toMatch(
      /LEAKHOUND_CHROMIUM=.*no-browser does not exist/,
    );
  });
  it('names the package to install when no browser is found', () => {
    const e = userError(() => findChromium({}, () => false, 'linux'));
    expect(e.message).toContain("install Debian's `chromium` package");
    expect(e.message).toContain('LEAKHOUND_CHROMIUM');
  });
  it('knows the usual places on each platform', () => {
    expect(chromiumCandidates({}, 'linux')).toContain('/usr/bin/chromium');
    expect(chromiumCandidates({}, 'darwin')[1]).toBe(
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    );
    expect(chromiumCandidates({ PROGRAMFILES: 'C:\\Program Files' }, 'win32').join(' ')).toContain(
      'chrome.exe',
    );
  });
});
