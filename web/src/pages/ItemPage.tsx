// One item: a logged read (RULES A1–A3), its classification banners (local marking
// and the originator's), its decision history, its log proof verified here in the
// browser, and for releasing authorities the release or forward form.
import { type FormEvent, useState } from 'react';
import { ApiError, type Client, enc, isMissingRoute } from '../api';
import { ItemAttachments } from '../components/Attachments';
import { ClassificationBanner, MarkingName } from '../components/Marking';
import {
  checkWithNodeKey,
  ProofCell,
  ProofStatus,
  useProofChecks,
} from '../components/ProofStatus';
import {
  DataTable,
  DecisionBadge,
  ErrorMessage,
  Instant,
  Loading,
  PageTitle,
  ReasonList,
  reasonChips,
  Section,
  useReasonLabel,
} from '../components/ui';
import { actorName } from '../format';
import { useLoad } from '../hooks';
import { useI18n } from '../i18n';
import { peerList } from '../nodeInfo';
import { href } from '../router';
import { hasRole, type SignedIn, useSession } from '../session';
import type {
  InclusionProof,
  ItemContent,
  ItemHistory,
  TransferResult,
  TransferResults,
  TransferResultTo,
} from '../types';
import type { ProofOutcome } from '../verify';

const sleep = (ms: number) => new Promise((r) => window.setTimeout(r, ms));

/**
 * The proof that log entry `index` is in the log: GET /v1/items/{id}/proof (any
 * reader of the item), or, on a node without it, the log's own proof route (auditors).
 * A read logged a moment ago may not be under a checkpoint yet: asked again briefly.
 */
async function fetchItemProof(
  client: Client,
  session: SignedIn,
  item: string,
  index: number,
): Promise<InclusionProof> {
  for (let attempt = 0; ; attempt++) {
    try {
      try {
        return await client.get<InclusionProof>(`/v1/items/${enc(item)}/proof`, { index });
      } catch (e) {
        if (isMissingRoute(e) && hasRole(session, 'auditor', 'security-officer', 'admin'))
          return await client.get<InclusionProof>('/v1/log/proof/inclusion', { index });
        throw e;
      }
    } catch (e) {
      if (attempt >= 3 || isMissingRoute(e)) throw e;
      if (!(e instanceof ApiError && e.status === 400)) throw e;
      await sleep(700 * (attempt + 1));
    }
  }
}

export function ItemPage({ id }: { readonly id: string }) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const item = useLoad(() => client.get<ItemContent>(`/v1/items/${enc(id)}`), [client, id]);
  // A release or forward is logged: the history is read again after one.
  const [historyTick, setHistoryTick] = useState(0);

  if (item.data === undefined) {
    return (
      <div data-testid="page-item">
        <PageTitle>{t('item.titleLoading', { id })}</PageTitle>
        {item.error ? <ErrorMessage error={item.error} testId="item-read-error" /> : <Loading />}
      </div>
    );
  }
  const it = item.data;
  const own = it.originator === session.party;
  return (
    <div data-testid="page-item" data-item={it.id}>
      <ClassificationBanner
        marking={it.marking}
        originator={it.originatorMarking}
        testId="item-banner-top"
      />
      <PageTitle>{it.title}</PageTitle>
      <dl className="facts" data-testid="item-facts">
        <dt>{t('items.item')}</dt>
        <dd className="mono">{it.id}</dd>
        <dt>{t('items.marking')}</dt>
        <dd data-testid="item-marking">
          <MarkingName marking={it.marking} />{' '}
          <code className="muted">
            {it.marking.party} {it.marking.code}
          </code>
        </dd>
        <dt>{t('items.originatorMarking')}</dt>
        <dd data-testid="item-originator-marking">
          <MarkingName marking={it.originatorMarking} />{' '}
          <code className="muted">
            {it.originatorMarking.party} {it.originatorMarking.code}
          </code>
        </dd>
        <dt>{t('items.originator')}</dt>
        <dd>{it.originator}</dd>
        <dt>{t('items.precedence')}</dt>
        <dd>
          <span className={`precedence prec-${it.precedence}`}>{it.precedence}</span>
        </dd>
        <dt>{t('items.categories')}</dt>
        <dd>{it.categories.join(', ')}</dd>
        <dt>{t('items.releasableTo')}</dt>
        <dd>
          {it.releasableTo === null ? t('items.noReleasability') : it.releasableTo.join(', ')}
        </dd>
        <dt>{t('items.created')}</dt>
        <dd>
          <Instant iso={it.createdAt} seconds />
        </dd>
        {it.compromised ? (
          <>
            <dt>{t('items.compromised')}</dt>
            <dd className="warn">{t('common.yes')}</dd>
          </>
        ) : null}
      </dl>
      <Section title={t('item.body')} testId="item-body">
        <div className="item-body">{it.body}</div>
      </Section>
      {it.attachments.length > 0 ? (
        <Section title={t('attach.title')} testId="item-files">
          <ItemAttachments item={it.id} attachments={it.attachments} />
        </Section>
      ) : null}
      <Section title={t('item.readDecision')} testId="item-read-decision">
        <p>{t('item.readLogged', { index: it.logIndex })}</p>
        <ReasonList reasons={it.reasons} />
        <ItemProof item={it.id} index={it.logIndex} />
      </Section>
      <History item={it.id} tick={historyTick} />
      {hasRole(session, 'releasing-authority') ? (
        <TransferForm
          item={it.id}
          kind={own ? 'release' : 'forward'}
          onDone={() => setHistoryTick((n) => n + 1)}
        />
      ) : null}
      <ClassificationBanner
        marking={it.marking}
        originator={it.originatorMarking}
        testId="item-banner-bottom"
      />
    </div>
  );
}

function ItemProof({ item, index }: { readonly item: string; readonly index: number }) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const outcome = useLoad<ProofOutcome>(
    () => checkWithNodeKey(client, fetchItemProof(client, session, item, index)),
    [client, item, index],
  );
  if (outcome.data !== undefined)
    return <ProofStatus outcome={outcome.data} testId="item-proof-status" />;
  if (outcome.error !== undefined)
    return (
      <div className="warn" data-testid="item-proof-status" data-verified="unavailable">
        <p>{isMissingRoute(outcome.error) ? t('proof.unavailable') : t('proof.fetchFailed')}</p>
        {isMissingRoute(outcome.error) ? null : <ErrorMessage error={outcome.error} />}
      </div>
    );
  return <Loading what={t('proof.checking')} />;
}

function History({ item, tick }: { readonly item: string; readonly tick: number }) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const label = useReasonLabel();
  const history = useLoad(
    () => client.get<ItemHistory>(`/v1/items/${enc(item)}/history`),
    [client, item, tick],
  );
  const { checks, verify } = useProofChecks();

  return (
    <Section title={t('item.history')} testId="item-history">
      {history.error !== undefined ? (
        isMissingRoute(history.error) ? (
          <p className="muted" data-testid="item-history-unavailable">
            {t('item.historyUnavailable')}
          </p>
        ) : (
          <ErrorMessage error={history.error} />
        )
      ) : history.data === undefined ? (
        <Loading />
      ) : history.data.entries.length === 0 ? (
        <p>{t('item.historyEmpty')}</p>
      ) : (
        <DataTable
          testId="item-history-table"
          caption={t('item.historyCaption')}
          columns={[
            t('audit.index'),
            t('audit.at'),
            t('audit.type'),
            t('audit.actor'),
            t('audit.decision'),
            t('audit.proof'),
          ]}
        >
          {history.data.entries.map((e) => (
            <tr key={e.index} data-testid={`history-row-${e.index}`}>
              <td className="mono">{e.index}</td>
              <td>
                <Instant iso={e.at} seconds />
              </td>
              <td className="mono">{e.type}</td>
              <td>{actorName(e.actor)}</td>
              <td>
                {e.decision ? <DecisionBadge decision={e.decision} /> : null}{' '}
                {reasonChips(e.decision, e.reasons).map((code) => (
                  <span key={code} className="reason-chip" title={label(code)}>
                    {code}
                  </span>
                ))}
                {typeof e.subject.to === 'string' ? (
                  <span className="muted"> → {e.subject.to}</span>
                ) : null}
              </td>
              <td>
                <ProofCell
                  index={e.index}
                  check={checks.get(e.index)}
                  onVerify={() =>
                    void verify(e.index, () =>
                      checkWithNodeKey(client, fetchItemProof(client, session, item, e.index)),
                    )
                  }
                  testId={`history-proof-${e.index}`}
                />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </Section>
  );
}

/** The parties typed in the text field ("KR" or "KR,US"): each once, in the order typed. */
function typedParties(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,]+/)
        .map((p) => p.trim().toUpperCase())
        .filter((p) => p !== ''),
    ),
  ];
}

/**
 * A release or forward to one party (POST /v1/items/{id}/release or /forward) or, with
 * several chosen, to each of them in one call (POST /v1/items/{id}/releases): each
 * party decided on its own, one line each.
 */
function TransferForm({
  item,
  kind,
  onDone,
}: {
  readonly item: string;
  readonly kind: 'release' | 'forward';
  readonly onDone: () => void;
}) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const peers = useLoad(() => peerList(client), [client]);
  const [chosen, setChosen] = useState<readonly string[]>([]);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ to: string; result: TransferResult } | null>(null);
  const [results, setResults] = useState<readonly TransferResultTo[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const parties = (peers.data ?? []).map((p) => p.party).filter((p) => p !== session.party);
  // In the order the peers are listed (checkboxes) or typed (the text field).
  const to = parties.length > 0 ? parties.filter((p) => chosen.includes(p)) : typedParties(typed);

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    setBusy(true);
    setResult(null);
    setResults(null);
    setError(undefined);
    try {
      const [one] = to;
      if (to.length === 1 && one !== undefined) {
        setResult({
          to: one,
          result: await client.post<TransferResult>(`/v1/items/${enc(item)}/${kind}`, {
            to: one,
          }),
        });
      } else {
        const r = await client.post<TransferResults>(`/v1/items/${enc(item)}/releases`, { to });
        setResults(r.results);
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      onDone();
    }
  };

  const title = kind === 'release' ? t('transfer.releaseTitle') : t('transfer.forwardTitle');
  return (
    <Section title={title} testId={`${kind}-section`}>
      <p className="help">
        {kind === 'release' ? t('transfer.releaseHelp') : t('transfer.forwardHelp')}
      </p>
      <form onSubmit={(e) => void submit(e)} className="inline-form" data-testid={`${kind}-form`}>
        {parties.length > 0 ? (
          <fieldset className="checks" data-testid={`${kind}-to`}>
            <legend>{t('transfer.recipients')}</legend>
            {parties.map((p) => (
              <label key={p} htmlFor={`${kind}-to-${p}`}>
                <input
                  type="checkbox"
                  id={`${kind}-to-${p}`}
                  value={p}
                  checked={chosen.includes(p)}
                  onChange={(e) =>
                    setChosen((c) =>
                      e.target.checked
                        ? [...c.filter((x) => x !== p), p]
                        : c.filter((x) => x !== p),
                    )
                  }
                />{' '}
                {p}
              </label>
            ))}
          </fieldset>
        ) : (
          <div className="field">
            <label htmlFor={`${kind}-to`}>{t('transfer.to')}</label>
            <input
              id={`${kind}-to`}
              data-testid={`${kind}-to`}
              required
              value={typed}
              onChange={(e) => setTyped(e.target.value.toUpperCase())}
              aria-describedby={`${kind}-to-help`}
              maxLength={400}
            />
            <span className="help" id={`${kind}-to-help`}>
              {t('transfer.toHelp')}
            </span>
          </div>
        )}
        <button
          type="submit"
          className="primary"
          disabled={busy || to.length === 0}
          data-testid={`${kind}-submit`}
        >
          {kind === 'release' ? t('transfer.release') : t('transfer.forward')}
        </button>
      </form>
      {busy ? <Loading what={t('transfer.deciding')} /> : null}
      {result !== null ? (
        <div
          className="success"
          role="status"
          data-testid={`${kind}-result`}
          data-decision={result.result.decision}
        >
          <TransferOutcome to={result.to} result={result.result} />
        </div>
      ) : null}
      {results !== null ? (
        <div role="status">
          <ul
            className="transfer-results"
            aria-label={t('transfer.results')}
            data-testid={`${kind}-results`}
          >
            {results.map((r) => (
              <li
                key={r.to}
                className={r.decision === 'allow' ? 'success' : 'error'}
                data-party={r.to}
                data-decision={r.decision}
              >
                <TransferOutcome to={r.to} result={r} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {error !== undefined ? (
        <div data-testid={`${kind}-refusal`}>
          <ErrorMessage error={error} testId={`${kind}-error`} />
        </div>
      ) : null}
    </Section>
  );
}

/**
 * What one party was answered: the decision, the marking it gets there beside the
 * originator's, the envelope queued, and the reasons (a refusal's in words).
 */
function TransferOutcome({ to, result }: { readonly to: string; readonly result: TransferResult }) {
  const { t } = useI18n();
  return (
    <>
      <p>
        <DecisionBadge decision={result.decision} /> {t('transfer.allowed', { to })}
        {result.marking !== null ? (
          <>
            {' '}
            {t('transfer.markedAs', { party: result.marking.party })}{' '}
            <MarkingName marking={result.marking} />
            {result.marking.originator !== undefined ? (
              <>
                {' '}
                {t('transfer.beside', { party: result.marking.originator.party })}{' '}
                <MarkingName marking={result.marking.originator} />
              </>
            ) : null}
          </>
        ) : null}
      </p>
      {result.envelope !== null ? (
        <p className="muted">
          {t('transfer.envelope')} <span className="mono">{result.envelope}</span> ·{' '}
          <a href={href('outbox')}>{t('nav.outbox')}</a>
        </p>
      ) : null}
      <ReasonList reasons={result.reasons} />
    </>
  );
}
