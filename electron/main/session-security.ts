// Electron-side wiring of the security checklist: the app:// protocol with CSP headers,
// permissions denied, remote requests cancelled, navigation and new windows blocked.
import fs from 'node:fs';
import { app, protocol, type Session, type WebContents } from 'electron';
import { appResponseHeaders, resolveAppFile } from './app-files';
import { isAllowedNavigation, isAllowedRequest, isOwnDocumentUrl } from './request-policy';
import { APP_SCHEME } from './window-options';

/** Must run before `app.whenReady()`: a standard, secure scheme gets a real origin and fetch. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ]);
}

export function serveRendererBundle(ses: Session, root: string, csp: string): void {
  ses.protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, root);
    if (!file) return new Response('not found', { status: 404 });
    try {
      const body = await fs.promises.readFile(file);
      return new Response(body, { status: 200, headers: appResponseHeaders(file, csp) });
    } catch {
      return new Response('not found', { status: 404, headers: { 'Content-Security-Policy': csp } });
    }
  });
}

export function lockDownSession(ses: Session, opts: { csp: string; devOrigin: string | null }): void {
  ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.setDevicePermissionHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequest(details.url, opts.devOrigin) });
  });
  // The dev server's and file:// responses get the same CSP header app:// responses carry.
  ses.webRequest.onHeadersReceived((details, callback) => {
    if (!isOwnDocumentUrl(details.url, opts.devOrigin)) return callback({});
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers))
      if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    headers['Content-Security-Policy'] = [opts.csp];
    callback({ responseHeaders: headers });
  });
}

/** Applied to every WebContents the app ever creates, including ones we did not expect. */
export function guardAllWebContents(trustedOrigins: () => readonly string[], log: (m: string) => void): void {
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.setWindowOpenHandler(({ url }) => {
      log(`blocked window.open of ${url}`);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event) => {
      if (!isAllowedNavigation(event.url, trustedOrigins())) {
        event.preventDefault();
        log(`blocked navigation to ${event.url}`);
      }
    });
    contents.on('will-redirect', (event) => {
      if (!isAllowedNavigation(event.url, trustedOrigins())) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
