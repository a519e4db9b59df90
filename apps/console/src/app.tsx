import { useEffect, useState } from 'preact/hooks';
import type { KeyIdentity, Scope } from '@app/contracts/types';
import { call, forgetLinkToken } from './api';
import { Loading } from './components/common';
import { Audit } from './pages/audit';
import { Browse } from './pages/browse';
import { Dashboard } from './pages/dashboard';
import { FilePage } from './pages/file';
import { Keys } from './pages/keys';
import { Maintenance } from './pages/maintenance';
import { Search } from './pages/search';
import { SignIn } from './pages/sign-in';
import { href, useLocation } from './router';
import { allows, session } from './session';
import { isLimited, tenantsText } from './tenants';

/** The pages of the navigation, each with the scope it needs (as the server's routes need it). */
const PAGES: Array<{ page: string; label: string; scope: Scope }> = [
  { page: '', label: 'Dashboard', scope: 'read' },
  { page: 'browse', label: 'Browse', scope: 'read' },
  { page: 'search', label: 'Search', scope: 'read' },
  { page: 'keys', label: 'Keys', scope: 'admin' },
  { page: 'maintenance', label: 'Maintenance', scope: 'admin' },
  { page: 'audit', label: 'Audit', scope: 'admin' },
];

function useSession(): KeyIdentity | null {
  const [who, setWho] = useState(session.identity());
  useEffect(() => session.subscribe(() => setWho(session.identity())), []);
  return who;
}

function Shell({ who }: { who: KeyIdentity }) {
  const location = useLocation();
  const section = location.page === 'file' ? 'browse' : location.page;
  const offered = PAGES.filter((p) => allows(p.scope));
  const known = PAGES.find((p) => p.page === section) ?? (location.page === 'file' ? PAGES[1] : undefined);
  let body;
  if (!known) body = <p>No such page.</p>;
  else if (!allows(known.scope)) body = <p role="alert">This key's scopes do not include {known.scope}: this page is not available.</p>;
  else if (location.page === '') body = <Dashboard />;
  else if (location.page === 'browse') body = <Browse query={location.query} />;
  else if (location.page === 'file') body = <FilePage query={location.query} />;
  else if (location.page === 'search') body = <Search query={location.query} />;
  else if (location.page === 'keys') body = <Keys />;
  else if (location.page === 'audit') body = <Audit query={location.query} />;
  else body = <Maintenance />;
  const signOut = () => {
    forgetLinkToken();
    session.signOut();
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('')}>
          Hoard
        </a>
        <nav aria-label="Sections">
          <ul>
            {offered.map((p) => (
              <li key={p.page}>
                <a href={href(p.page)} aria-current={p.page === section ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span title={`Key ${who.id}`}>
            {who.name}{' '}
            <span class="muted">
              ({who.scopes.join(', ')}
              {isLimited(who) ? `; limited to ${tenantsText(who)}` : ''})
            </span>
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {body}
      </main>
    </>
  );
}

/** The console: the sign-in page, or the shell of a signed-in key (asked who it is again after a reload). */
export function App() {
  const who = useSession();
  const [checking, setChecking] = useState(who === null && session.key() !== null);
  useEffect(() => {
    if (!checking) return;
    call<KeyIdentity>('GET', '/keys/me').then(
      (me) => {
        session.restore(me);
        setChecking(false);
      },
      () => setChecking(false),
    );
  }, []);
  if (checking) return <Loading label="Checking the key…" />;
  return who ? <Shell who={who} /> : <SignIn />;
}
