// `npm run demo` (test/demo.sh, install and build skipped) writes its run into the data
// folder, so `leakhound runs` and `leakhound serve` list it afterwards (issue 20: the demo's
// run used to go to .runs/ with --out, and the UI said "No runs yet").
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../electron/engine/serve/server';
import { CLI, ROOT, runCli, tmpDir } from '../helpers/cli';

const dataDir = tmpDir('lh-demo-data-');
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function demo(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [path.join(ROOT, 'test/demo.sh')], {
      cwd: ROOT,
      env: { ...process.env, DEMO_SKIP_SETUP: '1', DEMO_REQUESTS: '2000', LEAKHOUND_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(!existsSync(CLI))('the demo run is in the history the UI reads', () => {
  let out: Awaited<ReturnType<typeof demo>>;
  let runId: string;

  beforeAll(async () => {
    out = await demo();
    if (out.code !== 0) throw new Error(`demo exited ${out.code}: ${out.stderr.slice(-2000)}`);
    const ids = readdirSync(path.join(dataDir, 'runs'));
    expect(ids).toHaveLength(1);
    runId = ids[0]!;
  }, 180_000);

  it('writes the run, its reports included, under the data folder and says how to open it', () => {
    const runDir = path.join(dataDir, 'runs', runId);
    expect(out.stdout).toContain(`run folder: ${runDir}`);
    expect(out.stdout).toContain(`report: ${path.join(runDir, 'report.html')}`);
    expect(out.stdout).toContain(`report: ${path.join(runDir, 'report.pdf')}`);
    expect(out.stdout).toMatch(/^verdict: LEAK/m);
    expect(out.stdout.trim().split('\n').at(-1)).toMatch(/^demo: see it in the UI: bin\/leakhound serve/);
  });

  it('`leakhound runs` lists it with its verdict', async () => {
    const r = await runCli(['runs'], { env: { LEAKHOUND_DATA_DIR: dataDir } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('no runs yet');
    const line = r.stdout.split('\n').find((l) => l.startsWith(runId));
    expect(line).toMatch(/finished\s+leak\s+[\d.]+ B\/req\s+node test\/fixtures\/node\/demo-orders\.js/);
  });

  it("serve's API lists it and serves its result", async () => {
    const serve = await startServe({ dataDir, port: 0 });
    try {
      const auth = { authorization: `Bearer ${serve.token}` };
      const list = await fetch(`http://127.0.0.1:${serve.port}/api/runs`, { headers: auth });
      expect(list.status).toBe(200);
      const runs = (await list.json()) as Array<{ id: string; status: string; verdict: string | null }>;
      expect(runs.map((x) => [x.id, x.status, x.verdict])).toEqual([[runId, 'finished', 'leak']]);
    } finally {
      await serve.close();
    }
  });
});
