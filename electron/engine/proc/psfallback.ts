// Where /proc is absent (macOS, Windows) the process table comes from `ps` (or PowerShell's
// CIM on Windows) and listening ports from `lsof` / `netstat`, as pidusage does. Spawning a
// process per tick costs ~10% of a core (measured), so Linux never takes this path unless
// asked to. Parsers are pure and exported for tests.
import { execFile } from 'node:child_process';

export interface PsRow {
  pid: number;
  ppid: number;
  rssBytes: number;
  /** Windows reports private bytes; ps does not */
  privateBytes: number | null;
  /** seconds since the process started, when known */
  elapsedSec: number | null;
  command: string;
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true },
      (err, stdout) => {
        // lsof exits 1 when nothing matches; its output is still valid.
        if (err && !stdout) reject(new Error(`${cmd} failed: ${err.message.split('\n')[0]}`));
        else resolve(stdout);
      },
    );
  });
}

/** `ps` etime: [[dd-]hh:]mm:ss → seconds. */
export function parseEtime(s: string): number | null {
  const m = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(s.trim());
  if (!m) return null;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** Lines of `ps -A -o pid=,ppid=,rss=,etime=,args=` (rss in KiB). */
export function parsePsOutput(text: string): PsRow[] {
  const out: PsRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s?(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      rssBytes: Number(m[3]) * 1024,
      privateBytes: null,
      elapsedSec: parseEtime(m[4]),
      command: m[5].trim(),
    });
  }
  return out;
}

/** Lines of the PowerShell listing below: pid, ppid, working set, private bytes, age, command. */
export function parseWindowsOutput(text: string): PsRow[] {
  const out: PsRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const f = line.split('\t');
    if (f.length < 5 || !/^\d+$/.test(f[0])) continue;
    out.push({
      pid: Number(f[0]),
      ppid: Number(f[1]),
      rssBytes: Number(f[2]) || 0,
      privateBytes: Number(f[3]) || null,
      elapsedSec: f[4] === '' ? null : Number(f[4]),
      command: f.slice(5).join('\t').trim(),
    });
  }
  return out;
}

const WINDOWS_PS =
  'Get-CimInstance Win32_Process | ForEach-Object { $age = if ($_.CreationDate) { [int]((Get-Date) - $_.CreationDate).TotalSeconds } else { "" }; ' +
  '"$($_.ProcessId)`t$($_.ParentProcessId)`t$($_.WorkingSetSize)`t$($_.PrivatePageCount)`t$age`t$($_.CommandLine)" }';

export async function psTable(): Promise<PsRow[]> {
  if (process.platform === 'win32') {
    return parseWindowsOutput(
      await run('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_PS]),
    );
  }
  return parsePsOutput(await run('ps', ['-A', '-o', 'pid=,ppid=,rss=,etime=,args=']));
}

/** root and its descendants out of a process table, parents first. */
export function treeOf(rows: PsRow[], rootPid: number): PsRow[] {
  const byParent = new Map<number, PsRow[]>();
  let root: PsRow | undefined;
  for (const r of rows) {
    if (r.pid === rootPid) root = r;
    let list = byParent.get(r.ppid);
    if (!list) {
      list = [];
      byParent.set(r.ppid, list);
    }
    list.push(r);
  }
  if (!root) return [];
  const out = [root];
  const seen = new Set([rootPid]);
  for (let i = 0; i < out.length; i++) {
    for (const c of byParent.get(out[i].pid) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
    }
  }
  return out;
}

export async function psTreeSnapshot(rootPid: number): Promise<PsRow[]> {
  return treeOf(await psTable(), rootPid);
}

/** `lsof -nP -iTCP -sTCP:LISTEN -F pn` → pid → ports. */
export function parseLsofListen(text: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  let pid = -1;
  for (const line of text.split('\n')) {
    if (line.startsWith('p')) pid = Number(line.slice(1));
    else if (line.startsWith('n') && pid > 0) {
      const m = /:(\d+)$/.exec(line);
      if (!m) continue;
      const port = Number(m[1]);
      const list = out.get(pid) ?? [];
      if (!list.includes(port)) list.push(port);
      out.set(pid, list);
    }
  }
  return out;
}

/** `netstat -ano -p TCP` (Windows) → pid → listening ports. */
export function parseNetstatListen(text: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*TCP\s+\S*:(\d+)\s+\S+\s+LISTENING\s+(\d+)\s*$/i.exec(line);
    if (!m) continue;
    const port = Number(m[1]);
    const pid = Number(m[2]);
    const list = out.get(pid) ?? [];
    if (!list.includes(port)) list.push(port);
    out.set(pid, list);
  }
  return out;
}

export async function listeningPortsByPid(): Promise<Map<number, number[]>> {
  if (process.platform === 'win32') return parseNetstatListen(await run('netstat', ['-ano', '-p', 'TCP']));
  try {
    return parseLsofListen(await run('lsof', ['-nP', '-iTCP', '-sTCP:LISTEN', '-F', 'pn']));
  } catch {
    return new Map();
  }
}
