// The FLASH banner on every page: alerts from partners that no officer of this
// party has acknowledged yet, emphasised, with a link to the board and an
// Acknowledge button. A live region announces each new alert and escalation.
import { useState } from 'react';
import { useAlerts } from '../alerts';
import { useI18n } from '../i18n';
import { href } from '../router';
import { ErrorMessage } from './ui';

export function FlashBanner() {
  const { t } = useI18n();
  const { enabled, awaiting, acknowledge, announcement, alerts, fresh } = useAlerts();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState<string | null>(null);
  if (!enabled) return null;
  const announced =
    announcement === null ? undefined : alerts.find((a) => a.id === announcement.alert);
  const live =
    announcement === null || announced === undefined
      ? ''
      : announcement.kind === 'ack'
        ? t('flash.announceAck', { title: announced.title })
        : announcement.kind === 'escalation'
          ? t('flash.announceEscalation', { title: announced.title })
          : t('flash.announceAlert', { title: announced.title });
  return (
    <>
      <div className="visually-hidden" role="status" aria-live="assertive" data-testid="flash-live">
        {live}
      </div>
      {awaiting.length === 0 ? null : (
        <section
          className={`flash-banner ${awaiting.some((a) => fresh.has(a.id)) ? 'fresh' : ''}`}
          aria-labelledby="flash-banner-title"
          data-testid="flash-banner"
        >
          <h2 id="flash-banner-title">
            <span className="flash-word">FLASH</span> {t('flash.awaiting', { n: awaiting.length })}
          </h2>
          <ul>
            {awaiting.slice(0, 3).map((a) => (
              <li key={a.id}>
                <a href={href('alerts', a.id)}>{a.title}</a>{' '}
                <span className="flash-meta">
                  {t('flash.from', { party: a.originator })}
                  {a.alert.status !== 'Actual' ? ` · ${t(`alert.status.${a.alert.status}`)}` : ''}
                  {a.escalations > 0 ? ` · ${t('flash.escalated', { n: a.escalations })}` : ''}
                </span>{' '}
                <button
                  type="button"
                  className="ack-button"
                  disabled={busy === a.id}
                  onClick={() => {
                    setBusy(a.id);
                    setError(undefined);
                    acknowledge(a.id)
                      .catch((e: unknown) => setError(e))
                      .finally(() => setBusy(null));
                  }}
                  aria-label={t('alerts.ackNamed', { title: a.title })}
                  data-testid="flash-ack"
                >
                  {t('alerts.ack')}
                </button>
              </li>
            ))}
          </ul>
          <p>
            <a href={href('alerts')}>{t('flash.openBoard')}</a>
          </p>
          <ErrorMessage error={error} />
        </section>
      )}
    </>
  );
}
