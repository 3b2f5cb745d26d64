import { describe, expect, it } from 'vitest';
import { optionConflicts, urlProblem } from '../../shared/options';

describe('the rules between options (one place for CLI, API, hunt and form)', () => {
  it('accepts what a hunt can run', () => {
    expect(optionConflicts({ spawn: 'node s.js', url: 'http://127.0.0.1:{port}/' })).toBeNull();
    expect(optionConflicts({ attach: 42 })).toBeNull();
    expect(optionConflicts({ host: 'web-3', attachMatch: 'gunicorn', load: 'none' })).toBeNull();
    expect(
      optionConflicts({
        host: 'web-3',
        spawn: 'gunicorn app:app',
        url: 'http://127.0.0.1:{port}/',
        loadFrom: 'host',
      }),
    ).toBeNull();
  });

  it('names the first rule broken, as the CLI spells it', () => {
    expect(optionConflicts({})).toBe('say what to hunt: --spawn "<command line>" or --attach <pid>');
    expect(optionConflicts({ spawn: 'x', attach: 1, url: 'http://127.0.0.1:1/' })).toBe(
      '--spawn and --attach exclude each other',
    );
    expect(optionConflicts({ spawn: 'x' })).toMatch(/^--url is required/);
    expect(optionConflicts({ spawn: 'x', load: 'none' })).toBeNull();
    expect(optionConflicts({ attach: 1, loadFrom: 'host' })).toMatch(
      /^--load-from host runs the built-in load on the --host/,
    );
    expect(optionConflicts({ host: 'h', attachMatch: 'x', loadFrom: 'host', load: 'none' })).toMatch(
      /^--load-from host/,
    );
    expect(optionConflicts({ attach: 1, requests: 10, durationMs: 1000 })).toBe(
      'give --requests or --duration, not both',
    );
    expect(optionConflicts({ attach: 1, load: 'command' })).toMatch(/^--load command needs --load-command/);
    expect(optionConflicts({ attach: 1, load: 'command', loadCommand: 'k6 run s.js' })).toMatch(
      /^--load-command needs --duration/,
    );
  });

  it('loads only http on this machine unless allowed', () => {
    expect(urlProblem({ url: 'http://127.0.0.1:{port}/a' })).toBeNull();
    expect(urlProblem({ url: 'http://[::1]:8000/' })).toBeNull();
    expect(urlProblem({ url: 'https://127.0.0.1/' })).toBe(
      'only http:// URLs can be loaded (got https: in https://127.0.0.1/)',
    );
    expect(urlProblem({ url: 'http://10.0.0.5:8000/' })).toMatch(/is not on this machine: .*--allow-remote$/);
    expect(urlProblem({ url: 'http://10.0.0.5:8000/', allowRemote: true })).toBeNull();
    expect(urlProblem({ endpoints: [{ url: 'not a url' }] })).toBe(
      'not a valid URL: not a url (example: http://127.0.0.1:{port}/)',
    );
  });
});
