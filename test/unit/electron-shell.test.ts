// The shell's pure pieces: window-state restore, the menu, opened-file handling, run
// folders joining the history (with the real store), and printToPDF options.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MenuItemConstructorOptions } from 'electron';
import { afterAll, describe, expect, it } from 'vitest';
import { listRuns, readRun, runsDir, writeMeta } from '../../electron/engine/store';
import { menuTemplate } from '../../electron/main/menu';
import {
  analyzeRunId,
  heapSnapshotArgs,
  orderSnapshots,
  runIdForFolder,
} from '../../electron/main/open-args';
import { importRunFolder } from '../../electron/main/open-run';
import { mmToInches, printToPdfOptions } from '../../electron/main/report-print';
import { navigateScript, routeHash } from '../../electron/main/routes';
import {
  fitToDisplays,
  loadWindowState,
  parseWindowState,
  saveWindowState,
} from '../../electron/main/window-state';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lh-shell-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const DEF = { width: 1280, height: 820 };

describe('window state', () => {
  it('falls back to defaults on missing, broken or hostile files', () => {
    for (const text of [null, '', '{', '[]', 'null', '"x"', '{"width":"big"}']) {
      const s = parseWindowState(text, DEF);
      expect(s.width, String(text)).toBe(1280);
      expect(s.height).toBe(820);
      expect(s.x).toBeUndefined();
    }
    const tiny = parseWindowState('{"width":10,"height":10,"x":5,"y":6,"maximized":true}', DEF);
    expect(tiny).toEqual({ width: 640, height: 480, x: 5, y: 6, maximized: true });
  });

  it('keeps a position on a display and forgets one on a monitor that is gone', () => {
    const displays = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    const on = fitToDisplays({ x: 100, y: 50, width: 1200, height: 800, maximized: false }, displays);
    expect(on).toEqual({ x: 100, y: 50, width: 1200, height: 800, maximized: false });
    const gone = fitToDisplays({ x: 2500, y: 100, width: 1200, height: 800, maximized: false }, displays);
    expect(gone.x).toBeUndefined();
    const titleAbove = fitToDisplays(
      { x: 100, y: -600, width: 1200, height: 800, maximized: false },
      displays,
    );
    expect(titleAbove.x).toBeUndefined();
    const huge = fitToDisplays({ width: 5000, height: 3000, maximized: false }, displays);
    expect([huge.width, huge.height]).toEqual([1920, 1080]);
    const second = fitToDisplays({ x: 2000, y: 100, width: 1000, height: 700, maximized: false }, [
      ...displays,
      { x: 1920, y: 0, width: 1280, height: 1024 },
    ]);
    expect(second.x).toBe(2000);
  });

  it('round-trips through a file written atomically', () => {
    const file = path.join(tmp, 'state', 'window-state.json');
    expect(loadWindowState(file, DEF)).toEqual({ width: 1280, height: 820, maximized: false });
    saveWindowState(file, { x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(file, DEF)).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['window-state.json']);
  });
});

describe('menu', () => {
  const calls: string[] = [];
  const actions = {
    newHunt: () => calls.push('new'),
    openRunFolder: () => calls.push('run'),
    openSnapshots: () => calls.push('snap'),
    exportReport: () => calls.push('export'),
    about: () => calls.push('about'),
    openLogs: () => calls.push('logs'),
  };
  const items = (m: MenuItemConstructorOptions) => m.submenu as MenuItemConstructorOptions[];
  const click = (item: MenuItemConstructorOptions) => (item.click as unknown as () => void)();

  it('has the File and Help items the issue asks for, wired to their actions', () => {
    const t = menuTemplate(actions, { platform: 'linux', appName: 'leakhound', dev: false });
    const file = t.find((m) => m.label === '&File')!;
    const labels = items(file).map((i) => i.label ?? i.role ?? i.type);
    expect(labels).toEqual([
      'New hunt',
      'Open run folder…',
      'Open heap snapshots…',
      'separator',
      'Export report…',
      'separator',
      'quit',
    ]);
    const help = t.find((m) => m.role === 'help')!;
    expect(items(help).map((i) => i.label)).toEqual(['About leakhound', 'Open logs folder']);
    for (const i of [...items(file), ...items(help)]) if (i.click) click(i);
    expect(calls).toEqual(['new', 'run', 'snap', 'export', 'about', 'logs']);
    expect(items(file)[0].accelerator).toBe('CmdOrCtrl+N');
  });

  it('puts About and Quit in the app menu on macOS and hides dev tools outside dev', () => {
    const mac = menuTemplate(actions, { platform: 'darwin', appName: 'leakhound', dev: false });
    expect(mac[0].label).toBe('leakhound');
    expect(items(mac[0]).some((i) => i.role === 'quit')).toBe(true);
    expect(items(mac.find((m) => m.label === '&File')!).some((i) => i.role === 'quit')).toBe(false);
    const roles = (t: MenuItemConstructorOptions[]) => JSON.stringify(t.map((m) => m.submenu ?? m.role));
    expect(roles(mac)).not.toContain('toggleDevTools');
    expect(roles(menuTemplate(actions, { platform: 'linux', appName: 'leakhound', dev: true }))).toContain(
      'toggleDevTools',
    );
  });
});

describe('files opened from the OS', () => {
  it('picks .heapsnapshot arguments and resolves them against the cwd', () => {
    expect(
      heapSnapshotArgs(
        ['--inspect', 's1.heapsnapshot', '/abs/s2.HEAPSNAPSHOT', 'notes.txt', 's1.heapsnapshot'],
        '/work',
      ),
    ).toEqual(['/work/s1.heapsnapshot', '/abs/s2.HEAPSNAPSHOT']);
    expect(heapSnapshotArgs(['--x=a.heapsnapshot'], '/w')).toEqual([]);
  });

  it('orders snapshots by when they were taken', () => {
    expect(
      orderSnapshots([
        { path: '/s/final.heapsnapshot', mtimeMs: 300 },
        { path: '/s/base.heapsnapshot', mtimeMs: 100 },
        { path: '/s/mid.heapsnapshot', mtimeMs: 200 },
      ]),
    ).toEqual(['/s/base.heapsnapshot', '/s/mid.heapsnapshot', '/s/final.heapsnapshot']);
    expect(
      orderSnapshots([
        { path: '/s/h10.heapsnapshot', mtimeMs: 1 },
        { path: '/s/h9.heapsnapshot', mtimeMs: 1 },
      ]),
    ).toEqual(['/s/h9.heapsnapshot', '/s/h10.heapsnapshot']);
  });

  it('makes valid, unique run ids', () => {
    const re = /^[A-Za-z0-9._-]{1,128}$/;
    const id = runIdForFolder('/home/u/my run (copy)', new Set());
    expect(id).toBe('opened-my-run-copy');
    expect(runIdForFolder('/x/run', new Set(['opened-run']))).toBe('opened-run-2');
    const a = analyzeRunId(new Date('2026-11-25T16:30:05Z'), new Set());
    expect(a).toBe('analyze-20261125-163005');
    expect(analyzeRunId(new Date('2026-11-25T16:30:05Z'), new Set([a]))).toBe(`${a}-2`);
    for (const x of [id, a]) expect(x).toMatch(re);
  });
});

describe('open run folder', () => {
  it('links an outside run folder into the history, where the store reads it', () => {
    const dataDir = path.join(tmp, 'data');
    const outside = path.join(tmp, 'elsewhere', 'my-run');
    fs.mkdirSync(outside, { recursive: true });
    writeMeta(outside, {
      id: 'cli-run-1',
      startedAt: '2026-11-25T10:00:00.000Z',
      status: 'finished',
      command: 'node server.js',
      options: {},
      ownerPid: 1,
    });
    expect(importRunFolder(outside, dataDir)).toBe('cli-run-1');
    expect(importRunFolder(outside, dataDir)).toBe('cli-run-1');
    expect(listRuns(dataDir).map((r) => r.id)).toEqual(['cli-run-1']);
    expect(readRun(path.join(runsDir(dataDir), 'cli-run-1')).summary.command).toBe('node server.js');
    // Deleting from the history removes the link, never the folder it points to.
    fs.rmSync(path.join(runsDir(dataDir), 'cli-run-1'), { recursive: true, force: true });
    expect(fs.existsSync(path.join(outside, 'run.json'))).toBe(true);
  });

  it('refuses folders that are not runs and id clashes, in one line', () => {
    const dataDir = path.join(tmp, 'data2');
    expect(() => importRunFolder(tmp, dataDir)).toThrow(/is not a leakhound run folder \(no run\.json\)/);
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    for (const d of [a, b]) {
      fs.mkdirSync(d, { recursive: true });
      writeMeta(d, {
        id: 'same',
        startedAt: 'x',
        status: 'finished',
        command: 'c',
        options: {},
        ownerPid: 1,
      });
    }
    importRunFolder(a, dataDir);
    expect(() => importRunFolder(b, dataDir)).toThrow(/a different run with id same/);
  });
});

describe('navigation and printing', () => {
  it('navigates with the renderer hash routes, quoting the id safely', () => {
    expect(routeHash({ name: 'new' })).toBe('#/new');
    expect(routeHash({ name: 'run', id: 'r 1', tab: 'verdict' })).toBe('#/runs/r%201/verdict');
    expect(navigateScript({ name: 'run', id: '";alert(1);"', tab: 'diff' })).toBe(
      'location.hash = "#/runs/%22%3Balert(1)%3B%22/diff";',
    );
  });

  it('prints A4 and Letter with page numbers and the report margins', () => {
    expect(mmToInches('25.4mm')).toBe(1);
    expect(() => mmToInches('1in')).toThrow(/not in mm/);
    const a4 = printToPdfOptions('A4', 'run x');
    expect(a4.pageSize).toBe('A4');
    expect(printToPdfOptions('Letter', 'run x').pageSize).toBe('Letter');
    expect(a4.displayHeaderFooter).toBe(true);
    expect(a4.footerTemplate).toContain('pageNumber');
    expect(a4.footerTemplate).toContain('totalPages');
    expect(a4.printBackground).toBe(true);
    expect(a4.margins?.top).toBeCloseTo(15 / 25.4, 3);
  });
});
