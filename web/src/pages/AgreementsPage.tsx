// Every agreement this node knows: state now, term end, the next notice deadline
// (with a live countdown), a pending notice and its target, signatures awaited. Each
// agreement's instants are in its own zone, as on its page.
import {
  Countdown,
  DataTable,
  Instant,
  NoticeNote,
  PageTitle,
  StateBadge,
  WhenLoaded,
} from '../components/ui';
import { joinList } from '../format';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { href } from '../router';
import { useSession } from '../session';
import type { AgreementSummary } from '../types';

export function AgreementsPage() {
  const { t, lang } = useI18n();
  const { client } = useSession();
  const list = useLoad(() => client.get<AgreementSummary[]>('/v1/agreements'), [client]);
  return (
    <div data-testid="page-agreements">
      <PageTitle>{t('agreements.title')}</PageTitle>
      <WhenLoaded load={list}>
        {(agreements) =>
          agreements.length === 0 ? (
            <p>{t('agreements.none')}</p>
          ) : (
            <DataTable
              testId="agreements-table"
              caption={t('agreements.caption')}
              columns={[
                t('agreements.agreement'),
                t('agreements.parties'),
                t('agreements.state'),
                t('agreements.termEnd'),
                t('agreements.nextDeadline'),
                t('agreements.notice'),
              ]}
            >
              {agreements.map((a) => (
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
                        {t('agreements.awaitingSignatures', {
                          parties: joinList(a.awaiting, lang),
                        })}
                      </div>
                    ) : null}
                  </td>
                  <td>
                    {a.termEnd === null ? (
                      t('agreements.indefinite')
                    ) : (
                      <Instant iso={a.termEnd} timeZone={a.timezone} />
                    )}
                  </td>
                  <td>
                    {a.nextNoticeDeadline === null || a.state === 'terminated' ? (
                      '—'
                    ) : (
                      <>
                        <Instant iso={a.nextNoticeDeadline} timeZone={a.timezone} />
                        <div>
                          <Countdown to={a.nextNoticeDeadline} />
                        </div>
                      </>
                    )}
                  </td>
                  <td>
                    <NoticeNote
                      state={a.state}
                      notice={a.notice}
                      timeZone={a.timezone}
                      testId={`agreement-notice-${a.id}`}
                    />
                  </td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </WhenLoaded>
    </div>
  );
}
