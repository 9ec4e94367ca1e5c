// Agreement messages from partners: a party's signatures of a proposal (merged; the
// proposal binds once every party has signed), and a notice action by the sender.
import { parseInstant } from '../../core/index.js';
import { decideNotice } from '../../node/agreements.js';
import { mergeProposal } from '../proposals.js';
import { type Arrival, accepted, denied, notLater, type Outcome } from './arrival.js';

export async function receiveProposalSignature({
  fed,
  u,
  m,
}: Arrival<'proposal.signature'>): Promise<Outcome> {
  return accepted(await mergeProposal(fed, u, m.body, m.from), 'signatures merged');
}

/** RULES L*: a notice, suspension, resumption or withdrawal by the sending party, at its instant. */
export async function receiveLifecycle({ u, m }: Arrival<'agreement.lifecycle'>): Promise<Outcome> {
  const b = m.body;
  const { decision: d, logIndex: i } = await decideNotice(
    u,
    { user: null, party: m.from },
    b.agreement,
    b.action,
    notLater(parseInstant(b.at).ms, u.now, 'the notice'),
  );
  if (d.decision === 'deny') return denied(d, i);
  return accepted(i, `${b.action} recorded`);
}
