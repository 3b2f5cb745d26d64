// Screens main can send the renderer to (menu actions, opened files). Same hash routes as
// renderer/src/lib/router.ts; main switches screens by setting location.hash.
export type ShellRoute =
  | { name: 'new' }
  | { name: 'runs' }
  | { name: 'run'; id: string; tab: 'live' | 'verdict' | 'diff' };

export function routeHash(r: ShellRoute): string {
  if (r.name === 'new') return '#/new';
  if (r.name === 'runs') return '#/runs';
  return `#/runs/${encodeURIComponent(r.id)}/${r.tab}`;
}

/** A script that only sets the hash: the value goes through JSON.stringify, never spliced raw. */
export function navigateScript(r: ShellRoute): string {
  return `location.hash = ${JSON.stringify(routeHash(r))};`;
}
