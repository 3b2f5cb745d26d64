// Every Node fixture hunted through the real CLI: verdicts, suspect names, exit codes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, resultSchema } from '../../shared/result';
import { NODE_FIXTURES, nodeHuntArgs, ROOT, runCli, tmpDir } from '../helpers/cli';

async function hunt(fixture: string, extra: string[] = [], env: Record<string, string> = {}) {
  const out = path.join(tmpDir(), 'run');
  const r = await runCli(nodeHuntArgs(fixture, out, ['--requests', '3000', ...extra]), { env });
  const resultFile = path.join(out, 'result.json');
  const result: Result | null = existsSync(resultFile)
    ? resultSchema.parse(JSON.parse(readFileSync(resultFile, 'utf8')))
    : null;
  return { ...r, out, result };
}

const names = (r: Result) => r.suspects.map((s) => s.name);

describe('leaky Node servers are found, with the leaking class named', () => {
  it('module-level array of OrderAuditEntry', async () => {
    const h = await hunt('leaky-array.js', ['--fail-on-leak']);
    expect(h.stderr).toBe('');
    expect(h.code).toBe(3);
    const r = h.result as Result;
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(r.verdict.ci95[0]).toBeGreaterThan(0);
    expect(r.suspects[0].name).toBe('OrderAuditEntry');
    expect(r.suspects[0].countPerRequest).toBeGreaterThan(0.9);
    expect(r.suspects[0].countPerRequest).toBeLessThan(1.1);
    expect(r.suspects[0].retainerPath.join(' ')).toContain('audit');
    expect(r.snapshots).toHaveLength(3);
    for (const s of r.snapshots) expect(existsSync(path.join(h.out, s.file))).toBe(true);
    expect(r.target.runtime).toBe('node');
    expect(r.load?.requests).toBeGreaterThanOrEqual(3000);
    expect(h.stdout).toContain('verdict: LEAK');
    expect(h.stdout).toContain('OrderAuditEntry');
    // the run's log says how long the analysis kept the verdict waiting
    const log = readFileSync(path.join(h.out, 'events.jsonl'), 'utf8');
    expect(log).toMatch(/verdict \d+\.\d\d s after the final snapshot was written/);
  });

  it('Map keyed by a per-request session id', async () => {
    const r = (await hunt('leaky-map.js')).result as Result;
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(names(r)).toContain('SessionState');
  });

  it('closures left on a long-lived emitter', async () => {
    const r = (await hunt('leaky-emitter.js')).result as Result;
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    expect(
      names(r)
        .slice(0, 3)
        .some((n) => /RequestContext|onConfigChanged/.test(n)),
    ).toBe(true);
  });

  it('off-heap Buffers retained', async () => {
    const h = await hunt('leaky-buffer.js');
    const r = h.result as Result;
    expect(r.verdict.kind, r.verdict.reason).toBe('leak');
    // 4 KiB of backing store per request must be counted, not just the small JS wrapper.
    expect(r.verdict.bytesPerRequest).toBeGreaterThan(3500);
    expect(r.suspects[0].retainedSizeDelta / 3000).toBeGreaterThan(3000);
  });
});

describe('clean Node servers are not called leaky', () => {
  it('a bounded LRU cache', async () => {
    const h = await hunt('bounded-lru.js', ['--fail-on-leak']);
    expect(h.result?.verdict.kind, h.result?.verdict.reason).toBe('no-leak');
    expect(h.code).toBe(0);
  });

  it('pure churn (GC sawtooth)', async () => {
    const h = await hunt('churn.js');
    expect(h.result?.verdict.kind, h.result?.verdict.reason).toBe('no-leak');
  });

  it('a lazy warm-up that then stays flat', async () => {
    const h = await hunt('lazy-warmup.js');
    expect(h.result?.verdict.kind, h.result?.verdict.reason).toBe('no-leak');
    expect(h.result?.verdict.plateau).toBe(true);
  });
});

describe('a target that dies mid-run', () => {
  it('exits 4 and keeps what was gathered', async () => {
    const h = await hunt('crash-midrun.js', [], { CRASH_AFTER: '1500' });
    expect(h.code).toBe(4);
    expect(h.stderr).toMatch(/^leakhound: the target died during the run \(signal SIGKILL\)/);
    const r = h.result as Result;
    expect(r.status).toBe('target-died');
    expect(r.target.signal).toBe('SIGKILL');
    expect(r.verdict.kind, r.verdict.reason).toBe('inconclusive');
    expect(r.samples.length).toBeGreaterThan(0);
    expect(readFileSync(path.join(h.out, 'samples.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(1);
    expect(r.target.stderrTail?.join('\n')).toContain('crash-midrun: giving up after 1500 requests');
  });

  it('an uncaught exception is not held open by our inspector: exit 4 with its stack', async () => {
    // Node waits for an attached debugger before exiting; the hunt must let go of it.
    const h = await hunt('crash-midrun.js', [], { CRASH_AFTER: '1200', CRASH_MODE: 'throw' });
    expect(h.code).toBe(4);
    const r = h.result as Result;
    expect(r.target.exitCode).toBe(1);
    expect(r.target.stderrTail?.join('\n')).toContain('Error: crash-midrun: unrecoverable state');
    expect(r.target.stderrTail?.join('\n')).not.toContain('Waiting for the debugger');
  });
});

describe('where the leaking objects were allocated (sampling heap profiler)', () => {
  const lineOf = (file: string, text: string) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(text)) + 1;

  it('names the function that runs `new OrderAuditEntry`, at its line in the script', async () => {
    const r = (await hunt('leaky-array.js')).result as Result;
    const site = r.suspects[0].allocatedAt?.[0];
    expect(site, JSON.stringify(r.suspects[0])).toBeDefined();
    expect(site?.url).toBe(path.join(NODE_FIXTURES, 'leaky-array.js'));
    // the `new OrderAuditEntry` in the request handler, not the handler's first line
    expect(site?.line).toBe(lineOf(path.join(NODE_FIXTURES, 'leaky-array.js'), 'new OrderAuditEntry('));
    expect(site?.generated).toBeUndefined();
  });

  it('shows a TypeScript server compiled with tsc --sourceMap at its .ts line', async () => {
    const dir = tmpDir('lh-ts-');
    const source = path.join(dir, 'ticket-server.ts');
    copyFileSync(path.join(NODE_FIXTURES, 'ts', 'ticket-server.ts'), source);
    const tsc = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'node_modules/typescript/bin/tsc'),
        ...['--sourceMap', '--outDir', path.join(dir, 'out'), '--module', 'commonjs', '--target', 'es2022'],
        ...['--esModuleInterop', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types')],
        source,
      ],
      { encoding: 'utf8', cwd: dir },
    );
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    const out = path.join(dir, 'run');
    const h = await runCli(
      [
        'run',
        '--spawn',
        `node ${path.join(dir, 'out', 'ticket-server.js')}`,
        '--url',
        'http://127.0.0.1:{port}/',
      ].concat(['--requests', '3000', '--out', out]),
    );
    expect(h.code, h.stderr).toBe(0);
    const r = resultSchema.parse(JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')));
    expect(r.suspects[0].name).toBe('SessionTicket');
    const site = r.suspects[0].allocatedAt?.[0];
    expect(site, JSON.stringify(r.suspects[0])).toMatchObject({
      functionName: 'issue',
      url: source,
      line: lineOf(source, 'new SessionTicket('),
      generated: { url: path.join(dir, 'out', 'ticket-server.js') },
    });
    expect(site?.generated?.line).toBe(
      lineOf(path.join(dir, 'out', 'ticket-server.js'), 'new SessionTicket('),
    );
    expect(h.stdout).toContain(
      `allocated at issue ${source}:${site?.line}:${site?.column} (compiled: ticket-server.js:${site?.generated?.line}:`,
    );
  });
});
