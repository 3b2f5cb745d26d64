// One LeakhoundBridge for the whole renderer: the Electron preload's `window.leakhound`
// when it exists, else HTTP calls + a WebSocket to the `leakhound serve` origin. Either
// way every result and event is checked against the shared schemas, so a server of
// another version fails loudly here instead of rendering nonsense.
import {
  type ApiEvent,
  type ApiMethod,
  type ApiParams,
  type ApiResult,
  apiEventSchema,
  apiMethods,
  type LeakhoundBridge,
} from '../../../shared/api';

declare global {
  interface Window {
    leakhound?: LeakhoundBridge;
  }
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export type LinkState = 'connecting' | 'open' | 'closed';

function httpBridge(onLink: (s: LinkState) => void): LeakhoundBridge {
  const listeners = new Set<(e: ApiEvent) => void>();
  let socket: WebSocket | null = null;
  let retryMs = 500;

  const connect = () => {
    onLink('connecting');
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${proto}://${location.host}/api/events`);
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      onLink('open');
    };
    ws.onmessage = (m) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(m.data));
      } catch {
        return;
      }
      for (const l of listeners) l(raw as ApiEvent);
    };
    ws.onclose = () => {
      onLink('closed');
      socket = null;
      // The server may be restarting; back off but keep trying while someone listens.
      if (listeners.size > 0) setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 8000);
    };
  };

  return {
    async call(method, params) {
      const res = await fetch(`/api/call/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body: JSON.stringify(params ?? {}),
      });
      const body = await res.json().catch(() => null);
      if (!res.ok) {
        const msg =
          res.status === 401
            ? 'not authorised: open the URL that `leakhound serve` printed (it carries the access token)'
            : (body?.error ?? `${res.status} ${res.statusText}`);
        throw new ApiError(msg, res.status);
      }
      return body;
    },
    onEvent(listener) {
      listeners.add(listener);
      if (!socket) connect();
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

const linkListeners = new Set<(s: LinkState) => void>();
let linkState: LinkState = 'open';
function setLink(s: LinkState) {
  linkState = s;
  for (const l of linkListeners) l(s);
}
export function onLinkState(l: (s: LinkState) => void): () => void {
  linkListeners.add(l);
  l(linkState);
  return () => linkListeners.delete(l);
}

const raw: LeakhoundBridge = window.leakhound ?? httpBridge(setLink);
export const transportKind: 'electron' | 'http' = window.leakhound ? 'electron' : 'http';

// Validation wrappers: both transports are untrusted text until parsed.
export async function call<M extends ApiMethod>(method: M, params: ApiParams<M>): Promise<ApiResult<M>> {
  const out = await raw.call(method, params);
  const parsed = apiMethods[method].result.safeParse(out);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ApiError(
      `the engine answered ${method} with data this UI does not understand (${issue?.path.join('.')}: ${issue?.message}); are the app and engine the same version?`,
      500,
    );
  }
  return parsed.data as ApiResult<M>;
}

const eventListeners = new Set<(e: ApiEvent) => void>();
let unsubscribeRaw: (() => void) | null = null;
export function onEvent(listener: (e: ApiEvent) => void): () => void {
  eventListeners.add(listener);
  if (!unsubscribeRaw) {
    unsubscribeRaw = raw.onEvent((e) => {
      const parsed = apiEventSchema.safeParse(e);
      if (!parsed.success) return;
      for (const l of eventListeners) l(parsed.data);
    });
  }
  return () => {
    eventListeners.delete(listener);
  };
}
