// Window size/position remembered across launches in userData/window-state.json. The pure
// part decides what to restore, because a saved position can sit on a monitor that is gone.
import fs from 'node:fs';
import path from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

const MIN_W = 640;
const MIN_H = 480;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Whatever is in the file (missing, garbage, half-written) becomes a usable state. */
export function parseWindowState(
  text: string | null,
  defaults: { width: number; height: number },
): WindowState {
  const fallback: WindowState = { width: defaults.width, height: defaults.height, maximized: false };
  if (!text) return fallback;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fallback;
  }
  if (!raw || typeof raw !== 'object') return fallback;
  const r = raw as Record<string, unknown>;
  const state: WindowState = {
    width: finite(r.width) ? Math.max(MIN_W, Math.round(r.width)) : defaults.width,
    height: finite(r.height) ? Math.max(MIN_H, Math.round(r.height)) : defaults.height,
    maximized: r.maximized === true,
  };
  if (finite(r.x) && finite(r.y)) {
    state.x = Math.round(r.x);
    state.y = Math.round(r.y);
  }
  return state;
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Shrinks the window to fit the largest display, and forgets the position unless at least
 * a quarter of the window (title bar included) lands on one of the displays' work areas.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxW = Math.max(...workAreas.map((a) => a.width));
  const maxH = Math.max(...workAreas.map((a) => a.height));
  const out: WindowState = {
    width: Math.min(state.width, maxW),
    height: Math.min(state.height, maxH),
    maximized: state.maximized,
  };
  if (state.x === undefined || state.y === undefined) return out;
  const win = { x: state.x, y: state.y, width: out.width, height: out.height };
  const titleBar = { x: state.x, y: state.y, width: out.width, height: 32 };
  const visible = workAreas.some(
    (a) => overlap(win, a) >= (win.width * win.height) / 4 && overlap(titleBar, a) > 0,
  );
  if (visible) {
    out.x = state.x;
    out.y = state.y;
  }
  return out;
}

export function loadWindowState(file: string, defaults: { width: number; height: number }): WindowState {
  let text: string | null = null;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // first launch
  }
  return parseWindowState(text, defaults);
}

/** Written to a temp file and renamed, so a crash mid-write never leaves half a JSON. */
export function saveWindowState(file: string, state: WindowState): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  fs.renameSync(tmp, file);
}
