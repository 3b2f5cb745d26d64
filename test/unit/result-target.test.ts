import { describe, expect, it } from 'vitest';
import { type TargetFacts, targetSection } from '../../electron/engine/hunt/result-target';
import { runOptionsSchema } from '../../shared/options';

const facts = (over: Partial<TargetFacts>): TargetFacts => ({
  options: runOptionsSchema.parse({ spawn: 'node server.js', url: 'http://127.0.0.1:{port}/' }),
  runtime: 'node',
  runtimeVersion: 'v20.19.2',
  opened: {
    pid: 4242,
    argv: ['node', 'server.js'],
    url: 'http://127.0.0.1:41234/',
    output: ['listening', 'boom'],
    exitNote: null,
  },
  exit: { code: 1, signal: null },
  died: false,
  linkLost: false,
  processes: [],
  restarts: 0,
  attach: null,
  remote: null,
  ...over,
});

describe("result.json's target section", () => {
  it('a spawned target that ran to the end: no exit figures, no output kept', () => {
    const t = targetSection(facts({}));
    expect(t).toMatchObject({
      mode: 'spawn',
      pid: 4242,
      command: 'node server.js',
      url: 'http://127.0.0.1:41234/',
    });
    expect(t.exitCode).toBeNull();
    expect(t.stderrTail).toBeUndefined();
    expect(t.exitNote).toBeUndefined();
  });

  it('one that died: its exit, its last output and the note on its status', () => {
    const t = targetSection(
      facts({ died: true, opened: { ...facts({}).opened!, exitNote: 'pid 4242 is gone' } }),
    );
    expect(t.exitCode).toBe(1);
    expect(t.stderrTail).toEqual(['listening', 'boom']);
    expect(t.exitNote).toBe('pid 4242 is gone');
  });

  it('a remote one whose link was lost: the host and the note, not an exit code', () => {
    const remote = {
      host: 'web-3',
      transport: 'ssh' as const,
      hostname: 'web-3',
      kernel: null,
      helperPython: null,
      helperCpuMs: null,
      bytesSent: 0,
      bytesReceived: 0,
      url: null,
      linkLost: 'Broken pipe',
    };
    const options = runOptionsSchema.parse({ host: 'web-3', attachMatch: 'gunicorn', load: 'none' });
    const t = targetSection(
      facts({ options, linkLost: true, remote, opened: { ...facts({}).opened!, exitNote: 'may still run' } }),
    );
    expect(t).toMatchObject({ mode: 'attach', host: 'web-3', exitNote: 'may still run', exitCode: null });
    expect(t.remote?.linkLost).toBe('Broken pipe');
  });

  it('one that never opened: the command as given', () => {
    const options = runOptionsSchema.parse({ attach: 77 });
    expect(targetSection(facts({ options, opened: null }))).toMatchObject({
      pid: 77,
      command: 'pid 77',
      url: null,
    });
  });
});
