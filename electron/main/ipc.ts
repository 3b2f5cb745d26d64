// The two bridge channels (and the drop message) wired to the engine, each message through
// ipc-guard first. Main may answer a method itself (`overrides`) when the desktop does it
// better, e.g. reports.export printing with the window's own printToPDF.
import { ipcMain, type WebFrameMain } from 'electron';
import type { ApiMethod } from '../../shared/api';
import type { EngineApi } from './engine-api';
import { CALL_CHANNEL, DROP_CHANNEL, guardCall, guardDrop, toWireError, type WireReply } from './ipc-guard';

export type Overrides = Partial<Record<ApiMethod, (params: unknown) => Promise<unknown>>>;

function senderOf(frame: WebFrameMain | null | undefined) {
  if (!frame) return null;
  return { url: frame.url, isMainFrame: frame.parent === null };
}

export function registerIpc(deps: {
  api: EngineApi;
  trustedOrigins: () => readonly string[];
  overrides: Overrides;
  onDrop: (files: string[]) => void;
  onCall?: (method: ApiMethod, params: unknown) => void;
  log: (m: string) => void;
}): () => void {
  ipcMain.handle(CALL_CHANNEL, async (event, method: unknown, params: unknown): Promise<WireReply> => {
    const g = guardCall(senderOf(event.senderFrame), method, params, deps.trustedOrigins());
    if (!g.ok) {
      deps.log(`ipc refused: ${g.error}`);
      return { ok: false, error: { message: g.error, user: true } };
    }
    deps.onCall?.(g.method, g.params);
    try {
      const own = deps.overrides[g.method];
      const value = own ? await own(g.params) : await deps.api.call(g.method, g.params);
      return { ok: true, value };
    } catch (e) {
      return toWireError(e);
    }
  });
  const onDrop = (event: Electron.IpcMainEvent, paths: unknown) => {
    const g = guardDrop(senderOf(event.senderFrame), paths, deps.trustedOrigins());
    if (!g.ok) deps.log(`drop refused: ${g.error}`);
    else deps.onDrop(g.files);
  };
  ipcMain.on(DROP_CHANNEL, onDrop);
  return () => {
    ipcMain.removeHandler(CALL_CHANNEL);
    ipcMain.removeListener(DROP_CHANNEL, onDrop);
  };
}
