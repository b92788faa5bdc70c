import { useEffect, useRef, useState } from 'react';
import { ApiError, get, onUnauthorized } from './api.ts';
import { messageOf } from './api-error.ts';
import { ApprovalsPage } from './approvals-page.tsx';
import { ComponentsPage } from './components-page.tsx';
import { FleetPage } from './fleet-page.tsx';
import { HistoryPage } from './history-page.tsx';
import { LoginPage } from './login-page.tsx';
import { navigate, usePath } from './router.ts';
import { RolloutsPage } from './rollouts-page.tsx';
import { session } from './session.ts';
import type { Me } from './types.ts';
import { ErrorBox, Link } from './widgets.tsx';

const PAGES = [
  { path: '/fleet', title: 'Fleet' },
  { path: '/components', title: 'Components' },
  { path: '/approvals', title: 'Approvals' },
  { path: '/rollouts', title: 'Rollouts' },
  { path: '/history', title: 'History' },
] as const;

function Page({ path, me }: { path: string; me: Me }) {
  const [, section, param] = path.split('/').map((part) => decodeURIComponent(part));
  switch (section ?? '') {
    case 'components':
      return <ComponentsPage name={param === '' ? undefined : param} />;
    case 'approvals':
      return <ApprovalsPage me={me} />;
    case 'rollouts':
      return <RolloutsPage me={me} id={param === '' ? undefined : param} />;
    case 'history':
      return <HistoryPage />;
    default:
      return <FleetPage />;
  }
}

export function App() {
  const path = usePath();
  // undefined: asking the server whether the session cookie (if any) is still good.
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const loggedIn = useRef(false);
  useEffect(() => {
    loggedIn.current = me !== null && me !== undefined;
  }, [me]);
  useEffect(
    () =>
      onUnauthorized(() => {
        // A 401 before logging in only means there is no session yet.
        if (!loggedIn.current) return;
        setMe(null);
        setError('the server ended the session (401); log in again');
      }),
    [],
  );
  useEffect(() => {
    if (me !== undefined) return;
    get<Me>('/api/me').then(setMe, (failure: unknown) => {
      setMe(null);
      if (!(failure instanceof ApiError && failure.status === 401)) setError(messageOf(failure));
    });
  }, [me]);
  const logOut = (): void => {
    session.logOut().then(
      () => {
        setError(undefined);
        setMe(null);
        navigate('/login');
      },
      (failure: unknown) => {
        // A 401 means the session was over anyway: the listener above has gone to the login page.
        if (!(failure instanceof ApiError && failure.status === 401)) setError(messageOf(failure));
      },
    );
  };
  if (me === undefined) return <p className="muted">Loading…</p>;
  if (me === null) {
    return (
      <>
        <LoginPage
          onLogin={(who) => {
            setError(undefined);
            setMe(who);
            if (path === '/' || path === '/login') navigate('/fleet');
          }}
        />
        <ErrorBox error={error} />
      </>
    );
  }
  return (
    <div className="shell">
      <header className="top">
        <strong className="brand">Upkeep</strong>
        <nav>
          {PAGES.map((page) => (
            <Link
              key={page.path}
              to={page.path}
              className={
                path.startsWith(page.path) || (path === '/' && page.path === '/fleet') ? 'active' : ''
              }
            >
              {page.title}
            </Link>
          ))}
        </nav>
        <span className="who" data-testid="who">
          {me.name} <span className="role">{me.role}</span>
        </span>
        <button type="button" onClick={logOut}>
          Log out
        </button>
      </header>
      <ErrorBox error={error} />
      <main className="content">
        <Page path={path} me={me} />
      </main>
    </div>
  );
}
