// The Electron security checklist, asserted on the objects main actually uses: the window
// options and CSP are loaded from electron/main/window-options.ts (not grepped), and the
// preload is executed the way a sandboxed renderer runs it.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { appResponseHeaders, resolveAppFile } from '../../electron/main/app-files';
import { CALL_CHANNEL, DROP_CHANNEL, EVENT_CHANNEL } from '../../electron/main/ipc-guard';
import { isAllowedNavigation, isAllowedRequest, isOwnDocumentUrl } from '../../electron/main/request-policy';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  CSP,
  devCsp,
  devUrlFromEnv,
  mainWindowOptions,
  reportWindowOptions,
} from '../../electron/main/window-options';

function directives(csp: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name, values);
  }
  return map;
}

describe('main window options', () => {
  const opts = mainWindowOptions('/app/dist/electron/preload.js');
  const wp = opts.webPreferences!;

  it('isolates and sandboxes the renderer, with no Node anywhere', () => {
    expect(wp.contextIsolation).toBe(true);
    expect(wp.sandbox).toBe(true);
    expect(wp.nodeIntegration).toBe(false);
    expect(wp.nodeIntegrationInWorker).toBe(false);
    expect(wp.nodeIntegrationInSubFrames).toBe(false);
  });

  it('keeps web security on and every escape hatch off', () => {
    expect(wp.webSecurity).toBe(true);
    expect(wp.allowRunningInsecureContent).toBe(false);
    expect(wp.experimentalFeatures).toBe(false);
    expect(wp.enableBlinkFeatures).toBe('');
    expect(wp.webviewTag).toBe(false);
    expect(wp.navigateOnDragDrop).toBe(false);
    expect(wp.plugins).toBe(false);
  });

  it('uses exactly the preload it is given', () => {
    expect(wp.preload).toBe('/app/dist/electron/preload.js');
    expect(mainWindowOptions('/x/p.js').webPreferences?.preload).toBe('/x/p.js');
  });

  it('prints reports in a hidden window without JavaScript or preload', () => {
    const r = reportWindowOptions();
    expect(r.show).toBe(false);
    expect(r.webPreferences?.javascript).toBe(false);
    expect(r.webPreferences?.preload).toBeUndefined();
    expect(r.webPreferences?.sandbox).toBe(true);
    expect(r.webPreferences?.contextIsolation).toBe(true);
    expect(r.webPreferences?.nodeIntegration).toBe(false);
  });
});

describe('content security policy', () => {
  const d = directives(CSP);

  it('defaults to nothing and allows scripts only from our own origin', () => {
    expect(d.get('default-src')).toEqual(["'none'"]);
    expect(d.get('script-src')).toEqual(["'self'"]);
    expect(CSP).not.toMatch(/unsafe-eval/);
    expect(d.get('script-src')).not.toContain("'unsafe-inline'");
  });

  it('allows no network, frames, plugins, base or form targets', () => {
    expect(d.get('connect-src')).toEqual(["'self'"]);
    expect(d.get('object-src')).toEqual(["'none'"]);
    expect(d.get('frame-src')).toEqual(["'none'"]);
    expect(d.get('frame-ancestors')).toEqual(["'none'"]);
    expect(d.get('base-uri')).toEqual(["'none'"]);
    expect(d.get('form-action')).toEqual(["'none'"]);
    for (const values of d.values()) for (const v of values) expect(v).not.toMatch(/^(https?:|\*|ws)/);
  });

  it('relaxes only for the loopback dev server, and only script and connect', () => {
    const dev = directives(devCsp('http://127.0.0.1:5173'));
    expect(dev.get('script-src')).toContain('http://127.0.0.1:5173');
    expect(dev.get('connect-src')).toContain('ws://127.0.0.1:5173');
    expect(dev.get('default-src')).toEqual(["'none'"]);
    expect(dev.get('object-src')).toEqual(["'none'"]);
  });

  it('travels as a response header of the app protocol', () => {
    const h = appResponseHeaders('/r/index.html', CSP);
    expect(h['Content-Security-Policy']).toBe(CSP);
    expect(h['Content-Type']).toMatch(/^text\/html/);
    expect(h['X-Content-Type-Options']).toBe('nosniff');
  });
});

describe('no remote content', () => {
  it('serves the renderer from app://leakhound only', () => {
    expect(APP_ORIGIN).toBe('app://leakhound');
    expect(APP_INDEX_URL).toBe('app://leakhound/index.html');
  });

  it('accepts only a loopback http dev server', () => {
    expect(devUrlFromEnv(undefined)).toBeNull();
    expect(devUrlFromEnv('http://127.0.0.1:5173/')?.origin).toBe('http://127.0.0.1:5173');
    expect(() => devUrlFromEnv('https://example.com/')).toThrow(/loopback/);
    expect(() => devUrlFromEnv('http://10.0.0.5:5173/')).toThrow(/loopback/);
    expect(() => devUrlFromEnv('not a url')).toThrow(/not a URL/);
  });

  it('cancels every request that is not ours', () => {
    expect(isAllowedRequest('app://leakhound/assets/index.js', null)).toBe(true);
    expect(isAllowedRequest('data:image/png;base64,AAAA', null)).toBe(true);
    expect(isAllowedRequest('https://cdn.example.com/x.js', null)).toBe(false);
    expect(isAllowedRequest('http://127.0.0.1:5173/src/main.tsx', null)).toBe(false);
    expect(isAllowedRequest('http://127.0.0.1:5173/src/main.tsx', 'http://127.0.0.1:5173')).toBe(true);
    expect(isAllowedRequest('ws://127.0.0.1:5173/', 'http://127.0.0.1:5173')).toBe(true);
    expect(isAllowedRequest('http://127.0.0.1:9229/json', 'http://127.0.0.1:5173')).toBe(false);
    expect(isAllowedRequest('app://other/index.html', null)).toBe(false);
  });

  it('puts our CSP header on our own documents only', () => {
    expect(isOwnDocumentUrl('app://leakhound/index.html', null)).toBe(true);
    expect(isOwnDocumentUrl('file:///tmp/leakhound-report-x/report.html', null)).toBe(true);
    expect(isOwnDocumentUrl('http://127.0.0.1:5173/', 'http://127.0.0.1:5173')).toBe(true);
    expect(isOwnDocumentUrl('http://127.0.0.1:5173/', null)).toBe(false);
    expect(isOwnDocumentUrl('devtools://devtools/bundled/inspector.html', null)).toBe(false);
  });

  it('blocks navigation away from our page', () => {
    const trusted = [APP_ORIGIN];
    expect(isAllowedNavigation('app://leakhound/index.html#/runs', trusted)).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', trusted)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', trusted)).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)', trusted)).toBe(false);
  });

  it('never serves a file outside the renderer bundle', () => {
    const root = '/opt/leakhound/dist/renderer';
    expect(resolveAppFile('app://leakhound/', root)).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile('app://leakhound/assets/a.js?x=1#y', root)).toBe(path.join(root, 'assets/a.js'));
    // The URL parser folds literal ../ into the root: still inside the bundle.
    expect(resolveAppFile('app://leakhound/../../etc/passwd', root)).toBe(path.join(root, 'etc/passwd'));
    expect(resolveAppFile('app://leakhound/%2e%2e/%2e%2e/etc/passwd', root)).toBe(
      path.join(root, 'etc/passwd'),
    );
    for (const bad of [
      'app://leakhound/assets/..%2f..%2f..%2fetc%2fpasswd',
      'app://leakhound/a%5c..%5c..%5cx',
      'app://leakhound/a%00.js',
      'app://evil/index.html',
      'app://user:pw@leakhound/index.html',
      'file:///etc/passwd',
      'app://leakhound/%E0%A4%A',
    ]) {
      expect(resolveAppFile(bad, root), bad).toBeNull();
    }
    expect(resolveAppFile('app://evil/index.html', root)).toBeNull();
  });
});

// The preload as a sandboxed renderer runs it: Electron wraps it as
// `(function (require, process, exports, module) { … })` with a `require` that knows only
// 'electron' (and a few browser-safe modules). Electron's own modules are stand-ins here (no
// Electron binary); what is under test is the preload's code and the surface it exposes.
// The source is compiled to CommonJS as tsc does; the tsc output in dist/ is run too when built.
const PRELOAD_BUILDS: [string, () => string][] = [
  [
    'electron/preload.ts (compiled to CommonJS)',
    () =>
      transformSync(fs.readFileSync(path.join(__dirname, '../../electron/preload.ts'), 'utf8'), {
        loader: 'ts',
        format: 'cjs',
        target: 'es2022',
      }).code,
  ],
];
const DIST_PRELOAD = path.join(__dirname, '../../dist/electron/preload.js');
if (fs.existsSync(DIST_PRELOAD))
  PRELOAD_BUILDS.push(['dist/electron/preload.js', () => fs.readFileSync(DIST_PRELOAD, 'utf8')]);

function runPreload(code: string) {
  const exposed = new Map<string, Record<string, unknown>>();
  const invoked: unknown[][] = [];
  const sent: unknown[][] = [];
  const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  const windowListeners = new Map<string, (e: unknown) => void>();
  let reply: unknown = { ok: true, value: [] };
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (k: string, v: Record<string, unknown>) => exposed.set(k, v) },
    ipcRenderer: {
      invoke: async (...a: unknown[]) => {
        invoked.push(a);
        return reply;
      },
      send: (...a: unknown[]) => sent.push(a),
      on: (ch: string, cb: (...a: unknown[]) => void) => {
        if (!listeners.has(ch)) listeners.set(ch, new Set());
        listeners.get(ch)!.add(cb);
      },
      removeListener: (ch: string, cb: (...a: unknown[]) => void) => listeners.get(ch)?.delete(cb),
    },
    webUtils: { getPathForFile: (f: { p: string }) => f.p },
  };
  const mod = { exports: {} };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron')
      throw new Error(`module not found: ${name} (sandboxed preloads only get electron)`);
    return electron;
  };
  const wrapper = vm.runInNewContext(`(function (require, process, exports, module) {${code}\n})`, {
    window: { addEventListener: (t: string, cb: (e: unknown) => void) => windowListeners.set(t, cb) },
  });
  wrapper(sandboxRequire, { env: {} }, mod.exports, mod);
  return {
    exposed,
    invoked,
    sent,
    listeners,
    windowListeners,
    required,
    setReply: (r: unknown) => {
      reply = r;
    },
  };
}

describe.each(PRELOAD_BUILDS)('preload bridge: %s', (_name, compile) => {
  const code = compile();
  it('requires nothing but electron and exposes only window.leakhound.{call,onEvent}', () => {
    const p = runPreload(code);
    expect(new Set(p.required)).toEqual(new Set(['electron']));
    expect([...p.exposed.keys()]).toEqual(['leakhound']);
    expect(Object.keys(p.exposed.get('leakhound')!).sort()).toEqual(['call', 'onEvent']);
  });

  it('calls over the call channel and unwraps replies into values or one-line errors', async () => {
    const p = runPreload(code);
    const bridge = p.exposed.get('leakhound') as {
      call(m: string, params: unknown): Promise<unknown>;
    };
    p.setReply({ ok: true, value: [{ id: 'a' }] });
    await expect(bridge.call('runs.list', {})).resolves.toEqual([{ id: 'a' }]);
    expect(p.invoked).toEqual([[CALL_CHANNEL, 'runs.list', {}]]);
    p.setReply({ ok: false, error: { message: 'bad params for runs.get: id: required', user: true } });
    await expect(bridge.call('runs.get', {})).rejects.toThrow('bad params for runs.get: id: required');
  });

  it('delivers events from the event channel and unsubscribes', () => {
    const p = runPreload(code);
    const bridge = p.exposed.get('leakhound') as { onEvent(l: (e: unknown) => void): () => void };
    const got: unknown[] = [];
    const off = bridge.onEvent((e) => got.push(e));
    const subs = p.listeners.get(EVENT_CHANNEL)!;
    expect(subs.size).toBe(1);
    for (const cb of subs) cb({ sender: 'ipc' }, { type: 'done', id: 'x', status: 'finished' });
    expect(got).toEqual([{ type: 'done', id: 'x', status: 'finished' }]);
    off();
    expect(subs.size).toBe(0);
    expect(() => bridge.onEvent('nope' as never)).toThrow(/needs a function/);
  });

  it('sends only dropped .heapsnapshot paths on the drop channel', () => {
    const p = runPreload(code);
    let prevented = 0;
    const drop = (names: string[]) =>
      p.windowListeners.get('drop')!({
        preventDefault: () => prevented++,
        dataTransfer: { types: ['Files'], files: names.map((n) => ({ p: n })) },
      });
    drop(['/tmp/a.txt']);
    expect(p.sent).toEqual([]);
    expect(prevented).toBe(0);
    drop(['/tmp/s1.heapsnapshot', '/tmp/notes.md', '/tmp/s2.HEAPSNAPSHOT']);
    expect(p.sent).toEqual([[DROP_CHANNEL, ['/tmp/s1.heapsnapshot', '/tmp/s2.HEAPSNAPSHOT']]]);
    expect(prevented).toBe(1);
  });
});
