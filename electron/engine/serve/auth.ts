// Who may talk to `leakhound serve`: only a client holding the token, only through a
// loopback Host (DNS rebinding), and never from another origin. Pure functions over
// request headers, so the rules can be read (and tested) in one place.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export function cookieName(port: number): string {
  // Cookies ignore ports: one name per port keeps two serve instances apart.
  return `leakhound_${port}`;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    out[part.slice(0, eq).trim()] = decodeURIComponent(part.slice(eq + 1).trim());
  }
  return out;
}

/** Host must name our loopback listener: a rebound DNS name pointing at 127.0.0.1 fails here. */
export function hostOk(headers: IncomingHttpHeaders, port: number): boolean {
  return allowedHosts(port).includes(String(headers.host ?? '').toLowerCase());
}

/** Browsers send Origin on cross-origin and state-changing requests; it must be ours. */
export function originOk(headers: IncomingHttpHeaders, port: number): boolean {
  const site = headers['sec-fetch-site'];
  if (site && site !== 'same-origin' && site !== 'none') return false;
  const origin = headers.origin;
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin === `http://${h}`);
}

/** The token from a Bearer header or our cookie (query tokens are handled by the caller). */
export function presentedToken(headers: IncomingHttpHeaders, port: number): string | null {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return parseCookies(headers.cookie)[cookieName(port)] ?? null;
}

export function csp(port: number): string {
  const ws = allowedHosts(port)
    .map((h) => `ws://${h}`)
    .join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${ws}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
