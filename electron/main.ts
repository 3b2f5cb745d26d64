// The desktop shell. Thin on purpose: the engine is driven through the same ApiHandler as
// `leakhound serve`; this file wires windows, menus, dialogs, files opened from the OS and a
// quit that leaves every hunt's data complete on disk.
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, screen, session, shell } from 'electron';
import type { ApiEvent } from '../shared/api';
import { createApiHandler } from './engine/api/handler';
import { UserError } from './engine/errors';
import { defaultDataDir, listRuns, runDirOf } from './engine/store';
import type { EngineApi } from './main/engine-api';
import { registerIpc } from './main/ipc';
import { EVENT_CHANNEL } from './main/ipc-guard';
import { createLog } from './main/log';
import { menuTemplate } from './main/menu';
import { heapSnapshotArgs, isHeapSnapshotPath } from './main/open-args';
import { importRunFolder } from './main/open-run';
import { analyzeSnapshotFiles } from './main/open-snapshots';
import { stopRunningHunts } from './main/quit';
import { exportReport, reportFileName } from './main/report-export';
import { navigateScript, type ShellRoute } from './main/routes';
import {
  guardAllWebContents,
  lockDownSession,
  registerAppScheme,
  serveRendererBundle,
} from './main/session-security';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  CSP,
  devCsp,
  devUrlFromEnv,
  mainWindowOptions,
} from './main/window-options';
import { fitToDisplays, loadWindowState, saveWindowState } from './main/window-state';

const QUIT_WAIT_MS = 5 * 60_000;

registerAppScheme();
// Every renderer sandboxed, whatever options a window is created with.
app.enableSandbox();

// Everything the OS asked us to open before the window existed (argv, macOS open-file).
const pendingFiles: string[] = heapSnapshotArgs(process.argv.slice(app.isPackaged ? 1 : 2), process.cwd());
let openFileTimer: NodeJS.Timeout | undefined;
let mainWindow: BrowserWindow | null = null;
let openSnapshots: (files: string[]) => void = (files) => void pendingFiles.push(...files);

// Files opened together (a multi-select in Finder) arrive as separate open-file events.
app.on('open-file', (event, file) => {
  event.preventDefault();
  if (!isHeapSnapshotPath(file)) return;
  pendingFiles.push(file);
  clearTimeout(openFileTimer);
  openFileTimer = setTimeout(() => {
    if (app.isReady()) openSnapshots(pendingFiles.splice(0));
  }, 300);
});

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app
    .whenReady()
    .then(start)
    .catch((e) => fatal(e));
}

function fatal(e: unknown): void {
  dialog.showErrorBox('leakhound could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
}

async function start(): Promise<void> {
  const log = createLog(app.getPath('logs'));
  process.on('uncaughtException', (e) => log(`uncaught: ${e.stack ?? e}`));
  process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? e}`));

  let devUrl: URL | null;
  try {
    devUrl = devUrlFromEnv(process.env.LEAKHOUND_DEV_URL);
  } catch (e) {
    return fatal(e);
  }
  const devOrigin = devUrl ? devUrl.origin : null;
  const trustedOrigins = devOrigin ? [APP_ORIGIN, devOrigin] : [APP_ORIGIN];
  const csp = devOrigin ? devCsp(devOrigin) : CSP;
  const dataDir = defaultDataDir();
  const rendererRoot = path.join(__dirname, '..', 'renderer');
  log(`start ${app.getVersion()} data=${dataDir} renderer=${devUrl?.href ?? rendererRoot}`);

  lockDownSession(session.defaultSession, { csp, devOrigin });
  serveRendererBundle(session.defaultSession, rendererRoot, csp);
  guardAllWebContents(() => trustedOrigins, log);

  const handler: EngineApi = createApiHandler({ dataDir });
  /** The run the user last looked at or started: what File → Export report… exports. */
  let currentRun: string | null = null;

  /** Hunts and analyses in flight, from their events: closing the window must not cut them off. */
  const busy = new Set<string>();
  const emit = (e: ApiEvent) => {
    if (e.type === 'phase' && e.phase === 'starting') currentRun = e.id;
    if (e.type === 'phase' && e.phase !== 'done' && e.phase !== 'failed') busy.add(e.id);
    if (e.type === 'done') busy.delete(e.id);
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNEL, e);
  };
  handler.onEvent(emit);

  const navigate = (route: ShellRoute) => {
    const win = ensureWindow();
    const go = () => void win.webContents.executeJavaScript(navigateScript(route)).catch(() => {});
    if (win.webContents.isLoading()) win.webContents.once('did-finish-load', go);
    else go();
    if (win.isMinimized()) win.restore();
    win.focus();
  };

  const showError = (title: string, e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    log(`${title}: ${message}`);
    if (mainWindow)
      void dialog.showMessageBox(mainWindow, { type: 'error', title, message: title, detail: message });
    else dialog.showErrorBox(title, message);
  };

  let quitState: 'running' | 'stopping' | 'ready' = 'running';
  const analyses = new Set<AbortController>();
  openSnapshots = (files: string[]) => {
    if (files.length === 0) return;
    const ac = new AbortController();
    analyses.add(ac);
    analyzeSnapshotFiles(files, {
      dataDir,
      leakhoundVersion: app.getVersion(),
      emit,
      signal: ac.signal,
      onStarted: (id) => {
        currentRun = id;
        navigate({ name: 'run', id, tab: 'verdict' });
      },
    })
      .then(
        (r) => log(`analysed ${files.length} snapshot(s) into ${r.dir}: ${r.suspects} suspects`),
        (e) => {
          if (!ac.signal.aborted) showError('Could not analyse the heap snapshots', e);
        },
      )
      .finally(() => analyses.delete(ac));
  };

  const runToExport = (): string | null => {
    if (currentRun) return currentRun;
    return listRuns(dataDir).find((r) => r.status !== 'running')?.id ?? null;
  };

  const actions = {
    newHunt: () => navigate({ name: 'new' }),
    openRunFolder: async () => {
      const r = await dialog.showOpenDialog(ensureWindow(), {
        title: 'Open run folder',
        properties: ['openDirectory'],
      });
      if (r.canceled || !r.filePaths[0]) return;
      try {
        const id = importRunFolder(r.filePaths[0], dataDir);
        currentRun = id;
        navigate({ name: 'run', id, tab: 'verdict' });
      } catch (e) {
        showError('Could not open the run folder', e);
      }
    },
    openSnapshots: async () => {
      const r = await dialog.showOpenDialog(ensureWindow(), {
        title: 'Open heap snapshots (baseline, target, final)',
        properties: ['openFile', 'multiSelections'],
        filters: [{ name: 'Heap snapshots', extensions: ['heapsnapshot'] }],
      });
      if (!r.canceled) openSnapshots(r.filePaths);
    },
    exportReport: async () => {
      const id = runToExport();
      if (!id) return showError('Nothing to export', new UserError('finish a hunt or open a run first'));
      const r = await dialog.showSaveDialog(ensureWindow(), {
        title: `Export report of run ${id}`,
        defaultPath: path.join(app.getPath('documents'), reportFileName(id, 'pdf')),
        filters: [
          { name: 'PDF report', extensions: ['pdf'] },
          { name: 'HTML report', extensions: ['html'] },
        ],
      });
      if (r.canceled || !r.filePath) return;
      const format = /\.html?$/i.test(r.filePath) ? 'html' : 'pdf';
      const dest = /\.(pdf|html?)$/i.test(r.filePath) ? r.filePath : `${r.filePath}.pdf`;
      try {
        await exportReport(runDirOf(dataDir, id), format, dest);
        shell.showItemInFolder(dest);
      } catch (e) {
        showError('Could not export the report', e);
      }
    },
    about: () =>
      void dialog.showMessageBox(ensureWindow(), {
        type: 'info',
        title: 'About leakhound',
        message: `leakhound ${app.getVersion()}`,
        detail: [
          'Hunts memory leaks in Node and Python web servers.',
          `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
          `Runs are kept in ${dataDir}`,
        ].join('\n'),
      }),
    openLogs: () => void shell.openPath(app.getPath('logs')),
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(actions, { platform: process.platform, appName: app.name, dev: !!devUrl }),
    ),
  );

  registerIpc({
    api: handler,
    trustedOrigins: () => trustedOrigins,
    log,
    onDrop: (files) => openSnapshots(files),
    onCall: (method, params) => {
      if (method === 'runs.get') currentRun = (params as { id: string }).id;
    },
    overrides: {
      // The desktop prints with its own Chromium (printToPDF), into the run folder.
      'reports.export': async (params) => {
        const { id, format } = params as { id: string; format: 'pdf' | 'html' };
        const dir = runDirOf(dataDir, id);
        return { path: await exportReport(dir, format, path.join(dir, `report.${format}`)) };
      },
    },
  });

  function ensureWindow(): BrowserWindow {
    if (mainWindow && !mainWindow.isDestroyed()) return mainWindow;
    const stateFile = path.join(app.getPath('userData'), 'window-state.json');
    const state = fitToDisplays(
      loadWindowState(stateFile, { width: 1280, height: 820 }),
      screen.getAllDisplays().map((d) => d.workArea),
    );
    const win = new BrowserWindow({
      ...mainWindowOptions(path.join(__dirname, 'preload.js')),
      width: state.width,
      height: state.height,
      ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    });
    if (state.maximized) win.maximize();
    win.once('ready-to-show', () => win.show());
    const save = () => {
      if (win.isDestroyed()) return;
      try {
        saveWindowState(stateFile, { ...win.getNormalBounds(), maximized: win.isMaximized() });
      } catch (e) {
        log(`could not save window state: ${(e as Error).message}`);
      }
    };
    let saveTimer: NodeJS.Timeout | undefined;
    const saveSoon = () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(save, 500);
    };
    win.on('resize', saveSoon);
    win.on('move', saveSoon);
    win.on('close', (event) => {
      save();
      // Closing the last window quits (except on macOS); with work in flight, go through the
      // quit path first so the hunt stops cleanly while the window shows what is happening.
      if (process.platform !== 'darwin' && quitState === 'running' && busy.size > 0) {
        event.preventDefault();
        app.quit();
      }
    });
    win.on('closed', () => {
      clearTimeout(saveTimer);
      mainWindow = null;
    });
    win.webContents.on('render-process-gone', (_e, d) => log(`renderer gone: ${d.reason}`));
    void win.loadURL(devUrl ? devUrl.href : APP_INDEX_URL);
    mainWindow = win;
    return win;
  }

  app.on('second-instance', (_e, argv, cwd) => {
    ensureWindow().focus();
    openSnapshots(heapSnapshotArgs(argv.slice(1), cwd));
  });
  app.on('activate', () => ensureWindow());
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('before-quit', (event) => {
    if (quitState === 'ready') return;
    event.preventDefault();
    if (quitState === 'stopping') return;
    quitState = 'stopping';
    for (const ac of analyses) ac.abort();
    if (mainWindow && !mainWindow.isDestroyed())
      mainWindow.setTitle('leakhound: saving hunt data before quitting…');
    void stopRunningHunts(handler, { timeoutMs: QUIT_WAIT_MS, log })
      .then((r) => {
        if (r.timedOut.length)
          log(`quit: hunts still running after ${QUIT_WAIT_MS} ms: ${r.timedOut.join(', ')}`);
      })
      .catch((e) => log(`quit: ${(e as Error).message}`))
      .then(() => handler.dispose())
      .catch((e) => log(`dispose: ${(e as Error).message}`))
      .finally(() => {
        quitState = 'ready';
        app.quit();
      });
  });

  ensureWindow();
  const initial = pendingFiles.splice(0).filter((f) => fs.existsSync(f));
  if (initial.length) openSnapshots(initial);
}
