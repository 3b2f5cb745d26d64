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
