// Defence in depth for the report: the engine already keeps heap string contents out of
// result.json, but a suspect name, a retainer path step or an allocation site can still carry
// one (a string-keyed Map edge, a concatenated name, a future engine bug). Every such text is
// scanned here, and anything that looks like a literal or a secret is replaced by its type,
// length and a short hash, so two reports can still be compared without showing the value.
import { createHash } from 'node:crypto';

/** What replaces a redacted value: its length and the first 8 hex digits of its SHA-256. */
export function redactedString(value: string): string {
  const h = createHash('sha256').update(value, 'utf8').digest('hex').slice(0, 8);
  return `string(len=${[...value].length}, sha256:${h})`;
}

const PLACEHOLDER = /string\(len=\d+, sha256:[0-9a-f]{8}\)/g;

/** Prefixes of well-known credential formats (Stripe, GitHub, GitLab, Slack, AWS, npm, Google…). */
const KNOWN_PREFIX =
  /\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9_-]+|\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]+|\bgithub_pat_[A-Za-z0-9_]+|\bglpat-[A-Za-z0-9_-]+|\bxox[abpros]-[A-Za-z0-9-]+|\b(?:AKIA|ASIA)[A-Z0-9]{12,}|\bAIza[0-9A-Za-z_-]{20,}|\bnpm_[A-Za-z0-9]{20,}|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*)?/g;

/** `Bearer xyz`, `Basic xyz` as in an Authorization header. */
const AUTH_SCHEME = /\b(?:Bearer\s+[^\s,;"'→\u0000]{6,}|Basic\s+[A-Za-z0-9+/=]{8,})/gi;

/** key=value / key: value where the key names a secret; the value goes, the key stays. */
const SECRET_ASSIGN =
  /(?<![A-Za-z])((?:pass(?:word|wd)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|auth(?:orization)?|cookie|set-cookie|session(?:id)?|sid|credentials?|client[_-]?secret|dsn)[A-Za-z0-9_-]*\s*[=:]\s*)(?!(?:Bearer|Basic)\s)("[^"]*"|'[^']*'|[^\s,;&→\u0000]+)/gi;

/** Connection strings with a user-info part: postgres://user:pass@host/db. */
const URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/@:→]+:[^\s/@→]+@[^\s→]*/gi;

/** PEM blocks. */
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g;

/** Quoted literals: V8 names string nodes by their contents, DevTools prints them in quotes. */
const QUOTED = /"(?:[^"\\]|\\.)+"|'(?:[^'\\]|\\.)+'|`(?:[^`\\]|\\.)+`/g;

/** Candidate opaque tokens for the entropy test. */
const TOKEN = /[A-Za-z0-9+/=_.-]{16,}/g;

function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const k of counts.values()) {
    const p = k / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * An opaque token, not a name: long, mixing letters and digits, and close to random.
 * Class names (OrderAuditEntry), file paths and `[4211]` indices must not trip it.
 */
export function looksLikeToken(s: string): boolean {
  if (s.length < 16) return false;
  if (s.includes('/') && /\.[a-z]{1,4}$/i.test(s)) return false; // a file path
  const letters = (s.match(/[A-Za-z]/g) ?? []).length;
  const digits = (s.match(/[0-9]/g) ?? []).length;
  if (digits === 0 || letters === 0) return s.length >= 40 && entropy(s) > 4.2;
  if (/^[0-9a-f]+$/i.test(s) && s.length >= 24) return true; // hex digests, ids, keys
  if (digits < 2 && s.length < 32) return false;
  return entropy(s) >= 3.5;
}

/**
 * Replaces anything in `text` that looks like a string literal or a secret with
 * `string(len=N, sha256:xxxxxxxx)`. Names (classes, properties, functions, files) pass through.
 */
export function redactText(text: string, opts: { quoted?: boolean } = {}): string {
  // Placeholders already produced (by the engine or an earlier pass) are kept verbatim.
  const kept: string[] = [];
  let out = text.replace(PLACEHOLDER, (m) => {
    kept.push(m);
    return `\u0000${kept.length - 1}\u0000`;
  });
  const hide = (m: string) => {
    kept.push(redactedString(m));
    return `\u0000${kept.length - 1}\u0000`;
  };
  out = out.replace(PEM, hide);
  out = out.replace(URL_USERINFO, hide);
  // Prose written by the engine quotes class names; only heap-derived text has quotes removed.
  if (opts.quoted !== false) out = out.replace(QUOTED, hide);
  out = out.replace(AUTH_SCHEME, (m) => {
    const sp = m.search(/\s/);
    return m.slice(0, sp + 1) + hide(m.slice(sp + 1).trimStart());
  });
  out = out.replace(SECRET_ASSIGN, (_m, key: string, value: string) => key + hide(value));
  out = out.replace(KNOWN_PREFIX, hide);
  out = out.replace(TOKEN, (m) => (looksLikeToken(m) ? hide(m) : m));
  return out.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => kept[Number(i)]!);
}

/** True when `redactText` would change the text: used to count and flag redactions. */
export function needsRedaction(text: string): boolean {
  return redactText(text) !== text;
}

/**
 * Applies the report's redaction policy and counts what its own scan caught, so the report
 * can say so (a non-zero count means the engine let something through).
 */
export class Redactor {
  caught = 0;
  constructor(readonly reveal: boolean) {}

  /** Heap-derived text (names, paths, sites): scanned, secrets replaced. */
  text(s: string): string {
    if (this.reveal) return s;
    const r = redactText(s);
    if (r !== s) this.caught++;
    return r;
  }

  /** Prose from the engine (the verdict's reason): scanned, but quoted names kept. */
  prose(s: string): string {
    if (this.reveal) return s;
    const r = redactText(s, { quoted: false });
    if (r !== s) this.caught++;
    return r;
  }

  /** A value that is a secret by its place (an env value, a header): always hidden. */
  value(s: string): string {
    return this.reveal ? s : redactedString(s);
  }
}
