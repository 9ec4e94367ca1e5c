// Enrolling a second factor (RFC 6238 TOTP): POST /v1/me/totp gives a new secret and
// its otpauth:// URI, shown as a QR code drawn here (lean-qr, an inline SVG: no image
// download, nothing the CSP forbids) and as text; POST /v1/me/totp/confirm with the
// code the authenticator app shows then turns it on.
import { correction, generate } from 'lean-qr';
import { toSvgPath } from 'lean-qr/extras/svg';
import { type FormEvent, useId, useMemo, useState } from 'react';
import { ApiError, type Client } from '../api';
import { useI18n } from '../i18n';
import type { TotpConfirmed, TotpEnrolment } from '../types';
import { ErrorMessage } from './ui';

/** The QR code of `text` as an SVG image, with `label` for screen readers. */
function QrCode({ text, label }: { readonly text: string; readonly label: string }) {
  const code = useMemo(() => {
    try {
      return generate(text, { minCorrectionLevel: correction.M });
    } catch {
      return null;
    }
  }, [text]);
  if (code === null) return null;
  const pad = 4;
  const size = code.size + 2 * pad;
  return (
    <svg
      className="qr"
      role="img"
      aria-label={label}
      viewBox={`${-pad} ${-pad} ${size} ${size}`}
      width={size * 5}
      height={size * 5}
      shapeRendering="crispEdges"
      data-testid="totp-qr"
    >
      <rect x={-pad} y={-pad} width={size} height={size} fill="#fff" />
      <path d={toSvgPath(code)} fill="#000" />
    </svg>
  );
}

/** The secret in groups of four, easier to type into an app by hand. */
const groupSecret = (secret: string): string => secret.replace(/(.{4})(?=.)/g, '$1 ');

/**
 * Start, scan, confirm. `onEnrolled` runs once the node has accepted the code (an
 * enrolment token is revoked then: the caller signs in again).
 */
export function TotpEnrol({
  client,
  user,
  onEnrolled,
}: {
  readonly client: Client;
  readonly user: string;
  readonly onEnrolled: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const start = async () => {
    setBusy(true);
    setError(undefined);
    setCode('');
    try {
      setEnrolment(await client.post<TotpEnrolment>('/v1/me/totp'));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const confirm = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await client.post<TotpConfirmed>('/v1/me/totp/confirm', {
        code: code.replace(/\s+/g, ''),
      });
      setEnrolment(null);
      onEnrolled();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const badCode = error instanceof ApiError && error.status === 400;
  return (
    <div className="totp-enrol" data-testid="totp-enrol">
      {enrolment === null ? (
        <button
          type="button"
          className="primary"
          onClick={() => void start()}
          disabled={busy}
          data-testid="totp-start"
        >
          {t('totp.start')}
        </button>
      ) : (
        <ol className="steps">
          <li>
            <p>{t('totp.step1')}</p>
            <div className="totp-setup">
              <QrCode text={enrolment.uri} label={t('totp.qr', { user })} />
              <div>
                <dl className="facts">
                  <dt>{t('totp.secret')}</dt>
                  <dd
                    className="mono secret"
                    data-testid="totp-secret"
                    data-secret={enrolment.secret}
                  >
                    {groupSecret(enrolment.secret)}
                  </dd>
                </dl>
                <p className="help">{t('totp.secretHelp')}</p>
              </div>
            </div>
          </li>
          <li>
            <form
              className="inline-form"
              onSubmit={(e) => void confirm(e)}
              data-testid="totp-confirm-form"
            >
              <div className="field">
                <label htmlFor={`${id}-code`}>{t('totp.code')}</label>
                <input
                  id={`${id}-code`}
                  name="one-time-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]{6,7}"
                  maxLength={7}
                  required
                  size={8}
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  aria-invalid={badCode ? true : undefined}
                  data-testid="totp-code"
                />
              </div>
              <button type="submit" className="primary" disabled={busy} data-testid="totp-confirm">
                {t('totp.confirm')}
              </button>
              <button type="button" onClick={() => void start()} disabled={busy}>
                {t('totp.restart')}
              </button>
            </form>
          </li>
        </ol>
      )}
      {busy ? <p className="loading">{t('common.loading')}</p> : null}
      {badCode ? (
        <div className="error" role="alert" data-testid="totp-error">
          <p>{t('totp.badCode')}</p>
        </div>
      ) : (
        <ErrorMessage error={error} testId="totp-error" />
      )}
    </div>
  );
}
