// Runs sandboxed, before the page: it may `require` only 'electron', so no zod and no shared/
// at runtime (types only). It exposes exactly one object, `window.leakhound` (the
// LeakhoundBridge of shared/api.ts), and main re-validates everything that comes through it.
import { contextBridge, type IpcRendererEvent, ipcRenderer, webUtils } from 'electron';
import type { ApiEvent, LeakhoundBridge } from '../shared/api';

// Same strings as electron/main/ipc-guard.ts (a unit test checks they agree).
const CALL_CHANNEL = 'leakhound:call';
const EVENT_CHANNEL = 'leakhound:event';
const DROP_CHANNEL = 'leakhound:open-files';

type WireReply = { ok: true; value: unknown } | { ok: false; error: { message: string; user: boolean } };

const bridge = {
  async call(method: string, params: unknown): Promise<unknown> {
    const reply = (await ipcRenderer.invoke(CALL_CHANNEL, method, params)) as WireReply;
    if (reply?.ok) return reply.value;
    const err = new Error(reply?.error?.message ?? 'the desktop app gave no answer');
    err.name = reply?.error?.user ? 'UserError' : 'Error';
    throw err;
  },
  onEvent(listener: (event: ApiEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('leakhound.onEvent needs a function');
    const handler = (_e: IpcRendererEvent, event: ApiEvent) => listener(event);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
};

contextBridge.exposeInMainWorld('leakhound', bridge as unknown as LeakhoundBridge);

// Dropping .heapsnapshot files on the window analyses them. File paths are only reachable
// here (webUtils), not from the page; main checks them again before opening anything.
interface DropLike {
  preventDefault(): void;
  dataTransfer: { types?: ArrayLike<string>; files?: ArrayLike<object> } | null;
}
declare const window: { addEventListener(type: string, cb: (e: DropLike) => void): void };

const hasFiles = (e: DropLike) => Array.from(e.dataTransfer?.types ?? []).includes('Files');

window.addEventListener('dragover', (e) => {
  if (hasFiles(e)) e.preventDefault();
});
window.addEventListener('drop', (e) => {
  const files = Array.from(e.dataTransfer?.files ?? []);
  const paths = files
    .map((f) => webUtils.getPathForFile(f as Parameters<typeof webUtils.getPathForFile>[0]))
    .filter((p) => /\.heapsnapshot$/i.test(p));
  if (paths.length === 0) return;
  e.preventDefault();
  ipcRenderer.send(DROP_CHANNEL, paths);
});
