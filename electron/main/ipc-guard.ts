// Every message from a renderer is untrusted input. These pure checks run in the main process
// before anything reaches the engine: who sent it (our own page, top frame), which method
// (only the names in shared/api.ts), and what params (that method's zod schema).
import path from 'node:path';
import type { z } from 'zod';
import { type ApiMethod, apiMethods } from '../../shared/api';

/** renderer → main, invoke/handle: (method, params) → WireReply */
export const CALL_CHANNEL = 'leakhound:call';
/** main → renderer: one ApiEvent per message */
export const EVENT_CHANNEL = 'leakhound:event';
/** renderer → main, one-way: absolute paths of .heapsnapshot files the user dropped on the window */
export const DROP_CHANNEL = 'leakhound:open-files';

/** What main knows about the frame that sent a message (from `event.senderFrame`). */
export interface SenderInfo {
  url: string | null | undefined;
  isMainFrame: boolean;
}

export type GuardedCall = { ok: true; method: ApiMethod; params: unknown } | { ok: false; error: string };

/** How a call's outcome crosses the bridge: errors as one line, never a stack. */
export type WireReply =
  | { ok: true; value: unknown }
  | { ok: false; error: { message: string; user: boolean } };

/**
 * `scheme://host[:port]` of a URL. Node's WHATWG URL gives `origin === 'null'` for custom
 * schemes like app://, so compare on protocol + host instead.
 */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (u.username || u.password) return null;
    if (!u.host) return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

export function isTrustedSender(
  sender: SenderInfo | null | undefined,
  trustedOrigins: readonly string[],
): boolean {
  if (sender?.isMainFrame !== true || typeof sender.url !== 'string') return false;
  const origin = originOf(sender.url);
  return origin !== null && trustedOrigins.includes(origin);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function guardCall(
  sender: SenderInfo | null | undefined,
  method: unknown,
  params: unknown,
  trustedOrigins: readonly string[],
): GuardedCall {
  if (!isTrustedSender(sender, trustedOrigins)) {
    return { ok: false, error: `refused a call from an untrusted frame (${sender?.url ?? 'no url'})` };
  }
  if (typeof method !== 'string' || !Object.hasOwn(apiMethods, method)) {
    return { ok: false, error: `unknown API method ${JSON.stringify(String(method)).slice(0, 80)}` };
  }
  const name = method as ApiMethod;
  const parsed = apiMethods[name].params.safeParse(params ?? {});
  if (!parsed.success) {
    return { ok: false, error: `bad params for ${name}: ${describeIssues(parsed.error)}` };
  }
  return { ok: true, method: name, params: parsed.data };
}

const MAX_DROPPED_FILES = 16;

/** Dropped files: only absolute `.heapsnapshot` paths, a handful at most, from our own page. */
export function guardDrop(
  sender: SenderInfo | null | undefined,
  paths: unknown,
  trustedOrigins: readonly string[],
): { ok: true; files: string[] } | { ok: false; error: string } {
  if (!isTrustedSender(sender, trustedOrigins)) {
    return { ok: false, error: `refused dropped files from an untrusted frame (${sender?.url ?? 'no url'})` };
  }
  if (!Array.isArray(paths) || paths.length === 0 || paths.length > MAX_DROPPED_FILES) {
    return { ok: false, error: `drop 1 to ${MAX_DROPPED_FILES} .heapsnapshot files` };
  }
  const files: string[] = [];
  for (const p of paths) {
    if (typeof p !== 'string' || p.length > 4096 || p.includes('\0') || !path.isAbsolute(p)) {
      return { ok: false, error: 'a dropped file has no usable absolute path' };
    }
    if (!/\.heapsnapshot$/i.test(p)) {
      return { ok: false, error: `${path.basename(p)} is not a .heapsnapshot file` };
    }
    files.push(path.normalize(p));
  }
  return { ok: true, files };
}

/** One line for the renderer; the flag lets the UI tell "fix your input" from "bug". */
export function toWireError(e: unknown): WireReply {
  const user = e instanceof Error && (e.name === 'UserError' || 'exitCode' in e);
  const message = e instanceof Error ? e.message : String(e);
  return { ok: false, error: { message: message.split('\n')[0].slice(0, 2000), user } };
}
