// Agreements in step: a partner's acknowledgement of a lifecycle action of ours, and a
// partner's report of its status of each agreement we share, each compared with this
// node's status at the same instant. A difference is an alarm: logged (deny), kept for
// `liaison agreement check`, the console and /metrics (docs/wire.md §5.13, §5.14).
import { formatInstant, parseInstant } from '../../core/index.js';
import { canonicalJson } from '../../crypto/canonical-json.js';
import { type EventSubjects, record } from '../../node/events.js';
import {
  acknowledgeLifecycle,
  lifecycleInFlight,
  lifecycleSent,
  peerStatus,
  savePeerStatus,
} from '../../store/lifecycle-sync.js';
import { differences, statusOnWire } from '../agreement-status.js';
import { FederationError } from '../errors.js';
import { MAX_SKEW_MS } from '../httpsig.js';
import { type Arrival, accepted, type Outcome } from './arrival.js';

/** How a comparison is logged: a divergence as a denial, `status-diverged`. */
function verdict(diverged: boolean): { decision: 'allow' | 'deny'; reasons: string[] } {
  return diverged
    ? { decision: 'deny', reasons: ['status-diverged'] }
    : { decision: 'allow', reasons: ['in-step'] };
}

/** The partner recorded our lifecycle action: at which instant, with which status after it. */
export async function receiveLifecycleAck({
  fed,
  u,
  m,
}: Arrival<'lifecycle.ack'>): Promise<Outcome> {
  const b = m.body;
  const sent = await lifecycleSent(u.tx, b.envelope, m.from);
  if (sent === undefined || sent.agreement_id !== b.agreement || sent.action !== b.action)
    throw new FederationError(
      'malformed-message',
      `no ${b.action} of ${b.agreement} was sent to ${m.from} in envelope ${b.envelope}`,
    );
  const at = parseInstant(b.at).ms;
  const a = u.world.agreements.get(b.agreement);
  // Decided before anything is written: an unreadable instant refuses the message alone.
  const differs = [
    ...(at === sent.at ? [] : ['at']),
    ...(a === undefined ? ['agreement'] : differences(statusOnWire(a.statusAt(at)), b.status)),
  ];
  await acknowledgeLifecycle(u.tx, b.envelope, {
    at,
    status: canonicalJson(b.status),
    differs: canonicalJson(differs),
    receivedAt: u.now,
  });
  const i = record(
    u,
    'agreement.lifecycle-acknowledged',
    { user: null, party: m.from },
    {
      agreement: b.agreement,
      action: b.action,
      envelope: b.envelope,
      at: formatInstant(at),
      status: b.status,
      differs,
    },
    verdict(differs.length > 0),
  );
  if (differs.length > 0) u.afterCommit(() => fed.reporter.answer(m.from));
  return accepted(
    i,
    differs.length === 0
      ? `acknowledgement of ${b.action} recorded: in step`
      : `acknowledgement of ${b.action} recorded: ${differs.join(', ')} differ`,
  );
}

type Compared = EventSubjects['agreement.status-compared']['agreements'][number];

/**
 * A partner's status of each agreement it shares with us, at its instant: each compared
 * with ours at that instant. A difference while a lifecycle message of ours to that
 * partner is still unacknowledged is not yet a divergence (`in-flight`): the partner
 * may have computed its status before our message reached it.
 */
export async function receiveStatus({ fed, u, m }: Arrival<'agreement.status'>): Promise<Outcome> {
  const b = m.body;
  const at = parseInstant(b.at).ms;
  if (at > u.now + MAX_SKEW_MS)
    throw new FederationError(
      'stale-instant',
      `the status report is dated ${formatInstant(at)}, more than ${MAX_SKEW_MS / 1000} s ahead of this node's clock`,
    );
  const compared: Compared[] = [];
  const unknown: string[] = [];
  const keep: Parameters<typeof savePeerStatus>[1][] = [];
  for (const { agreement, ...theirs } of b.agreements) {
    const a = u.world.agreements.get(agreement);
    if (a === undefined || !a.partyIds.has(m.from) || !a.partyIds.has(fed.party)) {
      unknown.push(agreement);
      continue;
    }
    const ours = statusOnWire(a.statusAt(at));
    const differs = differences(ours, theirs);
    if (differs.length > 0 && (await lifecycleInFlight(u.tx, agreement, m.from))) {
      compared.push({ agreement, result: 'in-flight' });
      continue;
    }
    compared.push(
      differs.length === 0
        ? { agreement, result: 'agrees' }
        : { agreement, result: 'diverged', differs, theirs, ours },
    );
    // A report older than the one kept (it cannot overtake it in order) is not kept.
    const prev = await peerStatus(u.tx, agreement, m.from);
    if (prev === undefined || prev.at <= at)
      keep.push({
        agreement_id: agreement,
        peer: m.from,
        at,
        received_at: u.now,
        envelope: m.id,
        status: canonicalJson(theirs),
        own: canonicalJson(ours),
        differs: canonicalJson(differs),
      });
  }
  for (const row of keep) await savePeerStatus(u.tx, row);
  const diverged = compared.filter((c) => c.result === 'diverged').map((c) => c.agreement);
  const i = record(
    u,
    'agreement.status-compared',
    { user: null, party: m.from },
    { envelope: m.id, at: formatInstant(at), agreements: compared, unknown },
    verdict(diverged.length > 0),
  );
  if (diverged.length > 0) u.afterCommit(() => fed.reporter.answer(m.from));
  return accepted(
    i,
    diverged.length === 0
      ? `status of ${compared.length} agreement(s) compared: in step`
      : `status diverges: ${diverged.join(', ')}`,
  );
}
