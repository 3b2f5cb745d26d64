// A bounded tail of a child's output: a target that floods stderr must not grow our memory.
export class LineTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly maxLines = 40,
    private readonly maxLineLength = 500,
  ) {}

  push(chunk: string, onLine?: (line: string) => void): void {
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = (parts.pop() ?? '').slice(-this.maxLineLength * 4);
    for (const raw of parts) {
      const line = raw.length > this.maxLineLength ? `${raw.slice(0, this.maxLineLength)}…` : raw;
      onLine?.(line);
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  get(): string[] {
    return this.partial ? [...this.lines, this.partial.slice(0, this.maxLineLength)] : [...this.lines];
  }
}

/**
 * The lines worth showing when a target fails: its last `n`, and — when none of them says
 * what went wrong — the first error line above them (the cause is often above a supervisor's
 * own traceback: a gunicorn worker's ModuleNotFoundError above the master's HaltServer).
 */
export function lastOutput(lines: readonly string[], n = 8): string[] {
  const all = lines.filter((l) => l.trim());
  const tail = all.slice(-n);
  const isCause = (l: string) => /\b\w+(Error|Exception): /.test(l);
  const cause = tail.some(isCause) ? undefined : all.slice(0, -n).find(isCause);
  return cause ? [cause.trimStart(), '…', ...tail] : tail;
}
