// The user's own load tool (k6, locust, JMeter, wrk …) as the load phase: leakhound starts
// it against the target, watches memory meanwhile, and stops it when the hunt is done.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { killTree } from '../proc/kill';
import { splitCommand, substitutePort } from '../target/command';

interface TargetLike {
  port: number;
  url: string;
}

export class ExternalLoad {
  exited = false;
  private constructor(private readonly child: ChildProcess) {
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static start(command: string, dir: string, target: TargetLike, log: (m: string) => void): ExternalLoad {
    const argv = splitCommand(command).map((a) =>
      substitutePort(a.split('{url}').join(target.url), target.port),
    );
    const out = createWriteStream(path.join(dir, 'load-command.log'), { flags: 'a' });
    const child = spawn(argv[0], argv.slice(1), {
      env: { ...process.env, PORT: String(target.port), TARGET_URL: target.url },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    // Bounded: a chatty load tool must not fill the disk.
    let written = 0;
    const copy = (d: Buffer) => {
      if (written > 4 * 1024 * 1024) return;
      written += d.length;
      out.write(d);
    };
    child.stdout?.on('data', copy);
    child.stderr?.on('data', copy);
    child.once('error', (e) => log(`the load command could not start: ${e.message}`));
    child.once('exit', (code, signal) => {
      out.end();
      log(`the load command ended (${signal ?? `exit ${code}`}); its output is in load-command.log`);
    });
    log(`started the load command: ${argv.join(' ')}`);
    return new ExternalLoad(child);
  }

  /** Ctrl-C first, as a person would: load tools (wrk, k6, locust) print their summary on SIGINT. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (this.exited || pid === undefined) return;
    try {
      process.kill(-pid, 'SIGINT');
    } catch {
      // already gone
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (!this.exited) await killTree(pid, { graceMs: 2000 });
  }
}
