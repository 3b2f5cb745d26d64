// A spawned Python target that dies of a missing module gets one line naming the interpreter
// that ran it and the one here that has the module (issue 20: pyenv's python3 first on PATH
// lacks what Debian's /usr/bin/python3 has). Real spawns through the built CLI; `python3`
// on PATH is made a venv of Debian's Python without its packages, as pyenv's is here.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { missingModule } from '../../electron/engine/python/interpreter';
import { PY_FIXTURES, runCli, tmpDir } from '../helpers/cli';

const venv = path.join(tmpDir('lh-venv-'), 'bare');
const PATH = `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH}`;
afterAll(() => rmSync(path.dirname(venv), { recursive: true, force: true }));
beforeAll(() => {
  execFileSync('/usr/bin/python3', ['-m', 'venv', '--without-pip', venv]);
});

const hunt = (spawn: string, env: Record<string, string> = { PATH }) =>
  runCli(['run', '--spawn', spawn, '--url', 'http://127.0.0.1:{port}/', '--requests', '100'], {
    cwd: PY_FIXTURES,
    env,
  });

describe('missingModule', () => {
  it('reads the module from both ways Python says it', () => {
    expect(missingModule(['/x/bin/python3: No module named uvicorn'])).toBe('uvicorn');
    expect(
      missingModule([
        'Traceback (most recent call last):',
        '  File "/srv/app.py", line 3, in <module>',
        "ModuleNotFoundError: No module named 'django.conf'",
      ]),
    ).toBe('django');
    expect(missingModule(['Error: could not bind', 'OSError: [Errno 98]'])).toBeNull();
  });
});

describe('a Python target that cannot import what it needs', () => {
  it('`python3 -m gunicorn` under a Python without it: exit 2, which ran it, which has it, the command', async () => {
    const r = await hunt(`python3 -m gunicorn -b 127.0.0.1:{port} wsgi_hello:app`);
    expect(r.code).toBe(2);
    const first = r.stderr.split('\n')[0];
    expect(first).toBe(
      `leakhound: the target ran under ${venv}/bin/python3, which has no module 'gunicorn'; /usr/bin/python3 has it: run '/usr/bin/python3 -m gunicorn -b 127.0.0.1:{port} wsgi_hello:app'`,
    );
    expect(r.stderr).toContain('No module named gunicorn'); // the target's own output follows
  });

  it('a module no Python here has: says so and what to do, still one line', async () => {
    const r = await hunt('python3 -m leakhound_no_such_module_42');
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(
      new RegExp(
        `^leakhound: the target ran under ${venv}/bin/python3, which has no module 'leakhound_no_such_module_42', nor does /usr/bin/python3( or \\S+)*: install it for that interpreter, or start the server with a Python that has it$`,
      ),
    );
  });

  const pathPython = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
    encoding: 'utf8',
  }).trim();
  const pathHas = (module: string) => {
    try {
      execFileSync('python3', ['-c', `import ${module}`], { stdio: 'ignore', cwd: PY_FIXTURES });
      return true;
    } catch {
      return false;
    }
  };
  const pathHasUvicorn = pathHas('uvicorn');
  it.skipIf(pathHasUvicorn || pathPython === '/usr/bin/python3')(
    "this machine's own python3 on PATH (pyenv here) running uvicorn",
    async () => {
      const r = await hunt('python3 -m uvicorn asgi_app:app --port {port}', {});
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(
        `leakhound: the target ran under ${pathPython}, which has no module 'uvicorn'; /usr/bin/python3 has it: run '/usr/bin/python3 -m uvicorn asgi_app:app --port {port}'`,
      );
    },
  );

  // pyenv's python3 here has Flask but not Django: the server starts, the app's import fails.
  it.skipIf(!pathHas('flask') || pathHas('django') || pathPython === '/usr/bin/python3')(
    "an app whose own import fails inside the server (Flask under this machine's python3 loading a Django app)",
    async () => {
      const r = await hunt('python3 -m flask --app django_app run --port {port}', {});
      expect(r.code).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe(
        `leakhound: the target ran under ${pathPython}, which has no module 'django'; /usr/bin/python3 has it: run '/usr/bin/python3 -m flask --app django_app run --port {port}'`,
      );
      expect(r.stderr).toContain("ModuleNotFoundError: No module named 'django'");
    },
  );
});
