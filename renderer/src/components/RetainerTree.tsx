// Retainers of one object, expandable level by level towards the GC roots, like the
// DevTools Retainers pane. Each level is one analysis.retainers call, answered by the
// worker that holds the snapshot. Weak edges are marked; they do not keep anything alive.
import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import type { RetainerNode } from '../../../shared/api';
import { fmtBytes } from '../lib/format';
import { call } from '../lib/transport';

interface Level {
  loading: boolean;
  error?: string;
  items?: RetainerNode[];
}

interface Props {
  runId: string;
  snapshot: number;
  root: RetainerNode;
  /** show string contents instead of length + hash */
  reveal: boolean;
}

const isRoot = (n: RetainerNode) =>
  n.distance <= 0 || /^\((GC roots|Global handles|Strong roots)\)/.test(n.name);

export function RetainerTree({ runId, snapshot, root, reveal }: Props) {
  const [levels, setLevels] = useState<Map<string, Level>>(new Map());
  const [open, setOpen] = useState<Set<string>>(new Set());
  const levelsRef = useRef(levels);
  levelsRef.current = levels;

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new root or snapshot starts a fresh tree
  useEffect(() => {
    setLevels(new Map());
    setOpen(new Set());
  }, [root.nodeId, snapshot, reveal]);

  const fetchLevel = useCallback(
    async (key: string, nodeId: number): Promise<RetainerNode[]> => {
      const have = levelsRef.current.get(key);
      if (have?.items) return have.items;
      setLevels((m) => new Map(m).set(key, { loading: true }));
      try {
        const items = await call('analysis.retainers', {
          id: runId,
          snapshot,
          nodeId,
          revealStrings: reveal,
        });
        setLevels((m) => new Map(m).set(key, { loading: false, items }));
        levelsRef.current = new Map(levelsRef.current).set(key, { loading: false, items });
        return items;
      } catch (e) {
        setLevels((m) => new Map(m).set(key, { loading: false, error: (e as Error).message }));
        return [];
      }
    },
    [runId, snapshot, reveal],
  );

  const toggle = (key: string, nodeId: number) => {
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(key)) n.delete(key);
      else n.add(key);
      return n;
    });
    void fetchLevel(key, nodeId);
  };

  /** Follow the strongest, closest retainer at each level until a GC root. */
  const expandToRoot = async () => {
    let key = String(root.nodeId);
    let nodeId = root.nodeId;
    const opened = new Set(open);
    for (let depth = 0; depth < 40; depth++) {
      opened.add(key);
      setOpen(new Set(opened));
      const items = await fetchLevel(key, nodeId);
      const next = items
        .filter((r) => !r.weak)
        .sort((a, b) => a.distance - b.distance)
        .at(0);
      if (!next || isRoot(next)) break;
      key = `${key}/${next.nodeId}`;
      nodeId = next.nodeId;
    }
  };

  const render = (node: RetainerNode, key: string, depth: number, isTop: boolean): ReactNode => {
    const expanded = open.has(key);
    const level = levels.get(key);
    const cyclic = key.split('/').slice(0, -1).includes(String(node.nodeId));
    return (
      <li key={key}>
        <div className={`rt-row${node.weak ? ' weak' : ''}`} style={{ paddingLeft: depth * 16 + 4 }}>
          <button
            type="button"
            className="rt-toggle"
            aria-label={expanded ? 'Collapse' : 'Expand retainers'}
            aria-expanded={expanded}
            onClick={() => toggle(key, node.nodeId)}
            disabled={cyclic || (isRoot(node) && !isTop)}
          >
            {cyclic || (isRoot(node) && !isTop) ? '·' : expanded ? '▾' : '▸'}
          </button>
          {isTop ? (
            <span className="rt-name mono">{node.name}</span>
          ) : (
            <span className="rt-name mono">
              <span className="rt-edge">{node.edge}</span>
              <span className="muted"> in </span>
              {node.name}
            </span>
          )}
          <span className="rt-id muted">@{node.nodeId}</span>
          {node.weak ? <span className="tag weak-tag">weak</span> : null}
          {cyclic ? <span className="tag">cycle</span> : null}
          <span className="rt-num muted" title="distance from the GC roots">
            d{node.distance}
          </span>
          <span className="rt-num" title="self size">
            {fmtBytes(node.selfSize)}
          </span>
          <span className="rt-num" title="retained size">
            {fmtBytes(node.retainedSize)}
          </span>
        </div>
        {expanded ? (
          <ul>
            {level?.loading ? (
              <li className="muted rt-note" style={{ paddingLeft: depth * 16 + 40 }}>
                loading retainers…
              </li>
            ) : null}
            {level?.error ? (
              <li className="rt-note error" style={{ paddingLeft: depth * 16 + 40 }}>
                {level.error}
              </li>
            ) : null}
            {level?.items?.length === 0 ? (
              <li className="muted rt-note" style={{ paddingLeft: depth * 16 + 40 }}>
                no retainers (a root)
              </li>
            ) : null}
            {level?.items?.map((r, i) =>
              render(r, `${key}/${r.nodeId}${i > 0 ? `#${i}` : ''}`, depth + 1, false),
            )}
          </ul>
        ) : null}
      </li>
    );
  };

  return (
    <div className="retainers" data-testid="retainer-tree">
      <div className="toolbar">
        <strong>Retainers</strong>
        <button type="button" onClick={expandToRoot}>
          Expand path to GC root
        </button>
        <span className="muted small">
          {reveal
            ? 'string contents shown'
            : 'strings shown as length + hash; tick “reveal strings” to see them'}
        </span>
      </div>
      <ul aria-label="Retainer tree" className="rt">
        {render(root, String(root.nodeId), 0, true)}
      </ul>
    </div>
  );
}
