// The third-party rule: requests from holders to pass this party's items on
// (incoming: grant or refuse, with a reason) and this party's own requests
// (outgoing, with their status), each a page at a time with the item's title, and a
// form to ask an originator.
import { type FormEvent, type ReactNode, useRef, useState } from 'react';
import { enc, getChunk } from '../api';
import { type Paged, Pager, usePaged } from '../components/Pager';
import {
  ErrorMessage,
  InputField,
  Instant,
  Loading,
  Options,
  PageTitle,
  Section,
  SelectField,
} from '../components/ui';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { peerList } from '../nodeInfo';
import { href } from '../router';
import { hasRole, useSession } from '../session';
import type { ConsentRequest } from '../types';

export const CONSENTS_PAGE_SIZE = 10;

export function ConsentsPage() {
  const { t } = useI18n();
  const { session, client } = useSession();
  const requests = (direction: 'incoming' | 'outgoing') => ({
    fetch: (offset: number, limit: number) =>
      getChunk<ConsentRequest>(client, '/v1/consents/requests', { direction }, offset, limit),
    key: (r: ConsentRequest) => r.id,
    pageSize: CONSENTS_PAGE_SIZE,
    deps: [client],
  });
  const incoming = usePaged<ConsentRequest>({ ...requests('incoming'), param: 'in' });
  const outgoing = usePaged<ConsentRequest>({ ...requests('outgoing'), param: 'out' });
  return (
    <div data-testid="page-consents">
      <PageTitle>{t('consents.title')}</PageTitle>
      <p className="lead">{t('consents.lead')}</p>
      <Section title={t('consents.incoming')} testId="consents-incoming">
        <PagedCards
          name="consents-in"
          label={t('consents.incoming')}
          paged={incoming}
          none={t('consents.noneIncoming')}
          card={(r) => (
            <RequestCard
              r={r}
              canDecide={hasRole(session, 'releasing-authority')}
              onDecided={incoming.reload}
            />
          )}
        />
      </Section>
      <Section title={t('consents.outgoing')} testId="consents-outgoing">
        {hasRole(session, 'officer', 'releasing-authority') ? (
          <AskForm onAsked={outgoing.reload} />
        ) : null}
        <PagedCards
          name="consents-out"
          label={t('consents.outgoing')}
          paged={outgoing}
          none={t('consents.noneOutgoing')}
          card={(r) => <RequestCard r={r} canDecide={false} onDecided={outgoing.reload} />}
        />
      </Section>
    </div>
  );
}

/** A list of requests as cards, a page at a time. */
function PagedCards({
  name,
  label,
  paged,
  none,
  card,
}: {
  readonly name: string;
  readonly label: string;
  readonly paged: Paged<ConsentRequest>;
  readonly none: string;
  readonly card: (r: ConsentRequest) => ReactNode;
}) {
  const top = useRef<HTMLDivElement>(null);
  if (!paged.ready) return paged.error ? <ErrorMessage error={paged.error} /> : <Loading />;
  const w = paged.window;
  return (
    <div className="paged" ref={top}>
      {w.complete && w.matched === 0 ? (
        <p data-testid={`${name}-empty`}>{none}</p>
      ) : (
        <>
          <Pager name={name} label={label} paged={paged} filtered={false} />
          <ul className="cards" data-testid={`${name}-list`}>
            {paged.shown.map((r) => (
              <li key={r.id}>{card(r)}</li>
            ))}
          </ul>
          {w.to - w.from >= 2 ? (
            <Pager name={name} label={label} paged={paged} filtered={false} bottom top={top} />
          ) : null}
        </>
      )}
      <ErrorMessage error={paged.error} />
    </div>
  );
}

function RequestCard({
  r,
  canDecide,
  onDecided,
}: {
  readonly r: ConsentRequest;
  readonly canDecide: boolean;
  readonly onDecided: () => void;
}) {
  const { t } = useI18n();
  const { client } = useSession();
  const [reason, setReason] = useState('');
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const fid = `consent-${r.id}`;

  const decide = async (grant: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      const body: Record<string, unknown> = { reason };
      if (grant && expires.trim() !== '') body.expires = expires.trim();
      await client.post(`/v1/consents/requests/${enc(r.id)}/${grant ? 'grant' : 'refuse'}`, body);
      setDone(grant ? t('consents.granted') : t('consents.refused'));
      onDecided();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (ev: FormEvent) => ev.preventDefault();
  return (
    <article
      className="card"
      data-testid={`consent-${r.id}`}
      data-status={r.status}
      aria-labelledby={`${fid}-h`}
    >
      <h3 id={`${fid}-h`}>
        {t('consents.requestTitle', { holder: r.holder, to: r.to })}{' '}
        <span className={`state consent-${r.status}`}>
          {t(`consentStatus.${r.status}` as 'consentStatus.pending')}
        </span>
      </h3>
      <dl className="facts">
        <dt>{t('items.item')}</dt>
        <dd>
          <a href={href('items', r.item)} data-testid="consent-item-title">
            {r.title}
          </a>{' '}
          <span className="muted">
            ({t('items.originator')}: {r.originator})
          </span>
          <div className="muted mono id">{r.item}</div>
        </dd>
        <dt>{t('consents.requestedBy')}</dt>
        <dd>
          {r.requestedBy} · <Instant iso={r.requestedAt} />
        </dd>
        {r.note !== '' ? (
          <>
            <dt>{t('consents.note')}</dt>
            <dd>{r.note}</dd>
          </>
        ) : null}
        {r.reason !== null ? (
          <>
            <dt>{t('consents.reason')}</dt>
            <dd>{r.reason}</dd>
          </>
        ) : null}
        {r.consent !== null ? (
          <>
            <dt>{t('consents.consentId')}</dt>
            <dd className="mono">{r.consent}</dd>
          </>
        ) : null}
      </dl>
      {canDecide && r.status === 'pending' && done === null ? (
        <form onSubmit={onSubmit} className="form-grid" data-testid="consent-decide-form">
          <InputField
            id={`${fid}-reason`}
            label={t('consents.reasonInput')}
            wide
            required
            maxLength={2000}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            data-testid="consent-reason"
          />
          <InputField
            id={`${fid}-expires`}
            label={t('consents.expires')}
            value={expires}
            placeholder="2030-01-01T00:00:00+09:00"
            onChange={(e) => setExpires(e.target.value)}
          />
          <div className="wide button-row">
            <button
              type="button"
              className="primary"
              disabled={busy || reason.trim() === ''}
              onClick={() => void decide(true)}
              data-testid="consent-grant"
            >
              {t('consents.grant')}
            </button>
            <button
              type="button"
              className="danger"
              disabled={busy || reason.trim() === ''}
              onClick={() => void decide(false)}
              data-testid="consent-refuse"
            >
              {t('consents.refuse')}
            </button>
          </div>
        </form>
      ) : null}
      {done !== null ? (
        <p className="success" role="status">
          {done}
        </p>
      ) : null}
      <ErrorMessage error={error} />
    </article>
  );
}

function AskForm({ onAsked }: { readonly onAsked: () => void }) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const peers = useLoad(() => peerList(client), [client]);
  const [item, setItem] = useState('');
  const [to, setTo] = useState('');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [asked, setAsked] = useState<string | null>(null);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setError(undefined);
    setAsked(null);
    try {
      const r = await client.post<ConsentRequest>('/v1/consents/requests', {
        item: item.trim(),
        to,
        note,
      });
      setAsked(r.id);
      onAsked();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const parties = (peers.data ?? []).map((p) => p.party).filter((p) => p !== session.party);
  return (
    <form onSubmit={(e) => void submit(e)} className="form-grid ask" data-testid="consent-ask-form">
      <h3 className="wide">{t('consents.ask')}</h3>
      <InputField
        id="ask-item"
        label={t('consents.askItem')}
        required
        value={item}
        onChange={(e) => setItem(e.target.value)}
      />
      <SelectField
        id="ask-to"
        label={t('transfer.to')}
        required
        value={to}
        onChange={(e) => setTo(e.target.value)}
      >
        <Options blank={t('transfer.choose')} values={parties} />
      </SelectField>
      <InputField
        id="ask-note"
        label={t('consents.note')}
        wide
        maxLength={2000}
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      <div className="wide">
        <button type="submit" disabled={busy} data-testid="consent-ask-submit">
          {t('consents.askSubmit')}
        </button>
      </div>
      {asked !== null ? (
        <p className="success wide" role="status">
          {t('consents.asked', { id: asked })}
        </p>
      ) : null}
      <div className="wide">
        <ErrorMessage error={error} />
      </div>
    </form>
  );
}
