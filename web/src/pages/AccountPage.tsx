// The signed-in person's own account: who they are here, a new password (with the
// current one: PUT /v1/users/{you}/password; the other sessions end), and a second
// factor (TOTP) to enrol when they have none.
import { type FormEvent, useState } from 'react';
import { ApiError, enc } from '../api';
import { markingText } from '../components/Marking';
import { TotpEnrol } from '../components/TotpEnrol';
import { ErrorMessage, InputField, PageTitle, Section, useRoleNames } from '../components/ui';
import { useI18n } from '../i18n';
import { useSession } from '../session';
import type { PasswordSet } from '../types';

/** The node's shortest password (src/node/passwords.ts); the node checks it again. */
export const MIN_PASSWORD_LENGTH = 12;

export function AccountPage() {
  const { t, lang } = useI18n();
  const roleNames = useRoleNames();
  const { session } = useSession();
  return (
    <div data-testid="page-account">
      <PageTitle>{t('account.title')}</PageTitle>
      <p className="lead">{t('account.lead')}</p>
      <Section title={t('account.who')} testId="account-who">
        <dl className="facts">
          <dt>{t('account.user')}</dt>
          <dd className="mono">{session.user}</dd>
          <dt>{t('account.party')}</dt>
          <dd>{session.party}</dd>
          <dt>{t('account.roles')}</dt>
          <dd>{session.roles.length === 0 ? t('account.none') : roleNames(session.roles)}</dd>
          <dt>{t('account.clearance')}</dt>
          <dd>
            {session.clearance === null ? t('account.none') : markingText(session.clearance, lang)}
          </dd>
          <dt>{t('account.needToKnow')}</dt>
          <dd>
            {session.needToKnow.length === 0 ? t('account.none') : session.needToKnow.join(', ')}
          </dd>
        </dl>
      </Section>
      <PasswordSection />
      <SecondFactorSection />
    </div>
  );
}

function PasswordSection() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<number | null>(null);
  const mismatch = repeat !== '' && next !== repeat;

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    if (next !== repeat) return;
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      const r = await client.put<PasswordSet>(`/v1/users/${enc(session.user)}/password`, {
        password: next,
        current,
      });
      setDone(r.sessionsRevoked);
      setCurrent('');
      setNext('');
      setRepeat('');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const badCurrent = error instanceof ApiError && error.code === 'wrong-password';
  return (
    <Section title={t('account.password')} testId="account-password">
      <form
        className="form-grid"
        onSubmit={(e) => void submit(e)}
        data-testid="account-password-form"
      >
        <InputField
          id="account-current"
          label={t('account.current')}
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          aria-invalid={badCurrent ? true : undefined}
        />
        <InputField
          id="account-new"
          label={t('account.new')}
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          aria-describedby="account-new-help"
        />
        <InputField
          id="account-repeat"
          label={t('account.repeat')}
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          aria-invalid={mismatch ? true : undefined}
          aria-describedby={mismatch ? 'account-repeat-error' : undefined}
        />
        <p id="account-new-help" className="help wide">
          {t('account.passwordHelp', { n: MIN_PASSWORD_LENGTH })}
        </p>
        {mismatch ? (
          <p id="account-repeat-error" className="warn wide" role="alert">
            {t('account.mismatch')}
          </p>
        ) : null}
        <div className="wide">
          <button
            type="submit"
            className="primary"
            disabled={busy || mismatch}
            data-testid="account-password-submit"
          >
            {t('account.change')}
          </button>
        </div>
      </form>
      {done !== null ? (
        <p className="success" role="status" data-testid="account-password-done">
          {t('account.changed', { n: done })}
        </p>
      ) : null}
      {badCurrent ? (
        <div className="error" role="alert" data-testid="account-password-error">
          <p>{t('account.badCurrent')}</p>
        </div>
      ) : (
        <ErrorMessage error={error} testId="account-password-error" />
      )}
    </Section>
  );
}

function SecondFactorSection() {
  const { t } = useI18n();
  const { session, client, refresh } = useSession();
  const [enrolledNow, setEnrolledNow] = useState(false);
  const totp = session.totp;
  const enrolled = enrolledNow || totp?.enrolled === true;
  return (
    <Section title={t('account.totp')} testId="account-totp">
      {totp === null ? (
        <p>{t('account.totpUnknown')}</p>
      ) : (
        <dl className="facts">
          <dt>{t('account.totpState')}</dt>
          <dd data-testid="account-totp-enrolled" data-enrolled={enrolled}>
            {enrolled ? t('account.totpEnrolled') : t('account.totpNone')}
          </dd>
          <dt>{t('account.totpPolicy')}</dt>
          <dd data-testid="account-totp-required" data-required={totp.required}>
            {totp.required ? t('account.totpRequired') : t('account.totpOptional')}
          </dd>
        </dl>
      )}
      {enrolledNow ? (
        <p className="success" role="status" data-testid="account-totp-done">
          {t('totp.done')}
        </p>
      ) : null}
      {totp === null ? null : enrolled ? (
        <p className="help">{t('account.totpLost')}</p>
      ) : (
        <TotpEnrol
          client={client}
          user={session.user}
          onEnrolled={() => {
            setEnrolledNow(true);
            void refresh();
          }}
        />
      )}
    </Section>
  );
}
