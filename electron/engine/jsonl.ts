// Append-only JSON-lines files with a periodic fsync: a run killed at any moment keeps
// everything up to the last few seconds, and every complete line stays parseable.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

export class JsonlWriter {
  private fd: number | null;
  private dirty = false;
  private readonly timer: NodeJS.Timeout;
  /** set when a write failed (disk full): the run goes on, and says so */
  error: Error | null = null;

  constructor(
    readonly file: string,
    syncEveryMs = 2000,
  ) {
    this.fd = openSync(file, 'a', 0o600);
    this.timer = setInterval(() => this.sync(), syncEveryMs);
    this.timer.unref();
  }

  append(value: unknown): void {
    if (this.fd === null || this.error) return;
    try {
      writeSync(this.fd, `${JSON.stringify(value)}\n`);
      this.dirty = true;
    } catch (e) {
      this.error = e as Error;
    }
  }

  sync(): void {
    if (this.fd === null || !this.dirty) return;
    try {
      fsyncSync(this.fd);
      this.dirty = false;
    } catch (e) {
      this.error ??= e as Error;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.sync();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Read a JSON-lines file, skipping a torn last line (the writer died mid-line). */
export function readJsonl<T>(file: string): T[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a torn line from a crash: everything before it is kept
    }
  }
  return out;
}
