// Shows the outcome of a proof checked in the browser ("verified in log at index N"),
// and checks proofs of log entries on demand against this node's checkpoint key.
import { useCallback, useState } from 'react';
import type { Client } from '../api';
import { useI18n } from '../i18n';
import { nodeIdentity } from '../nodeInfo';
import type { InclusionProof } from '../types';
import { checkProof, type ProofOutcome } from '../verify';
import { ErrorMessage } from './ui';

/** Checks an inclusion proof against the checkpoint key of the node `client` talks to. */
export async function checkWithNodeKey(
  client: Client,
  proof: Promise<InclusionProof>,
  opts: { readonly entryData?: string; readonly leafHex?: string } = {},
): Promise<ProofOutcome> {
  const [p, node] = await Promise.all([proof, nodeIdentity(client)]);
  return checkProof(p, { ...opts, verifier: node.key });
}

/** A log entry's proof check: under way, done, or failed to fetch or check. */
export type ProofCheck = ProofOutcome | 'checking' | Error;

/** Proof checks of log entries by index, each started by `verify`. */
export function useProofChecks(): {
  readonly checks: ReadonlyMap<number, ProofCheck>;
  readonly verify: (index: number, check: () => Promise<ProofOutcome>) => Promise<void>;
} {
  const [checks, setChecks] = useState<ReadonlyMap<number, ProofCheck>>(new Map());
  const verify = useCallback(async (index: number, check: () => Promise<ProofOutcome>) => {
    setChecks((m) => new Map(m).set(index, 'checking'));
    try {
      const o = await check();
      setChecks((m) => new Map(m).set(index, o));
    } catch (e) {
      setChecks((m) => new Map(m).set(index, e instanceof Error ? e : new Error(String(e))));
    }
  }, []);
  return { checks, verify };
}

/**
 * A table cell's proof check of log entry `index`: a button to start it, then its
 * progress and outcome; a failure in full with `errorDetail`, else as a short note.
 */
export function ProofCell({
  index,
  check,
  onVerify,
  testId,
  buttonTestId,
  errorDetail,
}: {
  readonly index: number;
  readonly check: ProofCheck | undefined;
  readonly onVerify: () => void;
  readonly testId: string;
  readonly buttonTestId?: string;
  readonly errorDetail?: boolean;
}) {
  const { t } = useI18n();
  if (check === undefined)
    return (
      <button
        type="button"
        onClick={onVerify}
        aria-label={t('item.verifyEntry', { index })}
        data-testid={buttonTestId}
      >
        {t('audit.verify')}
      </button>
    );
  if (check === 'checking') return <span role="status">{t('proof.checking')}</span>;
  if (check instanceof Error)
    return errorDetail ? (
      <ErrorMessage error={check} />
    ) : (
      <span className="warn">{t('proof.fetchFailed')}</span>
    );
  return <ProofStatus outcome={check} testId={testId} />;
}

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
