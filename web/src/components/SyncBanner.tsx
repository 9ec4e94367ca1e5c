// Agreements in step with partners (GET /v1/agreement-sync): a banner on every page
// when a partner computes another status of a shared agreement, has not reported it
// in time, or refused a lifecycle action of ours; and, on an agreement's page, each
// partner's last report and the lifecycle messages sent with their acknowledgements.
import { useEffect } from 'react';
import { useLoad } from '../hooks';
import { type I18n, type MsgKey, useI18n } from '../i18n';
import { href } from '../router';
import { useSession } from '../session';
import type { AgreementSync, LifecycleDelivery, PeerSync, SyncReport } from '../types';
import { DataTable, Instant, Section, WhenLoaded } from './ui';

/** How often the banner asks again. */
const EVERY_MS = 30_000;

const RESULT: Readonly<Record<PeerSync['result'], MsgKey>> = {
  agrees: 'sync.result.agrees',
  diverged: 'sync.result.diverged',
  silent: 'sync.result.silent',
  awaiting: 'sync.result.awaiting',
};

/** The report, asked for again every EVERY_MS (and for one agreement only, when given). */
function useSyncReport(agreement?: string) {
  const { client } = useSession();
  const load = useLoad(
    () =>
      client.get<SyncReport>(
        '/v1/agreement-sync',
        agreement === undefined ? undefined : { agreement },
      ),
    [client, agreement],
  );
  const { reload } = load;
  useEffect(() => {
    const id = window.setInterval(reload, EVERY_MS);
    return () => window.clearInterval(id);
  }, [reload]);
  return load;
}

const refused = (d: LifecycleDelivery) => d.state === 'refused' || d.state === 'withheld';

/** The last lifecycle action sent about `a` to `peer`, if the partner refused it. */
function lastRefused(a: AgreementSync, peer: string): LifecycleDelivery | undefined {
  const last = a.deliveries.filter((d) => d.to === peer).at(-1);
  return last !== undefined && refused(last) ? last : undefined;
}

export function SyncBanner() {
  const { t } = useI18n();
  const sync = useSyncReport();
  const report = sync.data;
  // In step (or a node without partners, or one that cannot say): nothing to show.
  if (report === undefined || report.inStep) return null;
  const problems = report.agreements.flatMap((a) =>
    a.peers
      .filter((p) => p.result === 'diverged' || p.result === 'silent')
      .map((p) => ({ a, p, undelivered: lastRefused(a, p.peer) })),
  );
  return (
    <section className="sync-banner" aria-labelledby="sync-banner-title" data-testid="sync-banner">
      <h2 id="sync-banner-title">{t('sync.title')}</h2>
      <p>{t('sync.body')}</p>
      <ul>
        {problems.map(({ a, p, undelivered: d }) => (
          <li key={`${a.agreement}/${p.peer}`} data-testid="sync-problem">
            <a href={href('agreements', a.agreement)}>{a.agreement}</a>{' '}
            {p.result === 'diverged'
              ? t('sync.diverged', { peer: p.peer, fields: p.differs.join(', ') })
              : t('sync.silent', { peer: p.peer, seconds: report.expectedWithinSeconds })}
            {d === undefined ? null : (
              <>
                {'; '}
                {t('sync.undelivered', { action: d.action, peer: d.to, code: d.code ?? d.state })} (
                <Instant iso={d.at} seconds />)
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function deliveryState(t: I18n['t'], d: LifecycleDelivery): string {
  if (d.acknowledged !== null)
    return d.acknowledged.differs.length === 0
      ? t('sync.delivery.acknowledged')
      : t('sync.delivery.acknowledgedDiffers', { fields: d.acknowledged.differs.join(', ') });
  switch (d.state) {
    case 'pending':
      return t('sync.delivery.pending');
    case 'delivered':
      return t('sync.delivery.delivered');
    case 'refused':
      return t('sync.delivery.refused', { code: d.code ?? '' });
    case 'withheld':
      return t('sync.delivery.withheld');
  }
}

function SyncTables({ a }: { readonly a: AgreementSync }) {
  const { t } = useI18n();
  return (
    <>
      {a.peers.length === 0 ? (
        <p>{t('sync.noPeer')}</p>
      ) : (
        <DataTable
          caption={t('sync.peers')}
          columns={[t('sync.peer'), t('sync.result'), t('sync.reportedAt'), t('sync.differs')]}
          testId="sync-peers"
        >
          {a.peers.map((p) => (
            <tr key={p.peer} data-result={p.result}>
              <td>{p.peer}</td>
              <td className={p.result === 'agrees' ? undefined : 'warn'}>{t(RESULT[p.result])}</td>
              <td>
                <Instant iso={p.reportedAt} seconds />
              </td>
              <td className="mono">{p.differs.join(', ') || '—'}</td>
            </tr>
          ))}
        </DataTable>
      )}
      {a.deliveries.length === 0 ? null : (
        <DataTable
          caption={t('sync.deliveries')}
          captionVisible
          columns={[t('sync.action'), t('sync.peer'), t('sync.at'), t('sync.outcome')]}
          testId="sync-deliveries"
        >
          {a.deliveries.map((d) => (
            <tr key={d.envelope} data-state={d.state}>
              <td className="mono">{d.action}</td>
              <td>{d.to}</td>
              <td>
                <Instant iso={d.at} seconds />
              </td>
              <td className={refused(d) ? 'warn' : undefined}>{deliveryState(t, d)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </>
  );
}

/** On an agreement's page: each partner's last report, and the lifecycle messages sent. */
export function AgreementSyncSection({ id }: { readonly id: string }) {
  const { t } = useI18n();
  const sync = useSyncReport(id);
  // An agreement that does not bind here (a proposal), or a node without partners.
  if (sync.data === undefined && sync.error !== undefined) return null;
  return (
    <Section title={t('sync.section')} testId="agreement-sync">
      <WhenLoaded load={sync}>
        {(r) => {
          const a = r.agreements.find((x) => x.agreement === id);
          return a === undefined ? <p>{t('sync.noPeer')}</p> : <SyncTables a={a} />;
        }}
      </WhenLoaded>
      <p className="muted">{t('sync.hint', { seconds: sync.data?.intervalSeconds ?? 300 })}</p>
    </Section>
  );
}
