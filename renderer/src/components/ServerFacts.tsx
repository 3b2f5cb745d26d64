// One running server's facts as `leakhound ps` gives them (pid, runtime, ports, memory,
// uptime and workers, command line): the same row on New hunt and on a host's list.
import type { ProcessEntry } from '../../../shared/api';
import { fmtBytes, fmtDuration } from '../lib/format';

export function ServerFacts({ p, portsTestId }: { p: ProcessEntry; portsTestId: string }) {
  const workers = p.children.length;
  return (
    <>
      <span className="num">pid {p.pid}</span>
      <span className={`tag rt-${p.runtime}`}>{p.runtime}</span>
      <span className="mono" data-testid={portsTestId}>
        {p.ports.map((port) => `:${port}`).join(' ')}
      </span>
      <span className="num" title={p.pssBytes === null ? 'RSS' : 'PSS'}>
        {fmtBytes(p.pssBytes ?? p.rssBytes)}
      </span>
      <span className="muted">
        up {fmtDuration(p.uptimeMs)}
        {workers ? ` · ${workers} worker${workers === 1 ? '' : 's'}` : ''}
      </span>
      <span className="mono ellipsis" title={p.command}>
        {p.command}
      </span>
    </>
  );
}
