// Shows the outcome of a proof checked in the browser ("verified in log at index N").
import { useI18n } from '../i18n';
import type { ProofOutcome } from '../verify';

export function ProofStatus({
  outcome,
  testId,
}: {
  readonly outcome: ProofOutcome;
  readonly testId?: string;
}) {
  const { t } = useI18n();
  const sig =
    outcome.signature === 'valid'
      ? t('proof.sigValid', { origin: outcome.origin ?? '' })
      : outcome.signature === 'unsupported'
        ? t('proof.sigUnsupported')
        : outcome.signature === 'no-key'
          ? t('proof.sigNoKey')
          : t('proof.sigInvalid');
  return (
    <div
      className={`proof ${outcome.verified ? 'ok' : 'bad'}`}
      data-testid={testId ?? 'proof-status'}
      data-verified={outcome.verified}
      data-index={outcome.index}
      role="status"
    >
      <p>
        <span aria-hidden="true">{outcome.verified ? '✔ ' : '✖ '}</span>
        <strong>
          {outcome.verified
            ? t('proof.verified', { index: outcome.index })
            : t('proof.failed', { index: outcome.index })}
        </strong>
      </p>
      <ul className="proof-details">
        <li>{t('proof.treeSize', { size: outcome.treeSize })}</li>
        {outcome.leafMatches !== null ? (
          <li>{outcome.leafMatches ? t('proof.leafOk') : t('proof.leafBad')}</li>
        ) : null}
        <li>{outcome.inclusion ? t('proof.inclusionOk') : t('proof.inclusionBad')}</li>
        <li>{outcome.rootMatchesCheckpoint ? t('proof.rootOk') : t('proof.rootBad')}</li>
        <li>{sig}</li>
      </ul>
    </div>
  );
}
