// What the remote side needs of a way into another machine, and the one place that picks it.
// Everything above this (the helper, the Node inspector, the Python agents' relay, sampling,
// ps, fleets) is written against RemoteTransport alone; OpenSSH (ssh.ts) is the one there is.
// Another (Kubernetes: `kubectl exec -i` for spawn/run, `kubectl port-forward` for forward;
// docs/remote.md) is one new module implementing this interface and one line in openTransport.
import type { ChildProcess } from 'node:child_process';
import { SshLink, type SshOptions } from './ssh';

export interface TransportOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RemoteTransport {
  /** the destination as the user named it (`ops@web-3`, an alias): shown in every message */
  readonly dest: string;
  /** recorded in result.json (`target.remote.transport`) */
  readonly kind: 'ssh';
  /** One command line run by the host's shell, to its end. Never throws for a non-zero exit. */
  run(command: string, timeoutMs?: number): Promise<TransportOutput>;
  /**
   * A long-lived command line on the host with stdin/stdout/stderr piped (the helper). Its
   * stdout ending without our asking is how a lost link is noticed; closing its stdin must
   * end what runs on the host (the helper exits when its stdin closes).
   */
  spawn(command: string): ChildProcess;
  /** A free 127.0.0.1 port here, forwarded to 127.0.0.1:remotePort as the host (or pod) sees it. */
  forward(remotePort: number): Promise<number>;
  cancelForward(localPort: number, remotePort: number): Promise<void>;
  /** The connection is still up. */
  alive(): Promise<boolean>;
  /** Ends the connection and removes what was kept here for it. Idempotent. */
  close(): Promise<void>;
}

export type TransportOptions = SshOptions;

/**
 * Connects to `dest`, or fails with one line saying why and what to do (a UserError). The
 * only place that knows which transports exist.
 */
export function openTransport(dest: string, opts: TransportOptions = {}): Promise<RemoteTransport> {
  return SshLink.open(dest, opts);
}
