// ipc-guard with the real zod schemas of shared/api.ts and crafted hostile messages.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { guardCall, guardDrop, isTrustedSender, originOf, toWireError } from '../../electron/main/ipc-guard';
import { apiMethods } from '../../shared/api';

const TRUSTED = ['app://leakhound'];
const top = { url: 'app://leakhound/index.html#/runs', isMainFrame: true };

describe('sender frame', () => {
  it('trusts only the top frame of our own origin', () => {
    expect(isTrustedSender(top, TRUSTED)).toBe(true);
    expect(isTrustedSender({ ...top, isMainFrame: false }, TRUSTED)).toBe(false);
    expect(isTrustedSender({ url: 'https://evil.example/', isMainFrame: true }, TRUSTED)).toBe(false);
    expect(isTrustedSender({ url: 'app://leakhound.evil/index.html', isMainFrame: true }, TRUSTED)).toBe(
      false,
    );
    expect(isTrustedSender({ url: 'app://user@leakhound/index.html', isMainFrame: true }, TRUSTED)).toBe(
      false,
    );
    expect(isTrustedSender({ url: 'file:///opt/leakhound/index.html', isMainFrame: true }, TRUSTED)).toBe(
      false,
    );
    expect(isTrustedSender({ url: 'about:blank', isMainFrame: true }, TRUSTED)).toBe(false);
    expect(isTrustedSender({ url: '', isMainFrame: true }, TRUSTED)).toBe(false);
    expect(isTrustedSender({ url: null, isMainFrame: true }, TRUSTED)).toBe(false);
    expect(isTrustedSender(null, TRUSTED)).toBe(false);
  });

  it('trusts the loopback dev server only when it is in the list', () => {
    const dev = { url: 'http://127.0.0.1:5173/#/new', isMainFrame: true };
    expect(isTrustedSender(dev, TRUSTED)).toBe(false);
    expect(isTrustedSender(dev, [...TRUSTED, 'http://127.0.0.1:5173'])).toBe(true);
    expect(
      isTrustedSender({ ...dev, url: 'http://127.0.0.1:5174/' }, [...TRUSTED, 'http://127.0.0.1:5173']),
    ).toBe(false);
  });

  it('compares scheme and host, since Node reports origin "null" for app://', () => {
    expect(new URL('app://leakhound/x').origin).toBe('null');
    expect(originOf('app://leakhound/x')).toBe('app://leakhound');
    expect(originOf('not a url')).toBeNull();
  });
});

describe('guardCall', () => {
  it('passes a valid call and returns the parsed params with defaults filled', () => {
    const g = guardCall(
      top,
      'runs.start',
      { spawn: 'node server.js', url: 'http://127.0.0.1:{port}/' },
      TRUSTED,
    );
    expect(g.ok).toBe(true);
    if (!g.ok) return;
    expect(g.method).toBe('runs.start');
    expect((g.params as { concurrency: number }).concurrency).toBe(10);
    expect((g.params as { revealStrings: boolean }).revealStrings).toBe(false);
  });

  it('accepts every method of the API with a minimal valid payload', () => {
    const samples: Record<string, unknown> = {
      'runs.start': { spawn: 'node a.js' },
      'runs.stop': { id: 'r1' },
      'runs.snapshotNow': { id: 'r1' },
      'runs.list': {},
      'runs.get': { id: 'r1' },
      'runs.delete': { id: 'r1' },
      'processes.list': {},
      'hosts.list': {},
      'hosts.add': { name: 'ops@web-3' },
      'hosts.remove': { name: 'ops@web-3' },
      'hosts.processes': { host: 'web-3' },
      'analysis.diff': { id: 'r1', from: 0, to: 2 },
      'analysis.instances': { id: 'r1', snapshot: 2, name: 'Order' },
      'analysis.retainers': { id: 'r1', snapshot: 2, nodeId: 42 },
      'reports.export': { id: 'r1', format: 'pdf' },
      'sweeps.start': {
        spawn: 'app -w {w} -p {port}',
        grid: [{ name: 'w', values: ['1'] }],
        url: 'http://127.0.0.1:{port}/',
      },
      'sweeps.list': {},
      'sweeps.get': { id: 's1' },
      'sweeps.stop': { id: 's1' },
      'sweeps.resume': { id: 's1' },
      'sweeps.export': { id: 's1', format: 'html' },
    };
    expect(Object.keys(samples).sort()).toEqual(Object.keys(apiMethods).sort());
    for (const [m, p] of Object.entries(samples)) expect(guardCall(top, m, p, TRUSTED).ok, m).toBe(true);
  });

  it('refuses calls from frames that are not ours before looking at the method', () => {
    const g = guardCall({ url: 'https://evil.example/', isMainFrame: true }, 'runs.list', {}, TRUSTED);
    expect(g).toEqual({ ok: false, error: expect.stringMatching(/untrusted frame/) });
    const sub = guardCall({ ...top, isMainFrame: false }, 'runs.list', {}, TRUSTED);
    expect(sub.ok).toBe(false);
  });

  it('refuses method names that are not in the API, including prototype keys', () => {
    for (const m of [
      'runs.nuke',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      '',
      42,
      null,
      undefined,
      {},
    ]) {
      const g = guardCall(top, m, {}, TRUSTED);
      expect(g.ok, String(m)).toBe(false);
      if (!g.ok) expect(g.error).toMatch(/unknown API method/);
    }
  });

  it('refuses params that do not match the method schema, in one line naming the field', () => {
    const cases: [string, unknown, RegExp][] = [
      ['runs.get', {}, /^bad params for runs\.get: id: /],
      ['runs.get', { id: '../../etc' }, /id: a run id is letters/],
      ['runs.get', { id: 'a/b' }, /id:/],
      ['runs.get', 'r1', /bad params for runs\.get/],
      ['runs.list', { extra: 1 }, /bad params for runs\.list/],
      ['runs.start', { spawn: 'x', shell: true }, /bad params for runs\.start/],
      ['runs.start', { spawn: 'x', concurrency: 1e9 }, /concurrency/],
      ['runs.start', { spawn: 'x', env: { A: 1 } }, /env\.A/],
      ['analysis.diff', { id: 'r1', from: -1, to: 99 }, /from/],
      ['analysis.instances', { id: 'r1', snapshot: 1, name: 'x'.repeat(5000) }, /name/],
      ['reports.export', { id: 'r1', format: 'docx' }, /format/],
    ];
    for (const [m, p, re] of cases) {
      const g = guardCall(top, m, p, TRUSTED);
      expect(g.ok, `${m} ${JSON.stringify(p).slice(0, 60)}`).toBe(false);
      if (!g.ok) {
        expect(g.error).toMatch(re);
        expect(g.error).not.toContain('\n');
      }
    }
  });

  it('treats missing params as an empty object, not a crash', () => {
    expect(guardCall(top, 'runs.list', undefined, TRUSTED).ok).toBe(true);
    expect(guardCall(top, 'runs.get', undefined, TRUSTED).ok).toBe(false);
  });
});

describe('guardDrop', () => {
  it('accepts absolute .heapsnapshot paths from our page', () => {
    expect(guardDrop(top, ['/tmp/a.heapsnapshot', '/tmp/b.HeapSnapshot'], TRUSTED)).toEqual({
      ok: true,
      files: ['/tmp/a.heapsnapshot', '/tmp/b.HeapSnapshot'],
    });
  });

  it('refuses anything else', () => {
    const bad: unknown[] = [
      [],
      'x.heapsnapshot',
      ['relative.heapsnapshot'],
      ['/etc/passwd'],
      ['/tmp/a.heapsnapshot\0.txt'],
      [42],
      Array.from({ length: 17 }, (_, i) => `/tmp/${i}.heapsnapshot`),
    ];
    for (const b of bad) expect(guardDrop(top, b, TRUSTED).ok, JSON.stringify(b)).toBe(false);
    expect(
      guardDrop({ url: 'https://evil.example/', isMainFrame: true }, ['/tmp/a.heapsnapshot'], TRUSTED).ok,
    ).toBe(false);
  });
});

describe('toWireError', () => {
  it('sends one line and tells user errors from bugs', () => {
    expect(toWireError(new UserError('no run with id x'))).toEqual({
      ok: false,
      error: { message: 'no run with id x', user: true },
    });
    const bug = toWireError(new TypeError('boom\n    at secret (/home/u/x.js:1:1)'));
    expect(bug).toEqual({ ok: false, error: { message: 'boom', user: false } });
    expect(toWireError('plain')).toEqual({ ok: false, error: { message: 'plain', user: false } });
  });
});
