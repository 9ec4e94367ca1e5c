// At a glance: the agreements in force, the notice deadlines coming up, what came in
// and at what marking, and the alerts that await this party's acknowledgement.
import { useState } from 'react';
import { useAlerts } from '../alerts';
import { MarkingBadge } from '../components/Marking';
import {
  Countdown,
  ErrorMessage,
  Instant,
  Loading,
  PageTitle,
  Section,
  StateBadge,
} from '../components/ui';
import { noticeShown } from '../format';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { hasRole, useSession } from '../session';
import type { AgreementSummary, InboxEntry } from '../types';

export function OverviewPage() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const agreements = useLoad(() => client.get<AgreementSummary[]>('/v1/agreements'), [client]);
  const reader = hasRole(session, 'officer', 'releasing-authority', 'security-officer');

  return (
    <div data-testid="page-overview">
      <PageTitle>{t('overview.title')}</PageTitle>
      <p className="lead">{t('overview.lead', { user: session.user, party: session.party })}</p>
      <div className="grid">
        <Section title={t('overview.inForce')} testId="overview-in-force">
          {agreements.data === undefined ? (
            agreements.error ? (
              <ErrorMessage error={agreements.error} />
            ) : (
              <Loading />
            )
          ) : (
            <InForce list={agreements.data} />
          )}
        </Section>
        <Section title={t('overview.deadlines')} testId="overview-deadlines">
          {agreements.data === undefined ? (
            agreements.error ? null : (
              <Loading />
            )
          ) : (
            <Deadlines list={agreements.data} />
          )}
        </Section>
        {reader ? <Received /> : null}
        {reader ? <Awaiting /> : null}
      </div>
    </div>
  );
}

function InForce({ list }: { readonly list: readonly AgreementSummary[] }) {
  const { t } = useI18n();
  const inForce = list.filter((a) => a.state === 'in-force');
  const other = list.filter((a) => a.state !== 'in-force');
  return (
    <>
      {inForce.length === 0 ? <p>{t('overview.noneInForce')}</p> : null}
      <ul className="plain">
        {inForce.map((a) => (
          <li key={a.id}>
            <a href={href('agreements', a.id)}>{a.title ?? a.id}</a> <StateBadge state={a.state} />{' '}
            <span className="muted">
              {a.termEnd === null ? (
                t('agreements.indefinite')
              ) : (
                <>
                  {t('agreements.termEnds')} <Instant iso={a.termEnd} timeZone={a.timezone} />
                </>
              )}
            </span>
            {a.notice !== null && noticeShown(a.state, a.notice) !== 'none' ? (
              <span className="warn">
                {' '}
                ·{' '}
                {t(a.notice.suspended ? 'agreements.noticeSuspended' : 'agreements.noticePending', {
                  party: a.notice.by,
                })}
              </span>
            ) : null}
          </li>
        ))}
      </ul>
      {other.length > 0 ? (
        <p className="muted">
          {t('overview.notInForce', { n: other.length })}{' '}
          {other.map((a, i) => (
            <span key={a.id}>
              {i > 0 ? ', ' : ''}
              <a href={href('agreements', a.id)}>{a.title ?? a.id}</a>{' '}
              <StateBadge state={a.state} />
            </span>
          ))}
        </p>
      ) : null}
    </>
  );
}

function Deadlines({ list }: { readonly list: readonly AgreementSummary[] }) {
  const { t } = useI18n();
  const upcoming = list
    .filter((a) => a.nextNoticeDeadline !== null && a.state !== 'terminated')
    .sort(
      (a, b) => Date.parse(a.nextNoticeDeadline ?? '') - Date.parse(b.nextNoticeDeadline ?? ''),
    );
  if (upcoming.length === 0) return <p>{t('overview.noDeadlines')}</p>;
  return (
    <ul className="plain">
      {upcoming.map((a) => (
        <li key={a.id}>
          <a href={href('agreements', a.id)}>{a.title ?? a.id}</a>
          <div>
            {t('agreements.noticeBy')} <Instant iso={a.nextNoticeDeadline} timeZone={a.timezone} />{' '}
            <Countdown to={a.nextNoticeDeadline ?? ''} testId={`deadline-countdown-${a.id}`} />
          </div>
        </li>
      ))}
    </ul>
  );
}

function Received() {
  const { t } = useI18n();
  const { client } = useSession();
  // The newest few: one short page (the inbox page lists them all).
  const inbox = useLoad(() => client.get<InboxEntry[]>('/v1/inbox', { limit: 6 }), [client]);
  return (
    <Section title={t('overview.received')} testId="overview-received">
      {inbox.data === undefined ? (
        inbox.error ? (
          <ErrorMessage error={inbox.error} />
        ) : (
          <Loading />
        )
      ) : inbox.data.length === 0 ? (
        <p>{t('inbox.empty')}</p>
      ) : (
        <>
          <ul className="plain">
            {inbox.data.slice(0, 6).map((e) => (
              <li key={e.envelope}>
                <MarkingBadge marking={e.marking} /> <a href={href('items', e.item)}>{e.title}</a>
                <div className="muted">
                  {t('inbox.fromParty', { party: e.from })} · <Instant iso={e.receivedAt} />
                  {e.originatorMarking.party !== e.marking.party ? (
                    <>
                      {' '}
                      · {t('inbox.originatorMarking', { party: e.originatorMarking.party })}{' '}
                      <MarkingBadge marking={e.originatorMarking} />
                    </>
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
          <p>
            <a href={href('inbox')}>{t('overview.openInbox')}</a>
          </p>
        </>
      )}
    </Section>
  );
}

function Awaiting() {
  const { t } = useI18n();
  const { awaiting, acknowledge, error } = useAlerts();
  const [ackError, setAckError] = useState<unknown>(undefined);
  return (
    <Section title={t('overview.awaiting')} testId="overview-awaiting">
      {awaiting.length === 0 ? <p>{t('overview.noAwaiting')}</p> : null}
      <ul className="plain">
        {awaiting.map((a) => (
          <li key={a.id} className="awaiting">
            <a href={href('alerts', a.id)}>{a.title}</a>
            <div className="muted">
              {t('flash.from', { party: a.originator })} · <Instant iso={a.alert.sent} seconds />
            </div>
            <button
              type="button"
              className="ack-button"
              onClick={() => {
                setAckError(undefined);
                acknowledge(a.id).catch((e: unknown) => setAckError(e));
              }}
              aria-label={t('alerts.ackNamed', { title: a.title })}
            >
              {t('alerts.ack')}
            </button>
          </li>
        ))}
      </ul>
      <ErrorMessage error={ackError ?? error} />
    </Section>
  );
}
