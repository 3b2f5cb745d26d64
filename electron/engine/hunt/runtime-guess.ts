// Which runtime a command line starts, before it runs: decides whether we switch on the
// Node inspector or put the Python agent on PYTHONPATH. Confirmed afterwards by what
// actually answers.
import { runtimeOfArgv } from '../proc/runtime';
import { detectPythonRuntime } from '../python/detect';
import { resolveExecutable, splitCommand } from '../target/command';

export function guessRuntime(command: string, cwd: string): 'node' | 'python' | 'other' {
  const argv = splitCommand(command);
  // The resolved path lets a shebang script (gunicorn, an npm bin) name its interpreter.
  const byExe = runtimeOfArgv([resolveExecutable(argv[0], cwd), ...argv.slice(1)]);
  if (byExe !== 'other') return byExe;
  return detectPythonRuntime(argv, undefined, { cwd }) ? 'python' : 'other';
}
