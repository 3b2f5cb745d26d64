import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  agentBootstrapCode,
  preparePythonAgent,
  pythonAgentEnv,
} from '../../electron/engine/python/agent-client';

describe('pythonAgentEnv', () => {
  it('copies the agent into the run folder and prepends it to PYTHONPATH', () => {
    const run = mkdtempSync(join(tmpdir(), 'lh-env-'));
    const { env, socketDir } = pythonAgentEnv(run, { PYTHONPATH: '/opt/app/lib' });
    const agentDir = join(run, 'python-agent');
    expect(env.PYTHONPATH).toBe(`${agentDir}:/opt/app/lib`);
    expect(env.LEAKHOUND_AGENT_DIR).toBe(socketDir);
    expect(existsSync(join(agentDir, 'sitecustomize.py'))).toBe(true);
    expect(existsSync(join(agentDir, 'leakhound_agent.py'))).toBe(true);
    expect(socketDir).toBe(join(agentDir, 'sockets'));
    expect(statSync(socketDir).mode & 0o777).toBe(0o700);
    expect(pythonAgentEnv(run, {}).env.PYTHONPATH).toBe(agentDir);
  });

  it('moves sockets to a private temp dir when the run folder is too deep for a Unix socket path, idempotently', () => {
    const run = join(mkdtempSync(join(tmpdir(), 'lh-env-')), 'a'.repeat(60), 'b'.repeat(40));
    mkdirSync(run, { recursive: true });
    const first = preparePythonAgent(run);
    expect(first.socketDir.startsWith(join(tmpdir(), 'leakhound-py-'))).toBe(true);
    expect(join(first.socketDir, 'py-4194304.sock').length).toBeLessThan(108);
    expect(statSync(first.socketDir).mode & 0o777).toBe(0o700);
    expect(preparePythonAgent(run)).toEqual(first);
    expect(pythonAgentEnv(run).socketDir).toBe(first.socketDir);
  });

  it('writes bootstrap code with the paths as literals', () => {
    const code = agentBootstrapCode('/x/it\'s "here"', '/s');
    expect(code).toContain('_p = "/x/it\'s \\"here\\""');
    expect(code).toContain('leakhound_agent.start("/s")');
  });
});
