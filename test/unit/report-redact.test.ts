import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Redactor, redactedString, redactText } from '../../electron/engine/report/redact';

const sha8 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);

describe('redactedString', () => {
  it('gives the length and the first 8 hex digits of the SHA-256', () => {
    const v = 'sk_live_LEAKHOUND_FAKE_CREDENTIAL_42';
    expect(redactedString(v)).toBe(`string(len=${v.length}, sha256:${sha8(v)})`);
  });
  it('counts characters, not UTF-16 units', () => {
    expect(redactedString('pässwörd🔑')).toMatch(/^string\(len=9, /);
  });
});

describe('redactText hides secrets', () => {
  const cases: [string, string][] = [
    ['Stripe-style key', 'sk_live_LEAKHOUND_FAKE_CREDENTIAL_42'],
    ['GitHub token', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
    ['AWS key id', 'AKIAIOSFODNN7EXAMPLE'],
    ['Slack token', 'xoxb-123456789012-abcdefghijkl'],
    ['JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl'],
    ['hex key', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b'],
    ['random token', 'a8Fk2LmQ9zX1pR7tV3wYq0Zc'],
  ];
  for (const [what, secret] of cases) {
    it(`${what} alone and inside a path step`, () => {
      expect(redactText(secret)).toBe(redactedString(secret));
      const step = `cache → ${secret} → Session`;
      const out = redactText(step);
      expect(out).not.toContain(secret);
      expect(out).toBe(`cache → ${redactedString(secret)} → Session`);
    });
  }

  it('keeps the key of key=value secrets and hides the value', () => {
    expect(redactText('password=hunter2')).toBe(`password=${redactedString('hunter2')}`);
    expect(redactText('db_password: swordfish!')).toBe(`db_password: ${redactedString('swordfish!')}`);
    expect(redactText('api_key=abc')).toBe(`api_key=${redactedString('abc')}`);
    expect(redactText('Cookie: sid=s%3Aabc.def')).not.toContain('s%3Aabc.def');
  });

  it('hides Bearer and Basic credentials but keeps the scheme word', () => {
    expect(redactText('Authorization: Bearer LEAKHOUND_FAKE_BEARER_7')).not.toContain(
      'LEAKHOUND_FAKE_BEARER_7',
    );
    expect(redactText('Bearer abcdefgh')).toBe(`Bearer ${redactedString('abcdefgh')}`);
    expect(redactText('Basic dXNlcjpwYXNzd29yZA==')).toBe(`Basic ${redactedString('dXNlcjpwYXNzd29yZA==')}`);
  });

  it('hides connection strings with credentials', () => {
    const dsn = 'postgres://app:s3cret@db.internal:5432/orders';
    expect(redactText(`pool → ${dsn}`)).toBe(`pool → ${redactedString(dsn)}`);
  });

  it('hides quoted literals (V8 names string nodes by their contents)', () => {
    expect(redactText('"hello world"')).toBe(redactedString('"hello world"'));
    expect(redactText("Map → 'user@example.com'")).toBe(`Map → ${redactedString("'user@example.com'")}`);
  });

  it('hides PEM private keys', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----';
    expect(redactText(pem)).toBe(redactedString(pem));
  });
});

describe('redactText keeps names', () => {
  const names = [
    '(GC roots)',
    'system / Context',
    'OrderAuditEntry',
    '[4211]',
    '(concatenated string)',
    'handleRequestWithRetryAndBackoff',
    'file:///srv/app/node_modules/express/lib/router/index.js',
    '/usr/lib/python3/dist-packages/flask/app.py',
    'Map',
    'password',
    'authorization',
    'apiKey',
    'sess-123',
    'Array',
    '{id, created, cart}',
    'gunicorn: worker [app:app]',
    '/usr/bin/gunicorn -w 2 -b 127.0.0.1:38111 app:app',
    'node test/fixtures/node/leaky-credential.js',
    'http://127.0.0.1:38111/orders',
  ];
  for (const n of names) it(`keeps ${n}`, () => expect(redactText(n)).toBe(n));

  it('is idempotent: placeholders are kept verbatim', () => {
    const once = redactText('k → sk_live_abcdef123456 → "x y z" → password=pw');
    expect(redactText(once)).toBe(once);
    expect(once).toMatch(/sha256:[0-9a-f]{8}\)/);
  });
});

describe('Redactor', () => {
  it('counts what its own scan caught, and passes everything through when revealing', () => {
    const red = new Redactor(false);
    expect(red.text('OrderAuditEntry')).toBe('OrderAuditEntry');
    expect(red.text('sk_test_abc123def456')).not.toContain('abc123');
    expect(red.caught).toBe(1);
    expect(red.value('anything')).toBe(redactedString('anything'));
    const open = new Redactor(true);
    expect(open.text('sk_test_abc123def456')).toBe('sk_test_abc123def456');
    expect(open.value('anything')).toBe('anything');
    expect(open.caught).toBe(0);
  });
  it('keeps quoted class names in prose but still hides secrets there', () => {
    const red = new Redactor(false);
    expect(red.prose('"OrderAuditEntry" gained 1 per request')).toBe(
      '"OrderAuditEntry" gained 1 per request',
    );
    expect(red.prose('saw token=abc123 in a name')).toBe(`saw token=${redactedString('abc123')} in a name`);
  });
});
