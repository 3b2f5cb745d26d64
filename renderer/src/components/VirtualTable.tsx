// A virtualised table: only the rows in view (plus a small overscan) are in the DOM, so
// 100k diff rows scroll like 100. Sorting is the caller's (it owns the data); the table
// reports header clicks and keeps the selection reachable from the keyboard.
import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from 'react';

export interface Column<T> {
  key: string;
  label: string;
  /** CSS grid track, e.g. `minmax(200px, 1fr)` or `90px` */
  width: string;
  align?: 'left' | 'right';
  title?: string;
  render: (row: T) => ReactNode;
}

export interface SortState {
  key: string;
  dir: 'asc' | 'desc';
}

interface Props<T> {
  rows: readonly T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  selected?: string | null;
  onSelect?: (row: T) => void;
  /** Enter or double click */
  onActivate?: (row: T) => void;
  sort?: SortState;
  onSort?: (key: string) => void;
  rowHeight?: number;
  label: string;
  testId?: string;
  rowClass?: (row: T) => string | undefined;
}

const OVERSCAN = 8;

export function VirtualTable<T>(props: Props<T>) {
  const { rows, columns, rowKey, selected, onSelect, onActivate, sort, onSort, label, testId, rowClass } =
    props;
  const rowHeight = props.rowHeight ?? 22;
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewH, setViewH] = useState(400);
  const template = columns.map((c) => c.width).join(' ');

  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setViewH(el.clientHeight));
    ro.observe(el);
    setViewH(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewH) / rowHeight) + OVERSCAN);
  const selectedIndex = selected == null ? -1 : rows.findIndex((r) => rowKey(r) === selected);

  const moveTo = (i: number) => {
    if (rows.length === 0) return;
    const k = Math.max(0, Math.min(rows.length - 1, i));
    onSelect?.(rows[k]);
    const el = body.current;
    if (!el) return;
    const top = k * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight)
      el.scrollTop = top + rowHeight - el.clientHeight;
  };

  const onKey = (e: KeyboardEvent) => {
    const page = Math.max(1, Math.floor(viewH / rowHeight) - 1);
    const moves: Record<string, number> = {
      ArrowDown: selectedIndex + 1,
      ArrowUp: selectedIndex - 1,
      PageDown: selectedIndex + page,
      PageUp: selectedIndex - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (e.key === 'Enter' && selectedIndex >= 0) {
      onActivate?.(rows[selectedIndex]);
      return;
    }
    if (e.key in moves) {
      e.preventDefault();
      moveTo(moves[e.key]);
    }
  };

  // ARIA grid on divs: a virtualised list positions rows absolutely, which <table> rows
  // cannot do. Rows are not tab stops; the grid is, and arrow keys move the selection.
  const visible: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const row = rows[i];
    const key = rowKey(row);
    const isSel = key === selected;
    visible.push(
      // biome-ignore lint/a11y/useSemanticElements: virtualised rows (see above)
      <div
        key={key}
        role="row"
        tabIndex={-1}
        aria-rowindex={i + 2}
        aria-selected={isSel}
        className={`vt-row${isSel ? ' selected' : ''}${i % 2 ? ' odd' : ''} ${rowClass?.(row) ?? ''}`}
        style={{ top: i * rowHeight, height: rowHeight, gridTemplateColumns: template }}
        onMouseDown={() => onSelect?.(row)}
        onDoubleClick={() => onActivate?.(row)}
      >
        {columns.map((c) => (
          // biome-ignore lint/a11y/useSemanticElements: virtualised rows (see above)
          <div
            key={c.key}
            role="gridcell"
            tabIndex={-1}
            className={`vt-cell ${c.align === 'right' ? 'num' : ''}`}
          >
            {c.render(row)}
          </div>
        ))}
      </div>,
    );
  }

  return (
    // biome-ignore lint/a11y/useSemanticElements: virtualised rows (see above)
    <div
      className="vt"
      role="grid"
      tabIndex={0}
      aria-label={label}
      aria-rowcount={rows.length + 1}
      data-testid={testId}
      onKeyDown={onKey}
    >
      {/* biome-ignore lint/a11y/useSemanticElements: virtualised rows (see above) */}
      <div className="vt-head" role="row" tabIndex={-1} style={{ gridTemplateColumns: template }}>
        {columns.map((c) => {
          const active = sort?.key === c.key;
          return (
            // biome-ignore lint/a11y/useSemanticElements: virtualised rows (see above)
            <div
              key={c.key}
              role="columnheader"
              tabIndex={-1}
              aria-sort={active ? (sort?.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
              className="vt-thc"
            >
              <button
                type="button"
                className={`vt-th ${c.align === 'right' ? 'num' : ''}${active ? ' active' : ''}`}
                title={c.title ?? `Sort by ${c.label}`}
                onClick={() => onSort?.(c.key)}
              >
                {c.label}
                {active ? <span className="sort-arrow">{sort?.dir === 'asc' ? '▲' : '▼'}</span> : null}
              </button>
            </div>
          );
        })}
      </div>
      <div ref={body} className="vt-body" onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: rows.length * rowHeight, position: 'relative' }}>{visible}</div>
      </div>
    </div>
  );
}

/** Sort helper for the callers: stable, numbers and strings, nulls last. */
export function sortRows<T>(
  rows: readonly T[],
  sort: SortState,
  value: (row: T, key: string) => unknown,
): T[] {
  const dir = sort.dir === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, v: value(r, sort.key) }))
    .sort((a, b) => {
      if (a.v == null && b.v == null) return a.i - b.i;
      if (a.v == null) return 1;
      if (b.v == null) return -1;
      const c =
        typeof a.v === 'number' && typeof b.v === 'number'
          ? a.v - b.v
          : String(a.v).localeCompare(String(b.v));
      return c === 0 ? a.i - b.i : c * dir;
    })
    .map((x) => x.r);
}

export function nextSort(cur: SortState, key: string, numeric: boolean): SortState {
  if (cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: numeric ? 'desc' : 'asc' };
}
