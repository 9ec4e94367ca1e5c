// Sign-in: a username and password (POST /v1/session), or an API token.
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api';
import { LanguageSelect } from '../components/LanguageSelect';
import { ErrorMessage, InputField, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { type SignedIn, signInWithPassword, signInWithToken } from '../session';

export function SignInPage({
  onSignedIn,
  notice,
}: {
  readonly onSignedIn: (s: SignedIn) => void;
  readonly notice: 'expired' | 'signed-out' | null;
}) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [which, setWhich] = useState<'password' | 'token' | null>(null);

  const run = async (kind: 'password' | 'token', f: () => Promise<SignedIn>) => {
    setBusy(true);
    setError(undefined);
    setWhich(kind);
    try {
      onSignedIn(await f());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const onPassword = (ev: FormEvent) => {
    ev.preventDefault();
    void run('password', () => signInWithPassword(username.trim(), password));
  };
  const onToken = (ev: FormEvent) => {
    ev.preventDefault();
    void run('token', () => signInWithToken(token.trim()));
  };

  const errorText =
    error instanceof ApiError && error.status === 401
      ? which === 'password'
        ? t('signin.badPassword')
        : t('signin.badToken')
      : null;

  return (
    <div className="app signin">
      <header className="app-header">
        <div className="brand">
          <span className="brand-name">Liaison</span>
        </div>
        <div className="header-tools">
          <LanguageSelect />
        </div>
      </header>
      <main id="main" tabIndex={-1} className="app-main" data-testid="page-signin">
        <PageTitle>{t('signin.title')}</PageTitle>
        {notice === 'expired' ? (
          <p className="note" role="status" data-testid="signin-expired">
            {t('signin.expired')}
          </p>
        ) : notice === 'signed-out' ? (
          <p className="note" role="status">
            {t('signin.signedOut')}
          </p>
        ) : null}
        <div className="signin-forms">
          <form onSubmit={onPassword} className="panel" data-testid="signin-password">
            <h2 id="signin-password-title">{t('signin.withPassword')}</h2>
            <InputField
              id="signin-username"
              label={t('signin.username')}
              name="username"
              autoComplete="username"
              required
              value={username}
              onChange={(e) => setUsername(e.target.value)}
            />
            <InputField
              id="signin-password"
              label={t('signin.password')}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <button type="submit" disabled={busy} data-testid="signin-password-submit">
              {t('signin.submitPassword')}
            </button>
          </form>
          <form onSubmit={onToken} className="panel" data-testid="signin-token">
            <h2 id="signin-token-title">{t('signin.withToken')}</h2>
            <div className="field">
              <label htmlFor="signin-token-input">{t('signin.token')}</label>
              <input
                id="signin-token-input"
                name="token"
                type="password"
                autoComplete="off"
                spellCheck={false}
                required
                value={token}
                onChange={(e) => setToken(e.target.value)}
                aria-describedby="signin-token-help"
              />
              <p id="signin-token-help" className="help">
                {t('signin.tokenHelp')}
              </p>
            </div>
            <button type="submit" disabled={busy} data-testid="signin-token-submit">
              {t('signin.submitToken')}
            </button>
          </form>
        </div>
        {busy ? (
          <p role="status" className="loading">
            {t('signin.busy')}
          </p>
        ) : null}
        {errorText !== null ? (
          <div className="error" role="alert" data-testid="signin-error">
            <p>{errorText}</p>
          </div>
        ) : (
          <ErrorMessage error={error} testId="signin-error" />
        )}
      </main>
    </div>
  );
}
