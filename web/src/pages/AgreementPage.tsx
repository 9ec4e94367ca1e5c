// One agreement: its timeline, the notice deadline for the next boundary with a live
// countdown, any pending notice and its target, suspension and termination, the
// equivalence table with native names, lifecycle events, and (for admins) the
// notice actions with their simulated consequence.

import { type FormEvent, useState } from 'react';
import { enc } from '../api';
import { AgreementTimeline } from '../components/AgreementTimeline';
import { MarkingName } from '../components/Marking';
import { NoticeActions } from '../components/NoticeActions';
import { AgreementSyncSection } from '../components/SyncBanner';
import {
  Countdown,
  ErrorMessage,
  InputField,
  Instant,
  Loading,
  PageTitle,
  Section,
  StateBadge,
} from '../components/ui';
import { formatInstant, joinList, noticeShown } from '../format';
import { useLoad, useNow } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { hasRole, useSession } from '../session';
import type { AgreementExplanation } from '../types';

export function AgreementPage({ id }: { readonly id: string }) {
  const { t, lang } = useI18n();
  const { session, client } = useSession();
  // The agreement explained now, or at another instant (GET ?at=): what a date will bring.
  const [at, setAt] = useState<string | null>(null);
  const x = useLoad(
    () => client.get<AgreementExplanation>(`/v1/agreements/${enc(id)}`, { at: at ?? undefined }),
    [client, id, at],
  );
  const now = useNow(60_000);

  if (x.data === undefined) {
    return (
      <div data-testid="page-agreement">
        <PageTitle>{t('agreement.titleLoading', { id })}</PageTitle>
        {x.error ? <ErrorMessage error={x.error} /> : <Loading />}
        <p>
          <a href={href('agreements')}>{t('agreement.back')}</a>
        </p>
      </div>
    );
  }
  const a = x.data;
  const tz = a.timezone;
  return (
    <div data-testid="page-agreement" data-agreement={a.id}>
      <p className="breadcrumb">
        <a href={href('agreements')}>{t('agreement.back')}</a>
      </p>
      <PageTitle>{a.title ?? a.id}</PageTitle>
      <p className="lead">
        <span className="mono">{a.id}</span> ·{' '}
        {a.parties.map((p) => `${p.name} (${p.id})`).join(' · ')} · <StateBadge state={a.state} />
        {a.contested ? <span className="warn"> {t('agreements.contested')}</span> : null}
        {!a.binding ? (
          <span className="warn">
            {' '}
            {t('agreements.awaitingSignatures', { parties: joinList(a.awaiting, lang) })}
          </span>
        ) : null}
      </p>
      {x.error ? <ErrorMessage error={x.error} /> : null}
      <ExplainAt at={at} onChange={setAt} />

      <Section title={t('agreement.timeline')} testId="agreement-timeline-section">
        <AgreementTimeline x={a} now={now} />
      </Section>

      <div className="grid">
        <Section title={t('agreement.status')} testId="agreement-status">
          <dl className="facts">
            <dt>{t('agreements.state')}</dt>
            <dd>
              <StateBadge state={a.state} />
            </dd>
            <dt>{t('agreement.term')}</dt>
            <dd>
              {a.term === null ? (
                '—'
              ) : (
                <>
                  {t('timeline.termLabel', { index: a.term.index })}:{' '}
                  <Instant iso={a.term.start} timeZone={tz} /> –{' '}
                  {a.term.end === null ? (
                    t('agreements.indefinite')
                  ) : (
                    <Instant iso={a.term.end} timeZone={tz} />
                  )}
                </>
              )}
            </dd>
            <dt>{t('agreement.termKind')}</dt>
            <dd>
              {t(`termKind.${a.termKind}` as 'termKind.renews')} (
              {[a.initialTerm, a.renewalTerm].filter((v) => v !== null).join(' / ') || '—'})
            </dd>
            <dt>{t('agreement.noticePeriod')}</dt>
            <dd className="mono">{a.noticePeriod}</dd>
            <dt>{t('agreement.timezone')}</dt>
            <dd className="mono">{tz}</dd>
            <dt>{t('agreement.entryIntoForce')}</dt>
            <dd>
              <Instant iso={a.entryIntoForce} timeZone={tz} />
            </dd>
            {a.endedAt !== null ? (
              <>
                <dt>{t('agreement.endedAt')}</dt>
                <dd data-testid="agreement-ended">
                  <Instant iso={a.endedAt} timeZone={tz} />
                  {a.endedBy ? ` (${t(`endedBy.${a.endedBy}` as 'endedBy.notice')})` : ''}
                </dd>
              </>
            ) : null}
            <dt>{t('agreement.topology')}</dt>
            <dd>
              {a.topology === 'mesh'
                ? t('agreement.mesh')
                : t('agreement.hub', { hub: a.topology.hub })}
            </dd>
            <dt>{t('agreement.scope')}</dt>
            <dd>{a.scope === null ? t('agreement.allCategories') : a.scope.join(', ')}</dd>
          </dl>
        </Section>

        <Section title={t('agreement.deadlineTitle')} testId="agreement-deadline">
          {a.nextNoticeDeadline === null ? (
            <p>{t('agreement.noDeadline')}</p>
          ) : (
            <>
              <p>
                {t('agreement.deadlineText', { period: a.nextNoticeDeadline.noticePeriod })}{' '}
                <strong>
                  <Instant iso={a.nextNoticeDeadline.boundary} timeZone={tz} />
                </strong>
              </p>
              <p className="big">
                <Instant iso={a.nextNoticeDeadline.deadline} timeZone={tz} />
              </p>
              <p className="big">
                <Countdown to={a.nextNoticeDeadline.deadline} testId="notice-countdown" />
              </p>
            </>
          )}
          <h3>{t('agreement.pendingNotice')}</h3>
          {a.notice === null || noticeShown(a.state, a.notice) === 'none' ? (
            <p data-testid="pending-notice">{t('agreement.noNotice')}</p>
          ) : (
            <div data-testid="pending-notice" data-suspended={a.notice.suspended}>
              <p>
                <strong>
                  {t(
                    a.notice.suspended ? 'agreements.noticeSuspended' : 'agreements.noticePending',
                    { party: a.notice.by },
                  )}
                </strong>
              </p>
              <p>
                {t('agreement.noticeGiven')} <Instant iso={a.notice.receivedAt} timeZone={tz} />
              </p>
              {a.notice.suspended ? (
                <>
                  <p data-testid="notice-if-resumed">
                    <time dateTime={a.notice.target} title={a.notice.target}>
                      {t('agreements.ifResumed', {
                        at: formatInstant(a.notice.target, lang, { timeZone: tz }),
                      })}
                    </time>
                  </p>
                  <p className="help">{t('agreement.suspendedHelp')}</p>
                </>
              ) : (
                <p>
                  {t('agreements.target')} <Instant iso={a.notice.target} timeZone={tz} />{' '}
                  <Countdown to={a.notice.target} testId="notice-target-countdown" />
                </p>
              )}
            </div>
          )}
        </Section>
      </div>

      <Section title={t('agreement.equivalence')} testId="equivalence-table">
        <EquivalenceTable a={a} />
      </Section>

      <Section title={t('agreement.events')} testId="agreement-events">
        {a.events.length === 0 ? (
          <p>{t('agreement.noEvents')}</p>
        ) : (
          <ol className="events">
            {a.events.map((e) => (
              <li key={`${e.kind}-${e.at}-${e.by ?? ''}`}>
                <Instant iso={e.at} timeZone={tz} />: {t(`event.${e.kind}` as 'event.notice')}
                {e.by ? ` (${e.by})` : ''}
                {e.target ? (
                  <>
                    {' '}
                    → <Instant iso={e.target} timeZone={tz} />
                  </>
                ) : null}
                {e.effectiveAt ? (
                  <>
                    {' '}
                    → <Instant iso={e.effectiveAt} timeZone={tz} />
                  </>
                ) : null}
              </li>
            ))}
          </ol>
        )}
      </Section>

      {a.binding ? <AgreementSyncSection id={a.id} /> : null}

      {a.assumptions.length > 0 ? (
        <Section title={t('agreement.assumptions')} testId="agreement-assumptions">
          <ul>
            {a.assumptions.map((s) => (
              <li key={s} lang="en">
                {s}
              </li>
            ))}
          </ul>
        </Section>
      ) : null}

      {hasRole(session, 'admin') && at === null ? (
        <Section title={t('notice.title')} testId="agreement-admin">
          <NoticeActions x={a} onDone={x.reload} />
        </Section>
      ) : null}
    </div>
  );
}

function ExplainAt({
  at,
  onChange,
}: {
  readonly at: string | null;
  readonly onChange: (at: string | null) => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState(at ?? '');
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    onChange(text.trim() === '' ? null : text.trim());
  };
  return (
    <form className="inline-form explain-at" onSubmit={submit} data-testid="explain-at">
      <InputField
        id="explain-at-input"
        label={t('agreement.explainAt')}
        value={text}
        placeholder="2027-11-23T00:00:01+09:00"
        onChange={(e) => setText(e.target.value)}
        aria-describedby="explain-at-help"
        spellCheck={false}
      />
      <button type="submit">{t('agreement.explainShow')}</button>
      {at !== null ? (
        <button
          type="button"
          onClick={() => {
            setText('');
            onChange(null);
          }}
        >
          {t('agreement.explainNow')}
        </button>
      ) : null}
      <p id="explain-at-help" className="help">
        {at === null ? t('agreement.explainHelp') : t('agreement.explainedAt', { at })}
      </p>
    </form>
  );
}

function EquivalenceTable({ a }: { readonly a: AgreementExplanation }) {
  const { t } = useI18n();
  const parties = a.parties.map((p) => p.id);
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{t('agreement.equivalenceCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('agreement.row')}</th>
              {a.parties.map((p) => (
                <th scope="col" key={p.id}>
                  {p.name} ({p.id})
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {a.equivalence.map((row, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity but their order
              <tr key={i}>
                <th scope="row">{i + 1}</th>
                {parties.map((p) => (
                  <td key={p}>
                    {(row[p] ?? []).length === 0
                      ? '—'
                      : (row[p] ?? []).map((m, j) => (
                          <div key={m.code}>
                            {j > 0 ? <span className="muted">{t('agreement.or')} </span> : null}
                            <MarkingName marking={m} /> <code className="muted">{m.code}</code>
                          </div>
                        ))}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {Object.values(a.uncovered).some((l) => l.length > 0) ? (
        <p data-testid="uncovered">
          {t('agreement.uncovered')}{' '}
          {Object.entries(a.uncovered)
            .flatMap(([, ms]) => ms)
            .map((m, i) => (
              <span key={`${m.party}-${m.code}`}>
                {i > 0 ? ', ' : ''}
                {m.party} <MarkingName marking={m} />
              </span>
            ))}
        </p>
      ) : null}
    </>
  );
}
