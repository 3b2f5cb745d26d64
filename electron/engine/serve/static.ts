// The renderer bundle on disk: where it is, and how a URL path maps into it (never out).
import { existsSync } from 'node:fs';
import path from 'node:path';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** dist/renderer, found from the source tree (electron/engine/serve) or the build (dist/electron/engine/serve). */
export function findRendererDir(start = __dirname): string | null {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    for (const c of [path.join(dir, 'dist', 'renderer'), path.join(dir, 'renderer')]) {
      if (existsSync(path.join(c, 'index.html')) && existsSync(path.join(c, 'assets'))) return c;
    }
    dir = path.dirname(dir);
  }
  return null;
}

/** URL path → file inside root, or null when it would escape root. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = path.resolve(root, `.${path.posix.normalize(rel)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return file;
}
