// What the app's sessions may load: our own bundle, the loopback dev server during
// `npm start`, local files for the report printer, and in-memory data. No remote content.

import { originOf } from './ipc-guard';
import { APP_ORIGIN } from './window-options';

export function isAllowedRequest(url: string, devOrigin: string | null): boolean {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  if (scheme === 'data:' || scheme === 'blob:' || scheme === 'devtools:' || scheme === 'file:') return true;
  const origin = originOf(url);
  if (origin === null) return false;
  if (origin === APP_ORIGIN) return true;
  if (devOrigin) {
    const devWs = devOrigin.replace(/^http/, 'ws');
    if (origin === devOrigin || origin === devWs) return true;
  }
  return false;
}

/** Navigation (link clicks, location changes, drops) may only stay inside our own page. */
export function isAllowedNavigation(url: string, trustedOrigins: readonly string[]): boolean {
  const origin = originOf(url);
  return origin !== null && trustedOrigins.includes(origin);
}

/** Responses of our own pages get our CSP header; others (DevTools' own pages) keep theirs. */
export function isOwnDocumentUrl(url: string, devOrigin: string | null): boolean {
  if (url.toLowerCase().startsWith('file:')) return true;
  const origin = originOf(url);
  return origin !== null && (origin === APP_ORIGIN || (devOrigin !== null && origin === devOrigin));
}
