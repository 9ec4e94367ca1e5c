// The enrolment screen: the node requires a second factor and this account has none,
// so the sign-in gave a token that may only enrol one (GET /v1/me, POST /v1/me/totp,
// POST /v1/me/totp/confirm, DELETE /v1/session). Shown instead of the console's pages;
// once the code is confirmed the node revokes that token and the person signs in again.
import { LanguageSelect } from '../components/LanguageSelect';
import { TotpEnrol } from '../components/TotpEnrol';
import { PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { useSession } from '../session';

export function EnrolPage({ onEnrolled }: { readonly onEnrolled: () => void }) {
  const { t } = useI18n();
  const { session, client, signOut } = useSession();
  return (
    <div className="app signin">
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">Liaison</span>
          <span className="brand-party">{t('shell.node', { party: session.party })}</span>
        </div>
        <div className="header-tools">
          <span className="who" data-testid="session-user">
            {session.user}
          </span>
          <LanguageSelect />
          <button type="button" onClick={signOut} data-testid="sign-out">
            {t('shell.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="app-main" data-testid="page-enrol">
        <PageTitle>{t('enrol.title')}</PageTitle>
        <p className="lead">{t('enrol.lead')}</p>
        <section className="panel" aria-labelledby="enrol-steps">
          <h2 id="enrol-steps">{t('enrol.steps')}</h2>
          <TotpEnrol client={client} user={session.user} onEnrolled={onEnrolled} />
        </section>
      </main>
    </div>
  );
}
