// For admins: give, suspend, resume or withdraw a termination notice. Each action
// first shows its simulated consequence (POST /v1/simulate on a scenario generated
// from the agreement as it stands), and only then offers the confirm button.
import { useState } from 'react';
import { ApiError, enc, isMissingRoute } from '../api';
import { noticeShown } from '../format';
import { type MsgKey, useI18n } from '../i18n';
import { type PreviewOutcome, previewScenario, readPreview } from '../noticePreview';
import { useSession } from '../session';
import type { AgreementExplanation, DecisionView, NoticeAction, SimulateResult } from '../types';
import {
  DataTable,
  DecisionBadge,
  ErrorMessage,
  Instant,
  Loading,
  ReasonList,
  StateBadge,
} from './ui';

const ACTIONS: readonly { action: NoticeAction; label: MsgKey; confirm: MsgKey }[] = [
  { action: 'notice', label: 'notice.give', confirm: 'notice.confirmGive' },
  { action: 'suspend-notice', label: 'notice.suspend', confirm: 'notice.confirmSuspend' },
  { action: 'resume-notice', label: 'notice.resume', confirm: 'notice.confirmResume' },
  { action: 'withdraw-notice', label: 'notice.withdraw', confirm: 'notice.confirmWithdraw' },
];

type PreviewState =
  | { kind: 'loading' }
  | { kind: 'ready'; outcome: PreviewOutcome }
  | { kind: 'unavailable'; error: unknown };

export function NoticeActions({
  x,
  onDone,
}: {
  readonly x: AgreementExplanation;
  readonly onDone: () => void;
}) {
  const { t } = useI18n();
  const { session, client } = useSession();
  const [chosen, setChosen] = useState<NoticeAction | null>(null);
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ action: NoticeAction; d: DecisionView } | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const party = session.party;
  const isParty = x.parties.some((p) => p.id === party);

  const choose = async (action: NoticeAction) => {
    setChosen(action);
    setResult(null);
    setError(undefined);
    setPreview({ kind: 'loading' });
    const { scenario } = previewScenario(x, action, party, Date.now());
    try {
      const r = await client.post<SimulateResult>('/v1/simulate', { scenario });
      setPreview({ kind: 'ready', outcome: readPreview(r, action) });
    } catch (e) {
      setPreview({ kind: 'unavailable', error: e });
    }
  };

  const confirm = async () => {
    if (chosen === null) return;
    setBusy(true);
    setError(undefined);
    try {
      const d = await client.post<DecisionView>(`/v1/agreements/${enc(x.id)}/notices`, {
        action: chosen,
      });
      setResult({ action: chosen, d });
      setChosen(null);
      setPreview(null);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const def = ACTIONS.find((a) => a.action === chosen);
  const denied = preview?.kind === 'ready' && preview.outcome.decision?.decision === 'deny';

  return (
    <div className="notice-actions" data-testid="notice-actions">
      {!isParty ? <p className="warn">{t('notice.notParty', { party })}</p> : null}
      <p className="help">{t('notice.help', { party })}</p>
      <fieldset className="button-row bare">
        <legend className="visually-hidden">{t('notice.actionsLabel')}</legend>
        {ACTIONS.map((a) => (
          <button
            key={a.action}
            type="button"
            onClick={() => void choose(a.action)}
            aria-pressed={chosen === a.action}
            data-testid={`notice-action-${a.action}`}
          >
            {t(a.label)}
          </button>
        ))}
      </fieldset>
      {chosen !== null && def !== undefined && preview !== null ? (
        <section
          className="preview"
          aria-labelledby="notice-preview-title"
          data-testid="notice-preview"
        >
          <h3 id="notice-preview-title">{t('notice.previewTitle', { action: t(def.label) })}</h3>
          {preview.kind === 'loading' ? <Loading what={t('notice.simulating')} /> : null}
          {preview.kind === 'unavailable' ? (
            <div className="warn" data-testid="notice-preview-unavailable">
              <p>
                {isMissingRoute(preview.error)
                  ? t('notice.previewMissing')
                  : t('notice.previewFailed')}
              </p>
              {!isMissingRoute(preview.error) ? <ErrorMessage error={preview.error} /> : null}
            </div>
          ) : null}
          {preview.kind === 'ready' ? <Outcome outcome={preview.outcome} x={x} /> : null}
          <div className="button-row">
            <button
              type="button"
              className="primary"
              onClick={() => void confirm()}
              disabled={busy || preview.kind === 'loading' || denied}
              data-testid="notice-confirm"
            >
              {t(def.confirm)}
            </button>
            <button
              type="button"
              onClick={() => {
                setChosen(null);
                setPreview(null);
              }}
              data-testid="notice-cancel"
            >
              {t('common.cancel')}
            </button>
          </div>
          {denied ? <p className="help">{t('notice.deniedHelp')}</p> : null}
        </section>
      ) : null}
      {error !== undefined ? (
        <ErrorMessage
          error={error}
          testId={error instanceof ApiError ? 'notice-error' : undefined}
        />
      ) : null}
      {result !== null ? (
        <div className="success" role="status" data-testid="notice-result">
          <p>
            <DecisionBadge decision={result.d.decision} />{' '}
            {t('notice.done', {
              action: t(ACTIONS.find((a) => a.action === result.action)?.label ?? 'notice.give'),
            })}
          </p>
          <ReasonList reasons={result.d.reasons} />
        </div>
      ) : null}
    </div>
  );
}

function Outcome({
  outcome,
  x,
}: {
  readonly outcome: PreviewOutcome;
  readonly x: AgreementExplanation;
}) {
  const { t } = useI18n();
  const d = outcome.decision;
  const last = outcome.statuses[outcome.statuses.length - 1];
  return (
    <div data-testid="notice-preview-outcome">
      {d === null ? null : (
        <>
          <p>
            {t('notice.wouldBe')} <DecisionBadge decision={d.decision} />
          </p>
          <ReasonList reasons={d.reasons} />
        </>
      )}
      {d?.decision === 'allow' ? (
        <p className="consequence" data-testid="notice-consequence">
          {outcome.ends !== null ? (
            <>
              {t('notice.wouldEnd', { id: x.id })}{' '}
              <strong>
                <Instant iso={outcome.endsAt ?? outcome.ends.at} timeZone={x.timezone} />
              </strong>
              {outcome.ends.endedBy
                ? ` (${t(`endedBy.${outcome.ends.endedBy}` as 'endedBy.notice')})`
                : ''}
            </>
          ) : last !== undefined ? (
            <>
              {t('notice.wouldContinue', { id: x.id })}{' '}
              <strong>
                <Instant iso={last.at} timeZone={x.timezone} />
              </strong>
            </>
          ) : null}
        </p>
      ) : null}
      {outcome.statuses.length > 0 ? (
        <DataTable
          className="compact"
          testId="notice-preview-table"
          caption={t('notice.statusCaption')}
          captionVisible
          columns={[
            t('notice.at'),
            t('agreements.state'),
            t('agreements.termEnd'),
            t('agreements.notice'),
          ]}
        >
          {outcome.statuses.map((s) => (
            <tr key={s.step}>
              <td>
                <Instant iso={s.at} timeZone={x.timezone} seconds />
              </td>
              <td>
                <StateBadge state={s.state} />
                {s.contested ? <span className="warn"> {t('agreements.contested')}</span> : null}
              </td>
              <td>
                {s.termEnd === null ? '—' : <Instant iso={s.termEnd} timeZone={x.timezone} />}
              </td>
              <td>
                {s.notice === null || noticeShown(s.state, s.notice) === 'none' ? (
                  '—'
                ) : (
                  <>
                    {t(
                      s.notice.suspended
                        ? 'agreements.noticeSuspended'
                        : 'agreements.noticePending',
                      {
                        party: s.notice.by,
                      },
                    )}{' '}
                    → <Instant iso={s.notice.target} timeZone={x.timezone} />
                  </>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </div>
  );
}
