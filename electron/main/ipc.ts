// The two bridge channels (and the drop message) wired to the engine, each message through
// ipc-guard first (dispatch.ts). Main may answer a method itself (`overrides`) when the
// desktop does it better, e.g. reports.export printing with the window's own printToPDF.
import { ipcMain, type WebFrameMain } from 'electron';
import type { ApiMethod } from '../../shared/api';
import { dispatchCall, type Overrides } from './dispatch';
import type { EngineApi } from './engine-api';
import { CALL_CHANNEL, DROP_CHANNEL, guardDrop, type WireReply } from './ipc-guard';

export type { Overrides } from './dispatch';

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
  ipcMain.handle(
    CALL_CHANNEL,
    (event, method: unknown, params: unknown): Promise<WireReply> =>
      dispatchCall(
        { ...deps, trustedOrigins: deps.trustedOrigins() },
        senderOf(event.senderFrame),
        method,
        params,
      ),
  );
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
