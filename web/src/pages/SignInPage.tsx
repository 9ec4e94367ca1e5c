// Sign-in: a username and password (POST /v1/session), with the one-time code when
// the account has a second factor (the node answers `totp-required` to ask for it), or
// an API token. Too many attempts: the node says when to try again (429, Retry-After).
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import { LanguageSelect } from '../components/LanguageSelect';
import { ErrorMessage, InputField, PageTitle } from '../components/ui';
import { useI18n } from '../i18n';
import { type SignedIn, signInWithPassword, signInWithToken } from '../session';

/** Why the sign-in page shows: the session ended, the person signed out, or enrolled a second factor. */
export type SignInNotice = 'expired' | 'signed-out' | 'enrolled';

export function SignInPage({
  onSignedIn,
  notice,
}: {
  readonly onSignedIn: (s: SignedIn) => void;
  readonly notice: SignInNotice | null;
}) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  // The node asked for the one-time code (the password was right).
  const [needCode, setNeedCode] = useState(false);
  const [code, setCode] = useState('');
  const codeInput = useRef<HTMLInputElement>(null);
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
      if (kind === 'password' && e instanceof ApiError && e.code === 'totp-required') {
        setNeedCode(true);
        setError(undefined);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (needCode) codeInput.current?.focus();
  }, [needCode]);

  const onPassword = (ev: FormEvent) => {
    ev.preventDefault();
    const c = needCode ? code.replace(/\s+/g, '') : undefined;
    void run('password', () => signInWithPassword(username.trim(), password, c));
  };
  const onToken = (ev: FormEvent) => {
    ev.preventDefault();
    void run('token', () => signInWithToken(token.trim()));
  };

  const errorText =
    error instanceof ApiError && error.status === 429
      ? error.retryAfter === null
        ? t('signin.tooManyLater')
        : t('signin.tooMany', { seconds: error.retryAfter })
      : error instanceof ApiError && error.status === 401
        ? which === 'password'
          ? needCode
            ? t('signin.badCode')
            : t('signin.badPassword')
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
        ) : notice === 'enrolled' ? (
          <p className="success" role="status" data-testid="signin-enrolled">
            {t('signin.enrolled')}
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
            {needCode ? (
              <div className="field" data-testid="signin-code-field">
                <label htmlFor="signin-code">{t('signin.code')}</label>
                <input
                  ref={codeInput}
                  id="signin-code"
                  name="one-time-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]{6,7}"
                  maxLength={7}
                  size={8}
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  aria-describedby="signin-code-help"
                />
                <p id="signin-code-help" className="help" role="status">
                  {t('signin.codeHelp')}
                </p>
              </div>
            ) : null}
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
