// The main window's security posture as plain data, so a unit test can load and assert it
// under plain Node. Only *types* come from 'electron' here: importing its runtime outside
// Electron throws.
import type { BrowserWindowConstructorOptions } from 'electron';

/** The app's own scheme: the renderer bundle is served from app://leakhound/, never from the web. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'leakhound';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * Strict CSP for the packaged renderer: everything from our own origin, no inline script,
 * no eval, no network. Inline styles stay allowed because uplot and React set style attributes.
 */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * CSP for `npm start` only: Vite's dev server injects an inline React-refresh preamble and
 * talks HMR over a WebSocket on the same loopback origin.
 */
export function devCsp(devOrigin: string): string {
  const ws = devOrigin.replace(/^http/, 'ws');
  return CSP.replace("script-src 'self'", `script-src 'self' 'unsafe-inline' ${devOrigin}`).replace(
    "connect-src 'self'",
    `connect-src 'self' ${devOrigin} ${ws}`,
  );
}

/** Web preferences every window of ours gets; the checklist items in one place. */
const lockedDown = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  enableBlinkFeatures: '',
  webviewTag: false,
  navigateOnDragDrop: false,
  plugins: false,
  safeDialogs: true,
  spellcheck: false,
} as const;

export function mainWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'leakhound',
    show: false,
    backgroundColor: '#1e1f22',
    autoHideMenuBar: false,
    webPreferences: { ...lockedDown, preload: preloadPath, devTools: true },
  };
}

/**
 * The hidden window that renders a report for `printToPDF`: the report HTML is
 * self-contained and needs no script at all, so JavaScript is off and there is no preload.
 */
export function reportWindowOptions(): BrowserWindowConstructorOptions {
  return {
    show: false,
    width: 900,
    height: 1200,
    webPreferences: { ...lockedDown, javascript: false, devTools: false, images: true },
  };
}

/**
 * The dev-server URL from `LEAKHOUND_DEV_URL`, accepted only when it points at loopback:
 * anything else would load remote content into a window with our bridge.
 */
export function devUrlFromEnv(value: string | undefined): URL | null {
  if (!value) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`LEAKHOUND_DEV_URL is not a URL: ${value}; use e.g. http://127.0.0.1:5173/`);
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`LEAKHOUND_DEV_URL must be http:// on loopback (127.0.0.1), got ${value}`);
  }
  return url;
}
