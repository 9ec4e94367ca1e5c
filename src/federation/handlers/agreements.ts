// Agreement messages from partners: a party's signatures of a proposal (merged; the
// proposal binds once every party has signed), and a notice action by the sender.
import { formatInstant, parseInstant } from '../../core/index.js';
import { decideNotice } from '../../node/agreements.js';
import { statusOnWire } from '../agreement-status.js';
import { FederationError } from '../errors.js';
import { mergeProposal } from '../proposals.js';
import { type Arrival, accepted, denied, freshInstant, type Outcome } from './arrival.js';

export async function receiveProposalSignature({
  fed,
  u,
  m,
}: Arrival<'proposal.signature'>): Promise<Outcome> {
  return accepted(await mergeProposal(fed, u, m.body, m.from), 'signatures merged');
}

/**
 * RULES L*: a notice, suspension, resumption or withdrawal by the sending party, at its
 * instant. The instant must be fresh (`freshInstant`) and not before the agreement's
 * last event here; once recorded, the sender is answered with an acknowledgement naming
 * the instant recorded and the status after it (docs/wire.md §5.6, §5.13).
 */
export async function receiveLifecycle({
  fed,
  u,
  m,
}: Arrival<'agreement.lifecycle'>): Promise<Outcome> {
  const b = m.body;
  const at = freshInstant(parseInstant(b.at).ms, u.now, `the ${b.action} of ${b.agreement}`);
  const last = u.world.agreements.get(b.agreement)?.events.at(-1);
  if (last !== undefined && last.at > at)
    throw new FederationError(
      'stale-instant',
      `the ${b.action} of ${b.agreement} is dated ${formatInstant(at)}, before its last lifecycle event here (${formatInstant(last.at)}): events are recorded in time order`,
    );
  const { decision: d, logIndex: i } = await decideNotice(
    u,
    { user: null, party: m.from },
    b.agreement,
    b.action,
    at,
  );
  if (d.decision === 'deny') return denied(d, i);
  const a = u.world.agreements.get(b.agreement);
  if (a !== undefined)
    await fed.enqueue(u, m.from, 'lifecycle.ack', {
      envelope: m.id,
      agreement: b.agreement,
      action: b.action,
      at: formatInstant(at),
      status: statusOnWire(a.statusAt(at)),
    });
  return accepted(i, `${b.action} recorded at ${formatInstant(at)}`);
}
