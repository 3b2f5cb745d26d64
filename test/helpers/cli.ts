// Run the real, compiled CLI as a user would, and collect what it printed.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'dist/electron/cli.js');
export const NODE_FIXTURES = path.join(ROOT, 'test/fixtures/node');
export const PY_FIXTURES = path.join(ROOT, 'test/fixtures/python');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does it) first`);
}

export function tmpDir(prefix = 'lh-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function runCli(
  args: string[],
  opts: {
    env?: Record<string, string>;
    timeoutMs?: number;
    cwd?: string;
    uid?: number;
    /** run electron/cli.ts from source (tsx), so that the test does not need dist/ */
    source?: boolean;
  } = {},
): Promise<CliResult> {
  if (!opts.source) assertBuilt();
  const [file, argv] = opts.source
    ? [path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'electron/cli.ts'), ...args]]
    : [process.execPath, [CLI, ...args]];
  return new Promise((resolve) => {
    const child = spawn(file, argv, {
      cwd: opts.cwd ?? ROOT,
      env: {
        ...process.env,
        LEAKHOUND_DATA_DIR: opts.env?.LEAKHOUND_DATA_DIR ?? tmpDir('lh-data-'),
        // attach canaries run afresh unless a test shares a cache on purpose
        LEAKHOUND_CACHE_DIR: opts.env?.LEAKHOUND_CACHE_DIR ?? tmpDir('lh-cache-'),
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 170_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** `leakhound run` arguments for a Node fixture server on a free port. */
export function nodeHuntArgs(fixture: string, out: string, extra: string[] = []): string[] {
  return [
    'run',
    '--spawn',
    `node ${path.join(NODE_FIXTURES, fixture)}`,
    '--url',
    'http://127.0.0.1:{port}/',
    '--out',
    out,
    ...extra,
  ];
}
