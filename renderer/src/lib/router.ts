// Hash routes, so the bundle works from file:// and from the serve origin alike.
import { useEffect, useState } from 'react';

export type Route =
  | { name: 'new' }
  | { name: 'runs' }
  | { name: 'run'; id: string; tab: 'live' | 'verdict' | 'diff'; cls?: string }
  | { name: 'compare'; a: string; b: string }
  | { name: 'sweeps' }
  | { name: 'sweep'; id: string }
  | { name: 'hosts' };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'runs' && parts[1]) {
    const tab = parts[2] === 'verdict' || parts[2] === 'diff' ? parts[2] : 'live';
    if (tab === 'diff' && parts[3]) return { name: 'run', id: parts[1], tab, cls: parts[3] };
    return { name: 'run', id: parts[1], tab };
  }
  if (parts[0] === 'runs') return { name: 'runs' };
  if (parts[0] === 'sweeps' && parts[1]) return { name: 'sweep', id: parts[1] };
  if (parts[0] === 'sweeps') return { name: 'sweeps' };
  if (parts[0] === 'hosts') return { name: 'hosts' };
  if (parts[0] === 'compare' && parts[1] && parts[2]) return { name: 'compare', a: parts[1], b: parts[2] };
  return { name: 'new' };
}

export function href(r: Route): string {
  switch (r.name) {
    case 'new':
      return '#/new';
    case 'runs':
      return '#/runs';
    case 'run':
      return `#/runs/${encodeURIComponent(r.id)}/${r.tab}${r.cls ? `/${encodeURIComponent(r.cls)}` : ''}`;
    case 'compare':
      return `#/compare/${encodeURIComponent(r.a)}/${encodeURIComponent(r.b)}`;
    case 'sweeps':
      return '#/sweeps';
    case 'sweep':
      return `#/sweeps/${encodeURIComponent(r.id)}`;
    case 'hosts':
      return '#/hosts';
  }
}

export function go(r: Route): void {
  location.hash = href(r);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}
