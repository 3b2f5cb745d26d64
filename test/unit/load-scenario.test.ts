import { describe, expect, it } from 'vitest';
import { UserError } from '../../electron/engine/errors';
import { compileEndpoint, WeightedPicker } from '../../electron/engine/load/request';
import { parseScenario, scenarioEndpoints, scenarioStages } from '../../electron/engine/load/scenario';

const YAML = `
baseUrl: http://127.0.0.1:{port}/
headers: { Authorization: Bearer t }
thinkTime: [50ms, 150ms]
timeout: 2s
endpoints:
  - { path: "/orders?page={{counter}}", weight: 3 }
  - path: /orders
    method: post
    json: { id: "{{uuid}}", qty: 1 }
    headers: { X-Trace: abc }
stages:
  - { duration: 3m, users: 50 }
  - { duration: 90s, users: 70, rate: 800 }
`;

describe('scenario files', () => {
  it('reads YAML into endpoints and stages', () => {
    const s = parseScenario(YAML, 'orders.yaml');
    expect(s.timeout).toBe(2000);
    expect(s.thinkTime).toEqual([50, 150]);
    expect(scenarioStages(s)).toEqual([
      { durationMs: 180_000, users: 50, rate: undefined },
      { durationMs: 90_000, users: 70, rate: 800 },
    ]);
    const eps = scenarioEndpoints(s, (u) => u.replace('{port}', '8080'));
    expect(eps).toEqual([
      {
        url: 'http://127.0.0.1:8080/orders?page={{counter}}',
        method: 'GET',
        weight: 3,
        headers: { Authorization: 'Bearer t' },
        body: undefined,
      },
      {
        url: 'http://127.0.0.1:8080/orders',
        method: 'POST',
        weight: 1,
        headers: { Authorization: 'Bearer t', 'X-Trace': 'abc', 'Content-Type': 'application/json' },
        body: '{"id":"{{uuid}}","qty":1}',
      },
    ]);
  });

  it('reads the same scenario as JSON', () => {
    const s = parseScenario(
      JSON.stringify({ endpoints: [{ url: 'http://127.0.0.1:1/' }], users: 5, duration: '10s' }),
      'x.json',
    );
    expect(scenarioStages(s)).toEqual([{ durationMs: 10_000, users: 5, rate: undefined }]);
  });

  it('expands a ramp: start at 50 users, +20 every 3 minutes, up to 130', () => {
    const s = parseScenario(`
endpoints: [{ url: "http://127.0.0.1:1/" }]
ramp: { from: 50, step: 20, every: 3m, to: 130 }
rate: 100`);
    expect(scenarioStages(s).map((st) => [st.users, st.durationMs, st.rate])).toEqual([
      [50, 180_000, 100],
      [70, 180_000, 100],
      [90, 180_000, 100],
      [110, 180_000, 100],
      [130, 180_000, 100],
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ['not yaml', 'endpoints: [', /not valid YAML or JSON/],
    ['no endpoints', 'users: 3\nduration: 1s\nendpoints: []', /endpoints: list at least one endpoint/],
    ['path without baseUrl', 'duration: 1s\nendpoints: [{ path: / }]', /need baseUrl/],
    [
      'bad duration',
      'duration: soon\nendpoints: [{ url: "http://h/" }]',
      /duration: "soon" is not a duration/,
    ],
    ['bad weight', 'duration: 1s\nendpoints: [{ url: "http://h/", weight: 0 }]', /endpoints\[0\]\.weight/],
    ['unknown key', 'duration: 1s\nendpoint: []\nendpoints: [{ url: "http://h/" }]', /endpoint/],
    [
      'unknown variable',
      'duration: 1s\nendpoints: [{ url: "http://h/{{user}}" }]',
      /unknown variable \{\{user\}\}/,
    ],
    ['no length', 'endpoints: [{ url: "http://h/" }]', /how long to run/],
    [
      'two shapes',
      'duration: 1s\nstages: [{duration: 1s, users: 1}]\nendpoints: [{ url: "http://h/" }]',
      /one of/,
    ],
  ];
  for (const [name, text, msg] of bad) {
    it(`rejects ${name} with one clear line`, () => {
      let err: unknown;
      try {
        parseScenario(text, 'bad.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/^bad\.yaml: /);
      expect((err as Error).message).toMatch(msg);
      expect((err as Error).message).not.toContain('\n');
    });
  }
});

describe('request serialization', () => {
  it('pre-serializes a static GET once', () => {
    const ep = compileEndpoint({ url: 'http://127.0.0.1:3000/a b?x=1', method: 'GET', weight: 1 });
    expect(ep.fixed?.toString()).toBe(
      'GET /a%20b?x=1 HTTP/1.1\r\nHost: 127.0.0.1:3000\r\nUser-Agent: leakhound\r\nAccept: */*\r\n\r\n',
    );
    expect(ep.build({ counter: 1, vu: 0 })).toBe(ep.fixed);
  });

  it('fills variables per request and sizes the body in bytes', () => {
    const ep = compileEndpoint({
      url: 'http://localhost/item/{{counter}}',
      method: 'put',
      weight: 1,
      headers: { 'X-Vu': '{{vu}}', accept: 'application/json' },
      body: '{"name":"é{{counter}}"}',
    });
    expect(ep.fixed).toBeNull();
    const text = ep.build({ counter: 42, vu: 3 }).toString('utf8');
    expect(text).toBe(
      'PUT /item/42 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: leakhound\r\naccept: application/json\r\n' +
        'Content-Type: application/json\r\nX-Vu: 3\r\nContent-Length: 15\r\n\r\n{"name":"é42"}',
    );
    expect(ep.origin).toEqual({ host: 'localhost', port: 80, key: 'localhost:80' });
  });

  it('rejects header injection and framing headers', () => {
    expect(() =>
      compileEndpoint({ url: 'http://h/', method: 'GET', weight: 1, headers: { 'X-A': 'a\r\nX-B: b' } }),
    ).toThrow(UserError);
    expect(() =>
      compileEndpoint({ url: 'http://h/', method: 'GET', weight: 1, headers: { 'Content-Length': '3' } }),
    ).toThrow(/set by the load generator/);
  });

  it('picks endpoints by weight, interleaved', () => {
    const p = new WeightedPicker([5, 1, 2]);
    const picks = Array.from({ length: 80 }, () => p.next());
    expect(picks.filter((i) => i === 0).length).toBe(50);
    expect(picks.filter((i) => i === 1).length).toBe(10);
    expect(picks.filter((i) => i === 2).length).toBe(20);
    // never more than 3 of the heavy one in a row with 5:1:2
    expect(picks.join('')).not.toMatch(/0000/);
  });
});
