// electron/main.ts itself, run under Node with the 'electron' module replaced by a recorder
// (there is no Electron binary here). What is under test is main's wiring: scheme
// registered before ready, the window built from mainWindowOptions and loaded from
// app://, CSP on protocol responses, IPC through the guard into the REAL ApiHandler,
// remote requests cancelled, permissions denied, navigation and popups blocked, and a quit
// that waits for the engine before exiting.
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CSP, mainWindowOptions } from '../../electron/main/window-options';

const fake = vi.hoisted(() => {
  const { EventEmitter: EE } = require('node:events') as typeof import('node:events');
  const log: string[] = [];
  const app = Object.assign(new EE(), {
    isPackaged: false,
    name: 'leakhound',
    ready: false,
    quitCalls: 0,
    getVersion: () => '0.1.0-test',
    getPath: (name: string) => require('node:path').join(process.env.LH_FAKE_HOME as string, name),
    enableSandbox: () => {
      log.push(`enableSandbox ready=${app.ready}`);
    },
    requestSingleInstanceLock: () => {
      log.push('lock');
      return true;
    },
    isReady() {
      return this.ready;
    },
    whenReady() {
      log.push('whenReady');
      return new Promise<void>((r) =>
        setTimeout(() => {
          app.ready = true;
          r();
        }, 10),
      );
    },
    quit() {
      app.quitCalls++;
      const ev = {
        defaultPrevented: false,
        preventDefault() {
          ev.defaultPrevented = true;
        },
      };
      app.emit('before-quit', ev);
      if (!ev.defaultPrevented) app.emit('quit-done');
    },
    exit: (code: number) => log.push(`exit ${code}`),
  });
  const handlers = new Map<string, (...a: unknown[]) => unknown>();
  const ipcMain = Object.assign(new EE(), {
    handle: (ch: string, fn: (...a: unknown[]) => unknown) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
  });
  const sessionRec = {
    protocolHandlers: new Map<string, (req: Request) => Promise<Response>>(),
    beforeRequest: null as null | ((d: { url: string }, cb: (r: { cancel: boolean }) => void) => void),
    headersReceived: null as null | ((d: object, cb: (r: object) => void) => void),
    permissionRequest: null as null | ((...a: unknown[]) => void),
    permissionCheck: null as null | ((...a: unknown[]) => boolean),
  };
  const defaultSession = {
    protocol: {
      handle: (s: string, fn: (req: Request) => Promise<Response>) => sessionRec.protocolHandlers.set(s, fn),
    },
    setPermissionRequestHandler: (fn: (...a: unknown[]) => void) => {
      sessionRec.permissionRequest = fn;
    },
    setPermissionCheckHandler: (fn: (...a: unknown[]) => boolean) => {
      sessionRec.permissionCheck = fn;
    },
    setDevicePermissionHandler: () => {},
    webRequest: {
      onBeforeRequest: (fn: typeof sessionRec.beforeRequest) => {
        sessionRec.beforeRequest = fn;
      },
      onHeadersReceived: (fn: typeof sessionRec.headersReceived) => {
        sessionRec.headersReceived = fn;
      },
    },
  };
  const windows: FakeWindow[] = [];
  class FakeWebContents extends EE {
    openHandler: ((d: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(fn: (d: { url: string }) => { action: string }) {
      this.openHandler = fn;
    }
    sent: unknown[][] = [];
    scripts: string[] = [];
    send(...a: unknown[]) {
      this.sent.push(a);
    }
    isLoading() {
      return false;
    }
    executeJavaScript(code: string) {
      this.scripts.push(code);
      return Promise.resolve();
    }
  }
  class FakeWindow extends EE {
    options: Record<string, unknown>;
    webContents = new FakeWebContents();
    url = '';
    title = '';
    destroyed = false;
    constructor(options: Record<string, unknown>) {
      super();
      this.options = options;
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(u: string) {
      this.url = u;
      return Promise.resolve();
    }
    isDestroyed() {
      return this.destroyed;
    }
    isMinimized() {
      return false;
    }
    isMaximized() {
      return false;
    }
    getNormalBounds() {
      return { x: 1, y: 2, width: 1000, height: 700 };
    }
    maximize() {}
    restore() {}
    focus() {}
    show() {}
    setTitle(t: string) {
      this.title = t;
    }
    static getAllWindows() {
      return windows;
    }
  }
  const menus: unknown[] = [];
  const schemes: unknown[] = [];
  return {
    log,
    app,
    handlers,
    sessionRec,
    windows,
    menus,
    schemes,
    module: {
      app,
      ipcMain,
      BrowserWindow: FakeWindow,
      session: { defaultSession },
      protocol: {
        registerSchemesAsPrivileged: (s: unknown) => {
          schemes.push({ s, ready: app.ready });
        },
      },
      Menu: {
        buildFromTemplate: (t: unknown) => t,
        setApplicationMenu: (m: unknown) => menus.push(m),
      },
      screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
      dialog: {
        showErrorBox: (t: string, m: string) => log.push(`errorBox ${t}: ${m}`),
        showMessageBox: async () => ({ response: 0 }),
        showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
        showSaveDialog: async () => ({ canceled: true }),
      },
      shell: { openPath: async () => '', showItemInFolder: () => {} },
      utilityProcess: {},
    },
  };
});

vi.mock('electron', () => fake.module);

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-main-'));
const TRUSTED = { url: 'app://leakhound/index.html', parent: null };

beforeAll(async () => {
  process.env.LH_FAKE_HOME = home;
  process.env.LEAKHOUND_DATA_DIR = path.join(home, 'data');
  delete process.env.LEAKHOUND_DEV_URL;
  // A non-literal specifier: the module runs for its side effects (it is the app).
  const entry = '../../electron/main';
  await import(entry);
  await vi.waitFor(() => expect(fake.windows.length).toBe(1), { timeout: 10_000 });
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('electron/main.ts wiring', () => {
  it('registers the app:// scheme and sandboxes all renderers before ready, and takes the single-instance lock', () => {
    expect(fake.schemes).toHaveLength(1);
    expect(fake.schemes[0]).toMatchObject({
      ready: false,
      s: [{ scheme: 'app', privileges: { standard: true, secure: true } }],
    });
    expect(fake.log.slice(0, 3)).toEqual(['enableSandbox ready=false', 'lock', 'whenReady']);
  });

  it('opens one window from mainWindowOptions, loading the bundle from app://', async () => {
    const [win] = fake.windows;
    const preload = (win.options.webPreferences as { preload: string }).preload;
    expect(path.basename(preload)).toBe('preload.js');
    expect(win.options.webPreferences).toEqual(mainWindowOptions(preload).webPreferences);
    expect(win.url).toBe('app://leakhound/index.html');
  });

  it('serves app:// with the CSP header and refuses paths outside the bundle', async () => {
    const handle = fake.sessionRec.protocolHandlers.get('app')!;
    const ok = await handle(new Request('app://leakhound/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toBe(CSP);
    expect(await ok.text()).toContain('<div id="root">');
    expect((await handle(new Request('app://leakhound/..%2f..%2fpackage.json'))).status).toBe(404);
  });

  it('cancels remote requests, sets CSP on other responses, denies every permission', () => {
    const verdict = (url: string) => {
      let cancel: boolean | undefined;
      fake.sessionRec.beforeRequest!({ url }, (r) => {
        cancel = r.cancel;
      });
      return cancel;
    };
    expect(verdict('https://example.com/tracker.js')).toBe(true);
    expect(verdict('app://leakhound/assets/x.js')).toBe(false);
    let headers: Record<string, string[]> = {};
    fake.sessionRec.headersReceived!(
      {
        url: 'app://leakhound/index.html',
        responseHeaders: { 'content-security-policy': ['default-src *'] },
      },
      (r: object) => {
        headers = (r as { responseHeaders: Record<string, string[]> }).responseHeaders;
      },
    );
    expect(Object.keys(headers)).toEqual(['Content-Security-Policy']);
    expect(headers['Content-Security-Policy'][0]).toMatch(/^default-src 'none'/);
    let granted: boolean | undefined;
    fake.sessionRec.permissionRequest!({}, 'media', (g: boolean) => {
      granted = g;
    });
    expect(granted).toBe(false);
    expect(fake.sessionRec.permissionCheck!({}, 'clipboard-read')).toBe(false);
  });

  it('blocks navigation away and every window.open', () => {
    const wc = fake.windows[0].webContents as EventEmitter & {
      openHandler: (d: { url: string }) => { action: string };
    };
    expect(wc.openHandler({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(wc.openHandler({ url: 'app://leakhound/index.html' })).toEqual({ action: 'deny' });
    const nav = (url: string) => {
      let prevented = false;
      wc.emit('will-navigate', { url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    expect(nav('https://evil.example/')).toBe(true);
    expect(nav('app://leakhound/index.html#/runs')).toBe(false);
  });

  it('routes IPC through the guard into the real engine handler', async () => {
    const call = fake.handlers.get('leakhound:call')!;
    expect(await call({ senderFrame: TRUSTED }, 'runs.list', {})).toEqual({ ok: true, value: [] });
    expect(
      await call({ senderFrame: { url: 'https://evil.example/', parent: null } }, 'runs.list', {}),
    ).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/untrusted frame/) },
    });
    expect(await call({ senderFrame: { ...TRUSTED, parent: {} } }, 'runs.list', {})).toMatchObject({
      ok: false,
    });
    expect(await call({ senderFrame: TRUSTED }, 'runs.get', { id: 'nope' })).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/no run with id nope/), user: true },
    });
  });

  it('builds the File and Help menus', () => {
    const template = fake.menus[0] as { label?: string; role?: string; submenu?: { id?: string }[] }[];
    const ids = template
      .flatMap((m) => (Array.isArray(m.submenu) ? m.submenu.map((i) => i.id) : []))
      .filter(Boolean);
    expect(ids).toEqual(['new-hunt', 'open-run', 'open-snapshots', 'export-report', 'about', 'open-logs']);
  });

  it('navigates the renderer on New hunt', async () => {
    const template = fake.menus[0] as { submenu?: { id?: string; click?: () => void }[] }[];
    const item = template.flatMap((m) => m.submenu ?? []).find((i) => i.id === 'new-hunt')!;
    item.click!();
    expect(fake.windows[0].webContents.scripts.at(-1)).toBe('location.hash = "#/new";');
  });

  it('saves the window state on close', () => {
    fake.windows[0].emit('close');
    const state = JSON.parse(fs.readFileSync(path.join(home, 'userData', 'window-state.json'), 'utf8'));
    expect(state).toEqual({ x: 1, y: 2, width: 1000, height: 700, maximized: false });
  });

  it('analyses dropped .heapsnapshot files, shows the run, and exports its HTML report', async () => {
    const dir = path.join(home, 'snaps');
    fs.mkdirSync(dir);
    const files = [1, 2, 3].map((i) => path.join(dir, `s${i}.heapsnapshot`));
    const script = `const v8 = require('v8'); class DroppedLeak { constructor(i) { this.i = i; } } const keep = [];
      ${JSON.stringify(files)}.forEach((f, s) => { for (let i = 0; i < 1200 * s; i++) keep.push(new DroppedLeak(i)); v8.writeHeapSnapshot(f); });`;
    require('node:child_process').execFileSync(process.execPath, ['-e', script]);
    for (const [i, f] of files.entries()) fs.utimesSync(f, 1_700_000_000 + i, 1_700_000_000 + i);
    const wc = fake.windows[0].webContents;
    const sentBefore = wc.sent.length;
    // A hostile page's drop message is refused; ours starts the analysis.
    fake.module.ipcMain.emit(
      'leakhound:open-files',
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      files,
    );
    fake.module.ipcMain.emit('leakhound:open-files', { senderFrame: TRUSTED }, [...files].reverse());
    await vi.waitFor(
      () =>
        expect(wc.sent.slice(sentBefore).some(([, e]) => (e as { type: string }).type === 'done')).toBe(true),
      { timeout: 60_000, interval: 200 },
    );
    const events = wc.sent
      .slice(sentBefore)
      .map(([ch, e]) => ({ ch, e: e as { type: string; id: string; status?: string } }));
    expect(events.every((x) => x.ch === 'leakhound:event')).toBe(true);
    const done = events.find((x) => x.e.type === 'done')!.e;
    expect(done.status).toBe('finished');
    expect(wc.scripts.at(-1)).toBe(`location.hash = "#/runs/${done.id}/verdict";`);
    const call = fake.handlers.get('leakhound:call')!;
    const run = (await call({ senderFrame: TRUSTED }, 'runs.get', { id: done.id })) as {
      value: { result: { verdict: { kind: string }; suspects: { name: string }[] } };
    };
    expect(run.value.result.verdict.kind).toBe('leak');
    expect(run.value.result.suspects[0].name).toMatch(/DroppedLeak/);
    const exported = (await call({ senderFrame: TRUSTED }, 'reports.export', {
      id: done.id,
      format: 'html',
    })) as {
      ok: boolean;
      value: { path: string };
    };
    expect(exported.ok).toBe(true);
    expect(exported.value.path).toBe(path.join(home, 'data', 'runs', done.id, 'report.html'));
    expect(fs.readFileSync(exported.value.path, 'utf8')).toMatch(/DroppedLeak/);
  }, 120_000);

  it('closing the window during a hunt quits only after the hunt has written its result', async () => {
    const call = fake.handlers.get('leakhound:call')!;
    const fixture = path.join(__dirname, '../fixtures/node/leaky-array.js');
    const started = (await call({ senderFrame: TRUSTED }, 'runs.start', {
      spawn: `node ${fixture}`,
      url: 'http://127.0.0.1:{port}/',
      durationMs: 120_000,
      concurrency: 4,
      rate: 300,
    })) as { ok: boolean; value: { id: string } };
    expect(started.ok).toBe(true);
    const id = started.value.id;
    const win = fake.windows[0];
    await vi.waitFor(
      () =>
        expect(
          win.webContents.sent.some(([, e]) => {
            const ev = e as { type: string; id: string; requests?: number };
            return ev.type === 'load' && ev.id === id && (ev.requests ?? 0) > 100;
          }),
        ).toBe(true),
      { timeout: 60_000, interval: 200 },
    );
    const resultFile = path.join(home, 'data', 'runs', id, 'result.json');
    expect(fs.existsSync(resultFile)).toBe(false);

    const quitDone = new Promise<void>((r) => fake.app.once('quit-done', () => r()));
    let prevented = false;
    win.emit('close', { preventDefault: () => (prevented = true) });
    if (process.platform !== 'darwin') expect(prevented).toBe(true);
    else fake.app.quit();
    expect(fake.app.quitCalls).toBe(1);
    expect(win.title).toMatch(/saving hunt data/);
    await quitDone;
    expect(fake.app.quitCalls).toBe(2);
    const result = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
    expect(result.status).toBe('finished');
    expect(result.load.requests).toBeGreaterThan(100);
    expect(fs.readFileSync(path.join(home, 'logs', 'main.log'), 'utf8')).toMatch(
      new RegExp(`stopping hunt ${id}`),
    );
  }, 150_000);
});
