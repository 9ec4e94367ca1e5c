// Every agreement this node knows: state now, term end, the next notice deadline
// (with a live countdown), a pending notice and its target, signatures awaited.
import { Countdown, ErrorMessage, Instant, Loading, PageTitle, StateBadge } from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { useSession } from '../session';
import type { AgreementSummary } from '../types';

export function AgreementsPage() {
  const { t } = useI18n();
  const { client } = useSession();
  const list = useLoad(() => client.get<AgreementSummary[]>('/v1/agreements'), [client]);
  return (
    <div data-testid="page-agreements">
      <PageTitle>{t('agreements.title')}</PageTitle>
      {list.error ? <ErrorMessage error={list.error} /> : null}
      {list.data === undefined ? (
        list.error ? null : (
          <Loading />
        )
      ) : list.data.length === 0 ? (
        <p>{t('agreements.none')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="agreements-table">
            <caption className="visually-hidden">{t('agreements.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('agreements.agreement')}</th>
                <th scope="col">{t('agreements.parties')}</th>
                <th scope="col">{t('agreements.state')}</th>
                <th scope="col">{t('agreements.termEnd')}</th>
                <th scope="col">{t('agreements.nextDeadline')}</th>
                <th scope="col">{t('agreements.notice')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((a) => (
                <tr key={a.id} data-testid={`agreement-row-${a.id}`}>
                  <th scope="row">
                    <a href={href('agreements', a.id)}>{a.title ?? a.id}</a>
                    <div className="muted mono">{a.id}</div>
                  </th>
                  <td>{a.parties.join(' · ')}</td>
                  <td>
                    <StateBadge state={a.state} />
                    {!a.binding ? (
                      <div className="warn">
                        {t('agreements.awaitingSignatures', { parties: a.awaiting.join(', ') })}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {a.termEnd === null ? t('agreements.indefinite') : <Instant iso={a.termEnd} />}
                  </td>
                  <td>
                    {a.nextNoticeDeadline === null ? (
                      '—'
                    ) : (
                      <>
                        <Instant iso={a.nextNoticeDeadline} />
                        <div>
                          <Countdown to={a.nextNoticeDeadline} />
                        </div>
                      </>
                    )}
                  </td>
                  <td>
                    {a.notice === null ? (
                      '—'
                    ) : (
                      <>
                        {t(
                          a.notice.suspended
                            ? 'agreements.noticeSuspended'
                            : 'agreements.noticePending',
                          { party: a.notice.by },
                        )}
                        <div>
                          {t('agreements.target')} <Instant iso={a.notice.target} />
                        </div>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
