// The FLASH alerts board: live alerts over the WebSocket (tone and emphasis), each
// launch's messages in sequence (alert, updates, final assessment, correction,
// cancel), the selected alert on the map with its acknowledgements per party, an
// Acknowledge button, and for releasing authorities the compose form.
import { useEffect, useState } from 'react';
import { useAlerts } from '../alerts';
import { AlertCompose } from '../components/AlertCompose';
import { ClassificationBanner, MarkingBadge } from '../components/Marking';
import { ErrorMessage, Instant, Loading, PageTitle, Section } from '../components/ui';
import { formatInstant, joinList } from '../format';
import { useNow } from '../hooks';
import { useI18n } from '../i18n';
import { AlertMap, type MapTrack } from '../map/AlertMap';
import { localPlaceName } from '../map/places';
import { href } from '../router';
import { hasRole, useSession } from '../session';
import type { AckView, AlertView } from '../types';

/** Alerts grouped by launch: each chain from the first alert to its latest update. */
function chains(alerts: readonly AlertView[]): AlertView[][] {
  const byId = new Map(alerts.map((a) => [a.id, a]));
  const rootOf = (a: AlertView): string => {
    let cur = a;
    const seen = new Set<string>();
    for (;;) {
      seen.add(cur.id);
      const ref = cur.alert.references.find((r) => byId.has(r) && !seen.has(r));
      if (ref === undefined) return cur.id;
      cur = byId.get(ref) as AlertView;
    }
  };
  const groups = new Map<string, AlertView[]>();
  for (const a of alerts) {
    const r = rootOf(a);
    groups.set(r, [...(groups.get(r) ?? []), a]);
  }
  const sent = (a: AlertView) => Date.parse(a.alert.sent);
  return [...groups.values()]
    .map((g) => g.sort((x, y) => sent(x) - sent(y)))
    .sort((x, y) => sent(y[y.length - 1] as AlertView) - sent(x[x.length - 1] as AlertView));
}

function kindLabel(a: AlertView, t: ReturnType<typeof useI18n>['t']): string {
  const parts = [t(`alert.msgType.${a.alert.msgType}`)];
  if (a.alert.final) parts.push(t('alert.final'));
  if (a.alert.correction) parts.push(t('alert.correction'));
  return parts.join(' · ');
}

export function AlertsPage({ selected }: { readonly selected: string | null }) {
  const { t } = useI18n();
  const { session } = useSession();
  const state = useAlerts();
  const { alerts, status, error } = state;
  const groups = chains(alerts);
  const chosen =
    selected !== null
      ? alerts.find((a) => a.id === selected)
      : (groups[0]?.[groups[0].length - 1] ?? undefined);
  return (
    <div data-testid="page-alerts">
      <PageTitle>{t('alerts.title')}</PageTitle>
      <p className="stream-status" data-testid="stream-status" data-status={status}>
        <span className={`dot dot-${status}`} aria-hidden="true" /> {t(`stream.${status}`)}
      </p>
      {error ? <ErrorMessage error={error} /> : null}
      {hasRole(session, 'releasing-authority') ? <AlertCompose /> : null}
      <div className="alerts-layout">
        <Section title={t('alerts.list')} testId="alert-list">
          {groups.length === 0 ? <p>{t('alerts.none')}</p> : null}
          <ol className="chains">
            {groups.map((g) => (
              <li key={g[0]?.id}>
                <Chain chain={g} selected={chosen?.id ?? null} />
              </li>
            ))}
          </ol>
        </Section>
        {chosen !== undefined ? (
          <AlertDetailView
            alert={chosen}
            chain={groups.find((g) => g.some((a) => a.id === chosen.id)) ?? [chosen]}
          />
        ) : selected !== null ? (
          <Section title={t('alerts.detail')} testId="alert-detail">
            <p>{t('alerts.unknown', { id: selected })}</p>
          </Section>
        ) : null}
      </div>
    </div>
  );
}

function AckState({ alert }: { readonly alert: AlertView }) {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const { acks, awaiting, acknowledgedHere } = useAlerts();
  const all = acks.get(alert.id) ?? [];
  const mine = all.filter((a) => a.party === session.party);
  // This party's own alert: the parties it went to acknowledge it, not this one.
  if (alert.originator === session.party) {
    const received = all.filter((a) => a.party !== session.party).length;
    return (
      <span className="muted" data-testid="alert-ours">
        {t('alerts.ours')}
        {received > 0 ? ` · ${t('alerts.acksCount', { n: received })}` : ''}
      </span>
    );
  }
  if (awaiting.some((a) => a.id === alert.id))
    return (
      <span className="badge awaiting-badge" data-testid="awaiting-badge">
        {t('alerts.awaiting')}
      </span>
    );
  // Who acknowledged it is known once the alert is opened or from the stream; the
  // list says only that someone here did.
  if (mine.length > 0)
    return (
      <span className="acked">
        {t('alerts.ackedBy', { who: joinList([...new Set(mine.map((a) => a.user))], lang) })}
      </span>
    );
  if (acknowledgedHere(alert.id)) return <span className="acked">{t('alerts.ackedHere')}</span>;
  return null;
}

function Chain({
  chain,
  selected,
}: {
  readonly chain: readonly AlertView[];
  readonly selected: string | null;
}) {
  const { t } = useI18n();
  const { fresh } = useAlerts();
  const latest = chain[chain.length - 1] as AlertView;
  return (
    <article
      className={`chain ${chain.some((a) => fresh.has(a.id)) ? 'fresh' : ''}`}
      data-testid={`alert-chain-${chain[0]?.id}`}
      aria-label={t('alerts.chainLabel', { title: latest.title })}
    >
      <ol className="sequence">
        {chain.map((a, i) => (
          <li
            key={a.id}
            className={`seq ${a.supersededBy === null ? 'current' : 'superseded'} ${selected === a.id ? 'selected' : ''}`}
            data-testid={`alert-card-${a.id}`}
            data-superseded={a.supersededBy !== null}
          >
            <div className="seq-head">
              <span className="seq-n">{i + 1}</span>
              <span className="seq-kind">{kindLabel(a, t)}</span>
              {a.alert.status !== 'Actual' ? (
                <span className="badge status-badge">{t(`alert.status.${a.alert.status}`)}</span>
              ) : null}
              <span className="badge flash-badge">{a.precedence}</span>
              <MarkingBadge marking={a.marking} />
            </div>
            <a href={href('alerts', a.id)} aria-current={selected === a.id ? 'true' : undefined}>
              {a.title}
            </a>
            <div className="muted">
              {t('flash.from', { party: a.originator })} · <Instant iso={a.alert.sent} seconds />
              {a.escalations > 0 ? ` · ${t('flash.escalated', { n: a.escalations })}` : ''}
            </div>
            {a.supersededBy !== null ? (
              <div className="muted">{t('alerts.supersededBy', { id: a.supersededBy })}</div>
            ) : (
              <AckState alert={a} />
            )}
          </li>
        ))}
      </ol>
    </article>
  );
}

function AlertDetailView({
  alert,
  chain,
}: {
  readonly alert: AlertView;
  readonly chain: readonly AlertView[];
}) {
  const { t, lang } = useI18n();
  const { session } = useSession();
  const { details, acks, awaiting, acknowledgedHere, loadDetail, acknowledge } = useAlerts();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const detail = details.get(alert.id);
  const now = useNow(1000);
  // Opening an alert reads it (a logged read): its acknowledgements and, at the
  // originator, each party's delivery. The stream keeps it current afterwards.
  useEffect(() => {
    setError(undefined);
    void loadDetail(alert.id).catch((e: unknown) => setError(e));
  }, [alert.id, loadDetail]);
  const list: readonly AckView[] = acks.get(alert.id) ?? [];
  // Who acknowledged: this party (once is enough), or, for this party's own alert, the
  // parties it went to. The sender does not acknowledge its own alert.
  const own = alert.originator === session.party;
  const ours = list
    .filter((a) => a.party === session.party)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const received = list.filter((a) => a.party !== session.party);
  const acked = ours.length > 0 || acknowledgedHere(alert.id);
  const isAwaiting = awaiting.some((a) => a.id === alert.id);
  const p = alert.alert;
  const tracks: MapTrack[] = chain
    .filter((a) => a.alert.msgType !== 'Cancel' || a.id === alert.id)
    .map((a) => ({ id: a.id, alert: a.alert, current: a.id === alert.id }));
  const due = Date.parse(p.sent) + p.ackWithinMs;
  return (
    <Section title={t('alerts.detail')} testId="alert-detail">
      <div
        className={`alert-detail ${alert.supersededBy === null ? '' : 'superseded'}`}
        data-alert={alert.id}
      >
        <ClassificationBanner
          marking={alert.marking}
          originator={alert.originatorMarking}
          testId="alert-banner"
        />
        <h3 className="alert-title">
          <span className="flash-word">{alert.precedence}</span> {alert.title}
        </h3>
        <p>
          {kindLabel(alert, t)} · {t(`alert.status.${p.status}`)} ·{' '}
          {t('flash.from', { party: alert.originator })}
        </p>
        {alert.supersededBy !== null ? (
          <p className="warn">
            {t('alerts.supersededBy', { id: alert.supersededBy })}{' '}
            <a href={href('alerts', alert.supersededBy)}>{t('alerts.showLatest')}</a>
          </p>
        ) : null}
        <div className="button-row">
          {own ? (
            <p data-testid="alert-own">
              {t('alerts.sentByUs', { party: session.party })}{' '}
              {t('alerts.acksReceived', {
                n: received.length,
                parties: joinList([...new Set(received.map((a) => a.party))], lang),
              })}
            </p>
          ) : acked ? (
            <p className="acked" data-testid="alert-acked">
              {ours[0] === undefined
                ? t('alerts.ackedHere')
                : t('alerts.ackedAt', {
                    who: joinList([...new Set(ours.map((a) => a.user))], lang),
                    at: formatInstant(ours[0].at, lang, { seconds: true }),
                  })}
            </p>
          ) : (
            <button
              type="button"
              className="ack-button primary"
              disabled={busy}
              onClick={() => {
                setBusy(true);
                setError(undefined);
                acknowledge(alert.id)
                  .catch((e: unknown) => setError(e))
                  .finally(() => setBusy(false));
              }}
              data-testid="alert-ack-button"
              aria-label={t('alerts.ackNamed', { title: alert.title })}
            >
              {t('alerts.ack')}
            </button>
          )}
          {isAwaiting ? (
            <span className={now > due ? 'warn' : 'muted'}>
              {now > due ? t('alerts.overdue') : t('alerts.dueBy')}{' '}
              <Instant iso={new Date(due).toISOString()} seconds />
            </span>
          ) : null}
        </div>
        <ErrorMessage error={error} />
        <AlertMap tracks={tracks} />
        <dl className="facts" data-testid="alert-facts">
          <dt>{t('alert.launchedAt')}</dt>
          <dd>
            <Instant iso={p.launchedAt} seconds />
          </dd>
          <dt>{t('alert.detectedAt')}</dt>
          <dd>
            <Instant iso={p.detectedAt} seconds />
          </dd>
          <dt>{t('alert.launch')}</dt>
          <dd>
            {localPlaceName(p.launch.area, t)} ({p.launch.lat.toFixed(2)}, {p.launch.lon.toFixed(2)}
            )
          </dd>
          <dt>{t('alert.count')}</dt>
          <dd>{p.count}</dd>
          <dt>{t('alert.assessedType')}</dt>
          <dd>{p.assessedType}</dd>
          <dt>{t('alert.bearing')}</dt>
          <dd>{p.bearingDeg}°</dd>
          <dt>{t('alert.apogee')}</dt>
          <dd>{p.apogeeKm} km</dd>
          <dt>{t('alert.distance')}</dt>
          <dd>{p.distanceKm} km</dd>
          <dt>{t('alert.impact')}</dt>
          <dd>
            {localPlaceName(p.impact.area, t)} ({p.impact.lat.toFixed(2)}, {p.impact.lon.toFixed(2)}
            ) —{' '}
            <strong>{p.impact.insideJapanEez ? t('map.insideEez') : t('map.outsideEez')}</strong>
          </dd>
          <dt>{t('alert.confidence')}</dt>
          <dd>{t(`alert.confidence.${p.confidence}`)}</dd>
          {p.remarks !== '' ? (
            <>
              <dt>{t('alert.remarks')}</dt>
              <dd lang="en">{p.remarks}</dd>
            </>
          ) : null}
          <dt>{t('alert.sent')}</dt>
          <dd>
            <Instant iso={p.sent} seconds />
          </dd>
        </dl>
        <div data-testid="alert-ack-status">
          <h4>{t('alerts.ackStatus')}</h4>
          {detail === undefined ? (
            <Loading />
          ) : detail.parties.length > 0 ? (
            <div className="table-wrap">
              <table className="compact" data-testid="alert-party-table">
                <caption className="visually-hidden">{t('alerts.partyCaption')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('alerts.party')}</th>
                    <th scope="col">{t('alerts.delivery')}</th>
                    <th scope="col">{t('alerts.deliveredAt')}</th>
                    <th scope="col">{t('alerts.firstAck')}</th>
                    <th scope="col">{t('alerts.acks')}</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.parties.map((ps) => (
                    <tr
                      key={ps.party}
                      data-testid={`ack-party-${ps.party}`}
                      data-acked={ps.firstAckAt !== null}
                    >
                      <th scope="row">{ps.party}</th>
                      <td>
                        {ps.delivery === null
                          ? '—'
                          : t(`delivery.${ps.delivery}` as 'delivery.pending')}
                      </td>
                      <td>
                        <Instant iso={ps.deliveredAt} seconds />
                      </td>
                      <td>
                        {ps.firstAckAt === null ? (
                          <span className="warn">{t('alerts.notAcked')}</span>
                        ) : (
                          <Instant iso={ps.firstAckAt} seconds />
                        )}
                      </td>
                      <td>{ps.acks}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <p className="muted">{t('alerts.partiesAtOriginator', { party: alert.originator })}</p>
          )}
          {list.length > 0 ? (
            <ul className="plain" data-testid="alert-ack-list">
              {list.map((a) => (
                <li key={`${a.party}-${a.user}`}>
                  {t('alerts.ackLine', { party: a.party, user: a.user })}{' '}
                  <Instant iso={a.at} seconds />
                </li>
              ))}
            </ul>
          ) : (
            <p>{t('alerts.noAcks')}</p>
          )}
        </div>
      </div>
    </Section>
  );
}
