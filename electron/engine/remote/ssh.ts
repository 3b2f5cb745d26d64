// The transport to another machine: the system OpenSSH client, so the user's own
// ~/.ssh/config, keys, agent, ProxyJump and known_hosts apply. One multiplexed connection per
// host (ControlMaster; its socket in a 0700 folder of ours), BatchMode for headless runs, and
// host-key checking forced on: an unknown host is refused with its fingerprint, never accepted.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../errors';
import { pickFreePort } from '../proc/ports';
import type { RemoteTransport } from './transport';

export interface SshOptions {
  /** an ssh config file instead of ~/.ssh/config (`ssh -F`) */
  configFile?: string;
  /** never prompt (default true: a hunt runs headless) */
  batch?: boolean;
  /** seconds the master lingers after its last client (short: nothing of ours stays long) */
  persistSec?: number;
}

export interface RunOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

const SSH = 'ssh';

/** `ssh …` with a timeout; never throws for a non-zero exit. */
function execSsh(args: string[], timeoutMs: number): Promise<RunOutput> {
  return new Promise((resolve) => {
    execFile(SSH, args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const lastLine = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('debug') && !/^Warning: Permanently added/.test(l))
    .pop() ?? '';

export class SshLink implements RemoteTransport {
  readonly kind = 'ssh' as const;
  private closed = false;

  private constructor(
    readonly dest: string,
    private readonly opts: SshOptions,
    private readonly controlDir: string,
  ) {}

  /** Connects (or fails with one clear line) and leaves a master connection for what follows. */
  static async open(dest: string, opts: SshOptions = {}): Promise<SshLink> {
    if (!dest || dest.startsWith('-') || /\s/.test(dest))
      throw new UserError(`--host takes an ssh destination such as ops@web-3 or an alias (got "${dest}")`);
    // %C (a hash of host, port, user) keeps the socket path short whatever the names are
    const dir = mkdtempSync(path.join(tmpdir(), 'leakhound-ssh-'));
    const link = new SshLink(dest, opts, dir);
    const r = await execSsh([...link.baseArgs(), dest, 'true'], 30_000);
    if (r.code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw await link.explain(r);
    }
    return link;
  }

  get controlPath(): string {
    return path.join(this.controlDir, '%C');
  }

  /** Options every ssh invocation of this link carries. */
  baseArgs(mux = true): string[] {
    const a: string[] = [];
    if (this.opts.configFile) a.push('-F', this.opts.configFile);
    if (mux)
      a.push(
        '-o',
        'ControlMaster=auto',
        '-o',
        `ControlPath=${this.controlPath}`,
        '-o',
        `ControlPersist=${this.opts.persistSec ?? 20}`,
      );
    else a.push('-o', 'ControlMaster=no', '-o', 'ControlPath=none');
    a.push(
      '-o',
      `BatchMode=${this.opts.batch === false ? 'no' : 'yes'}`,
      '-o',
      'StrictHostKeyChecking=yes',
      // a link that goes silent is noticed within ~15 s instead of the TCP timeout
      '-o',
      'ServerAliveInterval=5',
      '-o',
      'ServerAliveCountMax=3',
      '-o',
      'ConnectTimeout=15',
    );
    return a;
  }

  /** Runs one remote command line (parsed by the remote user's shell). */
  run(command: string, timeoutMs = 30_000): Promise<RunOutput> {
    return execSsh([...this.baseArgs(), this.dest, command], timeoutMs);
  }

  /** A long-lived remote command with its stdio piped (the helper). */
  spawn(command: string): ChildProcess {
    return spawn(SSH, [...this.baseArgs(), this.dest, command], { stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** The master connection is up. */
  async alive(): Promise<boolean> {
    if (this.closed) return false;
    const r = await execSsh([...this.baseArgs(), '-O', 'check', this.dest], 5000);
    return r.code === 0;
  }

  /**
   * Forwards a free 127.0.0.1 port here to 127.0.0.1:remotePort on the host; returns the
   * local port. (OpenSSH 9.2 refuses port 0 for -L, so a free port is picked and, if another
   * process takes it first, the next one.)
   */
  async forward(remotePort: number): Promise<number> {
    let why = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      const port = await pickFreePort();
      const r = await execSsh(
        [...this.baseArgs(), '-O', 'forward', '-L', `127.0.0.1:${port}:127.0.0.1:${remotePort}`, this.dest],
        10_000,
      );
      if (r.code === 0) return port;
      why = lastLine(r.stderr);
    }
    throw new Error(`could not forward a local port to 127.0.0.1:${remotePort} on ${this.dest}: ${why}`);
  }

  async cancelForward(localPort: number, remotePort: number): Promise<void> {
    if (this.closed) return;
    await execSsh(
      [...this.baseArgs(), '-O', 'cancel', '-L', `127.0.0.1:${localPort}:127.0.0.1:${remotePort}`, this.dest],
      5000,
    );
  }

  /** Ends the master connection and removes our control folder. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    await execSsh([...this.baseArgs(), '-O', 'exit', this.dest], 5000);
    this.closed = true;
    rmSync(this.controlDir, { recursive: true, force: true });
  }

  /** One line saying what went wrong with the connection and what to do. */
  private async explain(r: RunOutput): Promise<UserError> {
    const d = this.dest;
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED/.test(r.stderr))
      return new UserError(
        `the host key of ${d} has CHANGED since you last connected (a reinstalled host, or someone in between): leakhound will not connect; check with the host's owner, then fix its line in known_hosts (ssh-keygen -R HOST); nothing was run on ${d}`,
      );
    if (/Host key verification failed|No .* host key is known/.test(r.stderr)) {
      const fp = await this.fingerprint();
      return new UserError(
        `the host key of ${d} is not known${fp ? ` (${fp})` : ''}, and leakhound never accepts one on its own: compare it with the host's own (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run \`ssh ${d}\` once and answer yes, or add it to known_hosts; nothing was run on ${d}`,
      );
    }
    if (/Permission denied/.test(r.stderr))
      return new UserError(
        `${d} refused the login (${lastLine(r.stderr)}): leakhound runs ssh with BatchMode and cannot ask for a password; load your key (ssh-add) or set IdentityFile for this host in ~/.ssh/config`,
      );
    if (/Could not resolve hostname/.test(r.stderr))
      return new UserError(
        `cannot resolve ${d}: ${lastLine(r.stderr)}; check the name or its Host entry in ~/.ssh/config`,
      );
    if (r.code === null)
      return new UserError(`ssh to ${d} did not connect within 30 s: check the host is up and reachable`);
    return new UserError(
      `cannot connect to ${d} over ssh: ${lastLine(r.stderr) || `ssh exited with code ${r.code}`}; try \`ssh ${d} true\` to see why`,
    );
  }

  /**
   * The key the host offered, as `ssh-keygen -l` prints it (type and SHA256). ssh itself logs
   * it before checking it, through any ProxyCommand/ProxyJump (which ssh-keyscan cannot use);
   * the check still refuses, so nothing runs.
   */
  private async fingerprint(): Promise<string | null> {
    const r = await execSsh([...this.baseArgs(false), '-v', this.dest, 'true'], 20_000);
    const m = /Server host key: (\S+) (\S+)/.exec(r.stderr);
    return m ? `${m[1]} ${m[2]}` : null;
  }
}
