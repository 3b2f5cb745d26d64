// One suspect as a developer reads it: the owner (class, closure by its source, or collection by
// its holder), who holds it, what it captures and what grew inside it, its own growth per
// interval, up to three ranked retainer paths, and where it was allocated (or why that is unknown).
import type { Suspect } from '../../../shared/result';
import { siteCompiled, siteWhere } from '../../../shared/sites';
import { suspectDetailLines, suspectGrowthText, suspectPaths } from '../../../shared/suspect-text';
import { fmtBytes, fmtDeltaBytes, fmtDeltaInt, fmtInt, fmtNum } from '../lib/format';
import { href } from '../lib/router';

export function RetainerPath({ path, label }: { path: string[]; label?: string }) {
  if (path.length === 0) return <span className="muted">no path recorded</span>;
  return (
    <ol className="path" aria-label={label ?? 'Retainer path from the GC roots'}>
      {path.map((step, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a path can repeat names
        <li key={i}>
          {i > 0 ? (
            <span className="path-arrow" aria-hidden="true">
              →
            </span>
          ) : null}
          <span className={`path-step${i === path.length - 1 ? ' path-end' : ''}`}>{step}</span>
        </li>
      ))}
    </ol>
  );
}

const KIND = { class: 'class', closure: 'closure', collection: 'collection', type: 'type' } as const;

export function SuspectCard({ s, rank, id }: { s: Suspect; rank: number; id: string }) {
  const paths = suspectPaths(s).slice(0, 3);
  const growth = suspectGrowthText(s);
  const details = suspectDetailLines(s);
  // the diff lists classes: a closure or a collection opens on the class inside it
  const diffClass = s.kind === 'class' || !s.kind ? s.name : (s.holds?.[0]?.name ?? s.name);
  return (
    <article className="suspect" data-testid="suspect">
      <header>
        <span className="rank">#{rank}</span>
        {s.kind ? <span className="tag">{KIND[s.kind]}</span> : null}
        <strong className="mono">{s.name}</strong>
        <a className="muted small" href={href({ name: 'run', id, tab: 'diff', cls: diffClass })}>
          open in diff →
        </a>
      </header>
      {details.length || growth ? (
        <ul className="owner small" data-testid="suspect-owner">
          {details.map((l) => (
            <li key={l}>{l}</li>
          ))}
          {growth ? <li>grows {growth}</li> : null}
        </ul>
      ) : null}
      <dl className="kv">
        <dt>Count growth</dt>
        <dd>{fmtDeltaInt(s.countDelta)}</dd>
        <dt>Per request</dt>
        <dd>{fmtNum(s.countPerRequest, 3)}</dd>
        <dt>Self size Δ</dt>
        <dd>{fmtDeltaBytes(s.selfSizeDelta)}</dd>
        <dt>Retained Δ</dt>
        <dd>{fmtDeltaBytes(s.retainedSizeDelta)}</dd>
      </dl>
      {paths.length === 0 ? <RetainerPath path={[]} /> : null}
      {paths.map((p, i) => (
        <div key={p.path.join('\u0000')} data-testid="suspect-path">
          {paths.length > 1 ? (
            <span className="muted small">
              {i === 0 ? 'retained by' : 'also by'}
              {p.count != null ? ` (${fmtInt(p.count)} objects)` : ''}
            </span>
          ) : null}
          <RetainerPath
            path={p.path}
            label={i === 0 ? 'Retainer path from the GC roots' : `Retainer path ${i + 1} from the GC roots`}
          />
        </div>
      ))}
      {s.allocatedAt?.length ? (
        <div className="alloc">
          <span className="muted">Allocated at</span>
          <ul>
            {s.allocatedAt.slice(0, 3).map((a) => (
              <li key={`${a.url}:${a.line}:${a.column}`} className="mono">
                {a.functionName || '(anonymous)'} {siteWhere(a)}
                {siteCompiled(a)} · {fmtBytes(a.bytes)}
              </li>
            ))}
          </ul>
        </div>
      ) : s.siteNote ? (
        <div className="alloc muted small">Allocation site unknown: {s.siteNote}</div>
      ) : null}
      {s.perProcess?.length ? (
        <div className="muted small">
          per process:{' '}
          {s.perProcess
            .map((p) => `pid ${p.pid} ${fmtDeltaInt(p.countDelta)} (${fmtDeltaBytes(p.sizeDelta)})`)
            .join(' · ')}
        </div>
      ) : null}
    </article>
  );
}
