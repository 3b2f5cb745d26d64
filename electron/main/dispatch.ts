// One bridge call, from raw IPC arguments to the reply the preload unwraps: guard first
// (sender, method, params), then main's own answer for the method if it has one, else the
// engine's. No 'electron' import, so the same path runs in tests.
import type { ApiMethod } from '../../shared/api';
import type { EngineApi } from './engine-api';
import { guardCall, type SenderInfo, toWireError, type WireReply } from './ipc-guard';

export type Overrides = Partial<Record<ApiMethod, (params: unknown) => Promise<unknown>>>;

export async function dispatchCall(
  deps: {
    api: EngineApi;
    trustedOrigins: readonly string[];
    overrides?: Overrides;
    onCall?: (method: ApiMethod, params: unknown) => void;
    log?: (m: string) => void;
  },
  sender: SenderInfo | null,
  method: unknown,
  params: unknown,
): Promise<WireReply> {
  const g = guardCall(sender, method, params, deps.trustedOrigins);
  if (!g.ok) {
    deps.log?.(`ipc refused: ${g.error}`);
    return { ok: false, error: { message: g.error, user: true } };
  }
  deps.onCall?.(g.method, g.params);
  try {
    const own = deps.overrides?.[g.method];
    const value = own ? await own(g.params) : await deps.api.call(g.method, g.params);
    return { ok: true, value };
  } catch (e) {
    return toWireError(e);
  }
}
