// The pure rules of `leakhound serve`: who is let in, which files can be served, and how
// its flags are read. The same rules are exercised over sockets in test/e2e/ui-auth.test.ts.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import {
  cookieName,
  csp,
  hostOk,
  originOk,
  parseCookies,
  presentedToken,
  sameToken,
} from '../../electron/engine/serve/auth';
import { parseServeArgs } from '../../electron/engine/serve/server';
import { resolveStatic } from '../../electron/engine/serve/static';

describe('serve auth rules', () => {
  it('compares tokens exactly', () => {
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abd', 'abc')).toBe(false);
    expect(sameToken('ab', 'abc')).toBe(false);
    expect(sameToken('', 'abc')).toBe(false);
    expect(sameToken(undefined, 'abc')).toBe(false);
  });

  it('accepts only our loopback Host (DNS rebinding)', () => {
    expect(hostOk({ host: '127.0.0.1:8080' }, 8080)).toBe(true);
    expect(hostOk({ host: 'localhost:8080' }, 8080)).toBe(true);
    expect(hostOk({ host: '127.0.0.1:8081' }, 8080)).toBe(false);
    expect(hostOk({ host: 'attacker.example:8080' }, 8080)).toBe(false);
    expect(hostOk({}, 8080)).toBe(false);
  });

  it('refuses foreign origins and cross-site fetches, allows none and same-origin', () => {
    expect(originOk({}, 80)).toBe(true);
    expect(originOk({ origin: 'http://127.0.0.1:80' }, 80)).toBe(true);
    expect(originOk({ origin: 'http://evil.example' }, 80)).toBe(false);
    expect(originOk({ origin: 'null' }, 80)).toBe(false);
    expect(originOk({ 'sec-fetch-site': 'cross-site' }, 80)).toBe(false);
    expect(originOk({ 'sec-fetch-site': 'same-site' }, 80)).toBe(false);
    expect(originOk({ 'sec-fetch-site': 'same-origin' }, 80)).toBe(true);
    expect(originOk({ 'sec-fetch-site': 'none' }, 80)).toBe(true);
  });

  it('reads the token from Bearer or from the per-port cookie', () => {
    expect(presentedToken({ authorization: 'Bearer t1' }, 9)).toBe('t1');
    expect(presentedToken({ cookie: `a=1; ${cookieName(9)}=t2` }, 9)).toBe('t2');
    expect(presentedToken({ cookie: `${cookieName(10)}=t3` }, 9)).toBeNull();
    expect(parseCookies('x=1; y = 2 ;bad')).toEqual({ x: '1', y: '2' });
  });

  it('has a CSP without inline scripts, framing or foreign connections', () => {
    const c = csp(4242);
    expect(c).toMatch(/script-src 'self'(;|$)/);
    expect(c).toMatch(/frame-ancestors 'none'/);
    expect(c).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:4242 ws:\/\/localhost:4242/);
    expect(c).not.toMatch(/unsafe-eval/);
  });
});

describe('serve statics', () => {
  const root = path.resolve('/srv/ui');
  it('maps URL paths inside the bundle and nothing outside it', () => {
    expect(resolveStatic(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStatic(root, '/assets/a.js')).toBe(path.join(root, 'assets', 'a.js'));
    expect(resolveStatic(root, '/../etc/passwd')).toBe(path.join(root, 'etc', 'passwd'));
    expect(resolveStatic(root, '/%2e%2e/%2e%2e/etc/passwd')).toBe(path.join(root, 'etc', 'passwd'));
    expect(resolveStatic(root, '/a%00b')).toBeNull();
    expect(resolveStatic(root, '/%E0%A4%A')).toBeNull();
  });
});

describe('leakhound serve flags', () => {
  it('reads --port, --open and --data-dir', () => {
    const a = parseServeArgs(['--port', '8123', '--open', '--data-dir=/tmp/lh']);
    expect(a).toMatchObject({ port: 8123, open: true, dataDir: '/tmp/lh', help: false });
    expect(parseServeArgs([]).port).toBe(0);
  });
  it('refuses bad flags with one clear line', () => {
    const bad = (argv: string[]) => {
      try {
        parseServeArgs(argv);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad(['--port', 'abc'])).toBe('--port must be a port number 0–65535, got "abc"');
    expect(bad(['--port'])).toBe('--port needs a value; see leakhound serve --help');
    expect(bad(['--host', '0.0.0.0'])).toMatch(/127\.0\.0\.1 only/);
    expect(bad(['--frobnicate'])).toBe('unknown option --frobnicate for serve; see leakhound serve --help');
  });
});
