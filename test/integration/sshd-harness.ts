// A real OpenSSH server for the remote-host tests, with a throwaway host key and an
// authorized key, inside its own network namespace (loopback up): what is started through it
// listens where only SSH reaches. The client reaches it by a ProxyCommand that enters that
// namespace, configured in a test-only ssh config (`-F`), so the user's ~/.ssh is untouched.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpDir } from '../helpers/cli';

export interface TestSshd {
  pid: number;
  dir: string;
  /** the Host entries alone, to join several servers in one config */
  entries: string;
  name: string;
  /** `ssh -F` file: Host NAME (key known), Host NAME-unknown (empty known_hosts) */
  config: string;
  home: string;
  child: ChildProcess;
  /** what sshd logged so far (-e: to stderr) */
  log(): string;
  /** runs a command on the "remote" host through ssh (no multiplexing) */
  ssh(command: string, timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** kills sshd and every session process it forked (the test started them all) */
  killAll(): void;
}

const run = (cmd: string, args: string[], timeoutMs = 30_000) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) =>
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
        stdout: String(stdout),
        stderr: String(stderr),
      }),
    );
  });

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function treeOf(pid: number): number[] {
  const out: number[] = [];
  const q = [pid];
  while (q.length) {
    const p = q.shift() as number;
    for (const c of childrenOf(p)) {
      out.push(c);
      q.push(c);
    }
  }
  return out;
}

/**
 * A /tmp of the host's own (in its mount namespace), with this server's folder still at its
 * path inside it: two hosts' helpers and agents (sockets named by pid, and both namespaces
 * count pids from 1) must not meet in one /tmp.
 */
function privateTmp(dir: string): string {
  const t = path.join(dir, 'host-tmp');
  // the fixtures too, when the checkout itself is under /tmp (a clean clone's CI run)
  const repo = path.resolve(__dirname, '../..');
  const keep = [dir, repo]
    .map((d) => [d, path.relative('/tmp', d)] as const)
    .filter(([, rel]) => !rel.startsWith('..') && rel !== '')
    .map(([d, rel]) => `mkdir -p ${t}/${rel} && mount --bind ${d} ${t}/${rel} && `)
    .join('');
  return `mkdir -p ${t} && chmod 1777 ${t} && ${keep}mount --rbind ${t} /tmp && `;
}

/**
 * `ownPids`: the host also gets its own pid namespace, /proc and /tmp, as a separate machine
 * has, so two hosts running the same service do not see each other's processes (an
 * --attach-match would otherwise find both) or sockets. Pids from startOnHost are then the host's own, not ours: end
 * what runs there with killAll (sshd is the namespace's init; everything in it dies with it).
 */
export async function startSshd(name = 'lhtest', opts: { ownPids?: boolean } = {}): Promise<TestSshd> {
  const dir = tmpDir('lh-sshd-');
  const home = path.join(dir, 'home');
  mkdirSync(home, { mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  for (const k of ['host_key', 'client_key'])
    await run('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      `leakhound-test-${k}`,
      '-f',
      path.join(dir, k),
    ]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')), {
    mode: 0o600,
  });
  const sshdConfig = path.join(dir, 'sshd_config');
  writeFileSync(
    sshdConfig,
    [
      'ListenAddress 127.0.0.1',
      'Port 22',
      `HostKey ${dir}/host_key`,
      'PidFile none',
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      'StrictModes no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding local',
      'X11Forwarding no',
      'PrintMotd no',
      'LogLevel INFO',
      '',
    ].join('\n'),
  );
  const child = spawn(
    'unshare',
    [
      '--net',
      ...(opts.ownPids ? ['--pid', '--fork', '--mount-proc'] : []),
      'sh',
      '-c',
      `ip link set lo up && ${opts.ownPids ? privateTmp(dir) : ''}exec /usr/sbin/sshd -D -e -f ${sshdConfig}`,
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`sshd did not start: ${log}`)), 10_000);
    child.stderr?.on('data', (d) => {
      log += d;
      if (/Server listening on 127\.0\.0\.1 port 22/.test(log)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.on('exit', () => reject(new Error(`sshd exited: ${log}`)));
  });

  // unshare and sh exec'd into sshd: the same pid, in the namespace (with ownPids, unshare
  // forked sshd as the namespace's init, and unshare itself is in the network namespace)
  const pid = child.pid as number;
  const proxy = path.join(dir, 'proxy.js');
  writeFileSync(
    proxy,
    "const s = require('net').connect(Number(process.argv[3]), process.argv[2]); process.stdin.pipe(s); s.pipe(process.stdout); s.on('close', () => process.exit(0)); s.on('error', () => process.exit(1));\n",
  );
  const hostPub = readFileSync(path.join(dir, 'host_key.pub'), 'utf8')
    .trim()
    .split(' ')
    .slice(0, 2)
    .join(' ');
  writeFileSync(path.join(dir, 'known_hosts'), `${name} ${hostPub}\n`);
  writeFileSync(path.join(dir, 'empty_known_hosts'), '');
  const common = [
    '  HostName 127.0.0.1',
    '  Port 22',
    '  User root',
    `  IdentityFile ${dir}/client_key`,
    '  IdentitiesOnly yes',
    '  GlobalKnownHostsFile /dev/null',
    `  ProxyCommand nsenter --net=/proc/${pid}/ns/net ${process.execPath} ${proxy} %h %p`,
    '  LogLevel ERROR',
  ];
  const config = path.join(dir, 'ssh_config');
  const entries = [
    `Host ${name}`,
    `  HostKeyAlias ${name}`,
    `  UserKnownHostsFile ${dir}/known_hosts`,
    ...common,
    `Host ${name}-unknown`,
    `  HostKeyAlias ${name}-unknown`,
    `  UserKnownHostsFile ${dir}/empty_known_hosts`,
    ...common,
    '',
  ].join('\n');
  writeFileSync(config, entries);
  return {
    pid,
    dir,
    config,
    entries,
    name,
    home,
    child,
    log: () => log,
    ssh: (command, timeoutMs = 30_000) =>
      run('ssh', ['-F', config, '-o', 'BatchMode=yes', name, command], timeoutMs),
    killAll() {
      // sshd's own processes only (listener, sessions): what the sessions run is left to notice
      for (const p of [pid, ...treeOf(pid)].reverse()) {
        let comm = '';
        try {
          comm = readFileSync(`/proc/${p}/comm`, 'utf8').trim();
        } catch {
          continue;
        }
        if (comm !== 'sshd') continue;
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/**
 * Starts a server on the "remote" host through ssh, detached from the session; returns its
 * pid (in our pid namespace: only the network is separate) once `port` accepts there.
 */
export async function startOnHost(
  sshd: TestSshd,
  cwd: string,
  commandLine: string,
  port: number,
  env: Record<string, string> = {},
): Promise<number> {
  const envs = Object.entries({ PORT: String(port), ...env })
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  const r = await sshd.ssh(
    `cd '${cwd}' || exit 1; ${envs} nohup ${commandLine} > '${sshd.dir}/target-${port}.log' 2>&1 < /dev/null & echo $!`,
  );
  const pid = Number(r.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0)
    throw new Error(`could not start ${commandLine} on the host: ${r.stderr}`);
  const wait = await sshd.ssh(
    `for i in $(seq 200); do /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 1)" 2>/dev/null && exit 0; sleep 0.1; done; exit 1`,
  );
  if (wait.code !== 0)
    throw new Error(
      `${commandLine} did not listen on the host's port ${port}: ${readFileSync(`${sshd.dir}/target-${port}.log`, 'utf8')}`,
    );
  return pid;
}
