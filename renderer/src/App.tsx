// The shell: a DevTools-like top bar with the screens, and the current screen below.
import { useEffect, useState } from 'react';
import { href, type Route, useRoute } from './lib/router';
import { type LinkState, onLinkState, transportKind } from './lib/transport';
import { Compare } from './screens/Compare';
import { Hosts } from './screens/Hosts';
import { NewHunt } from './screens/NewHunt';
import { Runs } from './screens/Runs';
import { RunView } from './screens/RunView';
import { Sweeps } from './screens/Sweeps';
import { SweepView } from './screens/SweepView';

function NavLink({ to, current, children }: { to: Route; current: Route; children: string }) {
  const active =
    to.name === current.name ||
    (to.name === 'runs' && current.name === 'compare') ||
    (to.name === 'sweeps' && current.name === 'sweep');
  return (
    <a
      href={href(to)}
      className={`nav-link${active ? ' active' : ''}`}
      aria-current={active ? 'page' : undefined}
    >
      {children}
    </a>
  );
}

export function App() {
  const route = useRoute();
  const [link, setLink] = useState<LinkState>('open');
  useEffect(() => onLinkState(setLink), []);

  return (
    <div className="app">
      <header className="topbar">
        <a className="brand" href="#/new" aria-label="leakhound home">
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d="M2 12 L5 7 L8 9 L11 4 L14 6" fill="none" stroke="currentColor" strokeWidth="1.8" />
            <circle cx="11" cy="4" r="1.6" fill="currentColor" />
          </svg>
          leakhound
        </a>
        <nav className="nav" aria-label="Screens">
          <NavLink to={{ name: 'new' }} current={route}>
            New hunt
          </NavLink>
          <NavLink to={{ name: 'runs' }} current={route}>
            Runs
          </NavLink>
          <NavLink to={{ name: 'sweeps' }} current={route}>
            Sweeps
          </NavLink>
          <NavLink to={{ name: 'hosts' }} current={route}>
            Hosts
          </NavLink>
          {route.name === 'run' ? (
            <a className="nav-link active" href={href(route)} aria-current="page">
              Run {route.id}
            </a>
          ) : null}
        </nav>
        <div className="topbar-right">
          {transportKind === 'http' && link !== 'open' ? (
            <span className="link-state" role="status">
              {link === 'connecting'
                ? 'connecting to leakhound serve…'
                : 'live updates disconnected, retrying…'}
            </span>
          ) : null}
        </div>
      </header>
      <main className="main">
        {route.name === 'new' ? <NewHunt /> : null}
        {route.name === 'runs' ? <Runs /> : null}
        {route.name === 'run' ? (
          <RunView key={route.id} id={route.id} tab={route.tab} cls={route.cls} />
        ) : null}
        {route.name === 'compare' ? <Compare a={route.a} b={route.b} /> : null}
        {route.name === 'sweeps' ? <Sweeps /> : null}
        {route.name === 'sweep' ? <SweepView key={route.id} id={route.id} /> : null}
        {route.name === 'hosts' ? <Hosts /> : null}
      </main>
    </div>
  );
}
