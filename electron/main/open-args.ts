// Which files the OS asked us to open (argv of the first or a second instance, macOS
// open-file), and how an opened run folder gets a run id.
import path from 'node:path';

const SNAPSHOT = /\.heapsnapshot$/i;

export function isHeapSnapshotPath(p: string): boolean {
  return SNAPSHOT.test(p);
}

/** `.heapsnapshot` arguments, resolved against the launching shell's cwd; flags are ignored. */
export function heapSnapshotArgs(argv: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    if (!arg || arg.startsWith('-') || !SNAPSHOT.test(arg)) continue;
    const abs = path.resolve(cwd, arg);
    if (!out.includes(abs)) out.push(abs);
  }
  return out;
}

/**
 * The three-snapshot technique needs baseline → target → final. Files picked in a dialog come
 * in no useful order, so order by modification time (when each was taken), then by name.
 */
export function orderSnapshots(files: readonly { path: string; mtimeMs: number }[]): string[] {
  return [...files]
    .sort((a, b) => a.mtimeMs - b.mtimeMs || a.path.localeCompare(b.path, 'en', { numeric: true }))
    .map((f) => f.path);
}

/** A run id (shared/api.ts runIdSchema) for a folder opened from elsewhere, unique among `taken`. */
export function runIdForFolder(dir: string, taken: ReadonlySet<string>): string {
  const base =
    path
      .basename(path.resolve(dir))
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .slice(0, 100) || 'run';
  let id = `opened-${base}`;
  for (let i = 2; taken.has(id); i++) id = `opened-${base}-${i}`;
  return id;
}

/** A fresh run id for snapshots analysed from the desktop app. */
export function analyzeRunId(now: Date, taken: ReadonlySet<string>): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  let id = `analyze-${stamp}`;
  for (let i = 2; taken.has(id); i++) id = `analyze-${stamp}-${i}`;
  return id;
}
