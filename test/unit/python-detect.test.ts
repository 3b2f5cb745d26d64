import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPythonRuntime } from '../../electron/engine/python/detect';

const dir = mkdtempSync(join(tmpdir(), 'lh-detect-'));
function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, body);
  chmodSync(p, 0o755);
  return p;
}
script('serve-py', '#!/usr/bin/env python3\nprint(1)\n');
script('serve-py-direct', '#!/usr/bin/python3.11 -u\nprint(1)\n');
script('serve-env-s', '#!/usr/bin/env -S python3 -X dev\nprint(1)\n');
script('serve-node', '#!/usr/bin/env node\nconsole.log(1)\n');
script('serve-sh', '#!/bin/sh\necho 1\n');
const opts = { cwd: dir, pathEnv: `${dir}:/usr/bin:/bin` };

describe('detectPythonRuntime', () => {
  it('knows python binaries, with versions, and python -m', () => {
    for (const argv of [
      ['python', 'app.py'],
      ['python3', '-m', 'http.server'],
      ['/usr/bin/python3.11', '-m', 'gunicorn', 'app:app'],
      ['/root/.pyenv/versions/3.13.1/bin/python3.13t', 'x.py'],
      ['pypy3', 'x.py'],
    ]) {
      expect(detectPythonRuntime(argv, undefined, opts), argv.join(' ')).toBe(true);
    }
  });

  it('knows the usual server launchers and .py scripts', () => {
    for (const argv of [
      ['gunicorn', '-w', '2', 'app:app'],
      ['/usr/bin/gunicorn', 'app:app'],
      ['uvicorn', 'main:app'],
      ['hypercorn', 'main:app'],
      ['./manage.py', 'runserver'],
      ['env', 'FLASK_APP=x', 'flask', 'run'],
      ['nice', '-n', '10', 'python3', 'app.py'],
      ['PORT=1', 'gunicorn', 'app:app'],
    ]) {
      expect(detectPythonRuntime(argv, undefined, opts), argv.join(' ')).toBe(true);
    }
  });

  it('reads the shebang of a script resolved via PATH or a path', () => {
    expect(detectPythonRuntime(['serve-py'], undefined, opts)).toBe(true);
    expect(detectPythonRuntime(['serve-py-direct', '--port', '1'], undefined, opts)).toBe(true);
    expect(detectPythonRuntime(['serve-env-s'], undefined, opts)).toBe(true);
    expect(detectPythonRuntime([join(dir, 'serve-py')], undefined, opts)).toBe(true);
    expect(detectPythonRuntime(['serve-node'], undefined, opts)).toBe(false);
    expect(detectPythonRuntime(['serve-sh'], undefined, opts)).toBe(false);
  });

  it('says no to other runtimes and to nothing', () => {
    for (const argv of [
      ['node', 'server.js'],
      ['java', '-jar', 'x.jar'],
      ['./server'],
      ['no-such-command'],
      [],
    ]) {
      expect(detectPythonRuntime(argv, undefined, opts), argv.join(' ')).toBe(false);
    }
  });

  it('trusts the executable when given (/proc/<pid>/exe of a gunicorn master)', () => {
    expect(detectPythonRuntime(['gunicorn: master [app:app]'], '/usr/bin/python3.11')).toBe(true);
    expect(detectPythonRuntime(['node', 'x.js'], '/usr/bin/node')).toBe(false);
  });
});
