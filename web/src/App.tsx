// The console: sign-in, then the shell (skip link, header, navigation, the FLASH
// banner) around the page the URL's fragment names.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AlertsProvider, useAlerts } from './alerts';
import { ApiError, createClient } from './api';
import { FlashBanner } from './components/FlashBanner';
import { LanguageSelect } from './components/LanguageSelect';
import { SetupBanner } from './components/SetupBanner';
import { SyncBanner } from './components/SyncBanner';
import { useI18n } from './i18n';
import { mayOpen, PAGES, type PageDef } from './nav';
import { AccountPage } from './pages/AccountPage';
import { AgreementPage } from './pages/AgreementPage';
import { AgreementsPage } from './pages/AgreementsPage';
import { AlertsPage } from './pages/AlertsPage';
import { AuditPage } from './pages/AuditPage';
import { ConsentsPage } from './pages/ConsentsPage';
import { EnrolPage } from './pages/EnrolPage';
import { InboxPage } from './pages/InboxPage';
import { ItemPage } from './pages/ItemPage';
import { ItemsPage } from './pages/ItemsPage';
import { NotAllowedPage, NotFoundPage } from './pages/NotFoundPage';
import { OutboxPage } from './pages/OutboxPage';
import { OverviewPage } from './pages/OverviewPage';
import { PeoplePage } from './pages/PeoplePage';
import { type SignInNotice, SignInPage } from './pages/SignInPage';
import { SimulatorPage } from './pages/SimulatorPage';
import { href, type Route, useRoute } from './router';
import {
  loadStoredSession,
  refreshSession,
  revokeSession,
  SessionContext,
  type SessionContextValue,
  type SignedIn,
  storeSession,
  useSession,
} from './session';

export function App() {
  const [session, setSession] = useState<SignedIn | null>(loadStoredSession);
  const [notice, setNotice] = useState<SignInNotice | null>(null);
  // The token GET /v1/me was last asked about: a fresh sign-in has just asked.
  const checked = useRef<string | null>(null);
  // Signed in with the form on this page (rather than a session the tab already had).
  const [signedInHere, setSignedInHere] = useState(false);

  const end = useCallback((why: SignInNotice) => {
    storeSession(null);
    setSession(null);
    setNotice(why);
  }, []);

  // Signing out revokes a password session's token at the node (DELETE /v1/session,
  // a failure ignored) before the console forgets it. A token pasted at sign-in is
  // an API token the admin issued (scripts may use it too): it is only forgotten.
  const signOut = useCallback(
    async (s: SignedIn) => {
      if (s.via === 'password') await revokeSession(s.token);
      end('signed-out');
    },
    [end],
  );

  const signIn = useCallback((s: SignedIn) => {
    checked.current = s.token;
    storeSession(s);
    setNotice(null);
    setSignedInHere(true);
    setSession(s);
  }, []);

  // A stored session is checked again (roles may have changed, the token may be revoked).
  const token = session?.token;
  // biome-ignore lint/correctness/useExhaustiveDependencies: checked once per token
  useEffect(() => {
    if (session === null || checked.current === session.token) return;
    let live = true;
    refreshSession(session).then(
      (s) => {
        if (!live) return;
        checked.current = s.token;
        storeSession(s);
        setSession(s);
      },
      (e: unknown) => {
        if (live && e instanceof ApiError && e.status === 401) end('expired');
      },
    );
    return () => {
      live = false;
    };
  }, [token]);

  // A session with an expiry ends then.
  useEffect(() => {
    if (session?.expiresAt == null) return;
    const ms = Date.parse(session.expiresAt) - Date.now();
    if (Number.isNaN(ms)) return;
    const id = window.setTimeout(() => end('expired'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => window.clearTimeout(id);
  }, [session?.expiresAt, end]);

  // One client per token: a refreshed session (same token) keeps it, and the alert
  // stream that depends on it stays open.
  const client = useMemo(
    () => (token === undefined ? null : createClient(token, () => end('expired'))),
    [token, end],
  );
  // GET /v1/me again, after a change of one's own account (a second factor enrolled).
  const refresh = useCallback(async () => {
    if (session === null) return;
    try {
      const s = await refreshSession(session);
      storeSession(s);
      setSession(s);
    } catch {
      // The next check (or a 401) says more.
    }
  }, [session]);
  const ctx = useMemo<SessionContextValue | null>(
    () =>
      session === null || client === null
        ? null
        : { session, client, signOut: () => void signOut(session), refresh },
    [session, client, signOut, refresh],
  );

  if (ctx === null) return <SignInPage onSignedIn={signIn} notice={notice} />;
  // A token that may only enrol a second factor: the enrolment screen, nothing else.
  // Confirming revokes that token at the node; the person signs in again with a code.
  if (ctx.session.enrolRequired)
    return (
      <SessionContext.Provider value={ctx}>
        <EnrolPage
          onEnrolled={() => {
            storeSession(null);
            setSession(null);
            setNotice('enrolled');
          }}
        />
      </SessionContext.Provider>
    );
  return (
    <SessionContext.Provider value={ctx}>
      <AlertsProvider>
        <Shell focusTitle={signedInHere} />
      </AlertsProvider>
    </SessionContext.Provider>
  );
}

function pageFor(route: Route): PageDef | undefined {
  const first = route.segments[0] ?? '';
  return PAGES.find((p) => p.segment === first);
}

function Shell({ focusTitle }: { readonly focusTitle: boolean }) {
  const { t } = useI18n();
  const { session, signOut } = useSession();
  const route = useRoute();
  const page = pageFor(route);
  const visible = PAGES.filter((p) => p.inNav !== false && mayOpen(p, session.roles));

  // After navigation (and after signing in), focus moves to the new page's heading.
  // A page that has just loaded keeps the browser's focus at the top of the document,
  // so the first Tab reaches the skip link.
  const focusedFor = useRef<string | null>(focusTitle ? null : route.path);
  useEffect(() => {
    if (focusedFor.current === route.path) return;
    focusedFor.current = route.path;
    const h = document.getElementById('page-title');
    if (h !== null && document.activeElement !== h) h.focus({ preventScroll: false });
  }, [route.path]);

  return (
    <div className="app">
      {/* biome-ignore lint/a11y/useValidAnchor: a real link to #main; the fragment also carries the route, so focus moves without changing it */}
      <a className="skip-link" href="#main" onClick={skipToMain}>
        {t('shell.skip')}
      </a>
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">Liaison</span>
          <span className="brand-party" data-testid="session-party">
            {t('shell.node', { party: session.party })}
          </span>
        </div>
        <div className="header-tools">
          <span className="who" data-testid="session-user">
            <a
              href={href('account')}
              className="who-link"
              aria-current={page?.id === 'account' ? 'page' : undefined}
              data-testid="account-link"
            >
              {session.user}
              <span className="visually-hidden"> {t('shell.accountLink')}</span>
            </a>
            <span className="who-roles">
              {' '}
              · {session.roles.map((r) => t(`role.${r}`)).join(', ')}
            </span>
          </span>
          <LanguageSelect />
          <MuteToggle />
          <button type="button" onClick={signOut} data-testid="sign-out">
            {t('shell.signOut')}
          </button>
        </div>
      </header>
      <nav aria-label={t('shell.navLabel')} className="app-nav" data-testid="nav">
        <ul>
          {visible.map((p) => {
            const current = page?.id === p.id;
            return (
              <li key={p.id}>
                <a
                  href={p.segment === '' ? '#/' : href(p.segment)}
                  aria-current={current ? 'page' : undefined}
                  data-testid={`nav-${p.id}`}
                >
                  {t(p.label)}
                  {p.id === 'alerts' ? <AwaitingCount /> : null}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <SetupBanner />
      <SyncBanner />
      <FlashBanner />
      <main id="main" tabIndex={-1} className="app-main">
        <PageSwitch route={route} page={page} />
      </main>
      <footer className="app-footer">
        <p>{t('shell.footer')}</p>
      </footer>
    </div>
  );
}

function skipToMain(ev: React.MouseEvent<HTMLAnchorElement>) {
  // The fragment is the router's: move focus without changing it.
  ev.preventDefault();
  const target = document.getElementById('page-title') ?? document.getElementById('main');
  target?.focus();
}

function AwaitingCount() {
  const { t } = useI18n();
  const { awaiting, enabled } = useAlerts();
  if (!enabled || awaiting.length === 0) return null;
  return (
    <span className="count" data-testid="nav-awaiting-count">
      {' '}
      <span aria-hidden="true">{awaiting.length}</span>
      <span className="visually-hidden">{t('nav.awaitingCount', { n: awaiting.length })}</span>
    </span>
  );
}

function MuteToggle() {
  const { t } = useI18n();
  const { enabled, muted, setMuted } = useAlerts();
  if (!enabled) return null;
  return (
    <button
      type="button"
      aria-pressed={muted}
      onClick={() => setMuted(!muted)}
      data-testid="mute-toggle"
      className="mute"
    >
      {t('shell.mute')}
    </button>
  );
}

function PageSwitch({
  route,
  page,
}: {
  readonly route: Route;
  readonly page: PageDef | undefined;
}) {
  const { session } = useSession();
  if (page === undefined) return <NotFoundPage />;
  if (!mayOpen(page, session.roles)) return <NotAllowedPage page={page} />;
  const id = route.segments[1];
  if (route.segments.length > 2) return <NotFoundPage />;
  switch (page.id) {
    case 'overview':
      return route.segments.length === 0 ? <OverviewPage /> : <NotFoundPage />;
    case 'agreements':
      return id === undefined ? <AgreementsPage /> : <AgreementPage id={id} />;
    case 'alerts':
      return <AlertsPage selected={id ?? null} />;
    case 'inbox':
      return id === undefined ? <InboxPage /> : <NotFoundPage />;
    case 'outbox':
      return id === undefined ? <OutboxPage /> : <NotFoundPage />;
    case 'items':
      return id === undefined ? <ItemsPage /> : <ItemPage id={id} />;
    case 'consents':
      return id === undefined ? <ConsentsPage /> : <NotFoundPage />;
    case 'audit':
      return id === undefined ? <AuditPage /> : <NotFoundPage />;
    case 'people':
      return id === undefined ? <PeoplePage /> : <NotFoundPage />;
    case 'simulator':
      return id === undefined ? <SimulatorPage /> : <NotFoundPage />;
    case 'account':
      return id === undefined ? <AccountPage /> : <NotFoundPage />;
  }
}
