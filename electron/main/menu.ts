// The native menu as data (types only from 'electron'), so its shape is testable without Electron.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newHunt(): void;
  openRunFolder(): void;
  openSnapshots(): void;
  exportReport(): void;
  about(): void;
  openLogs(): void;
}

export function menuTemplate(
  actions: MenuActions,
  opts: { platform: NodeJS.Platform; appName: string; dev: boolean },
): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: '&File',
    submenu: [
      { id: 'new-hunt', label: 'New hunt', accelerator: 'CmdOrCtrl+N', click: () => actions.newHunt() },
      {
        id: 'open-run',
        label: 'Open run folder…',
        accelerator: 'CmdOrCtrl+O',
        click: () => actions.openRunFolder(),
      },
      {
        id: 'open-snapshots',
        label: 'Open heap snapshots…',
        accelerator: 'CmdOrCtrl+Shift+O',
        click: () => actions.openSnapshots(),
      },
      { type: 'separator' },
      {
        id: 'export-report',
        label: 'Export report…',
        accelerator: 'CmdOrCtrl+E',
        click: () => actions.exportReport(),
      },
      ...(mac ? [] : [{ type: 'separator' } as const, { role: 'quit' } as const]),
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: '&View',
    submenu: [
      ...(opts.dev
        ? [{ role: 'reload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const]
        : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      { type: 'separator' },
      { role: 'togglefullscreen' },
    ],
  };
  const help: MenuItemConstructorOptions = {
    role: 'help',
    label: '&Help',
    submenu: [
      { id: 'about', label: `About ${opts.appName}`, click: () => actions.about() },
      { id: 'open-logs', label: 'Open logs folder', click: () => actions.openLogs() },
    ],
  };
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: opts.appName,
          submenu: [
            { label: `About ${opts.appName}`, click: () => actions.about() },
            { type: 'separator' },
            { role: 'services' },
            { type: 'separator' },
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            { type: 'separator' },
            { role: 'quit' },
          ],
        },
      ]
    : [];
  return [...appMenu, file, { role: 'editMenu' }, view, { role: 'windowMenu' }, help];
}
