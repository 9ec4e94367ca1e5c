// Agreements in step between nodes: the lifecycle messages this node sent with their
// partners' acknowledgements, and the last status each partner reported of each
// shared agreement, as compared with this node's at the same instant.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, LifecycleSentTable, PeerAgreementStatusTable } from './schema.js';

type Q = Kysely<Database>;

export type LifecycleSentRow = Selectable<LifecycleSentTable>;
export type PeerStatusRow = Selectable<PeerAgreementStatusTable>;

/** A lifecycle message sent, with its outbox state (the receipt's code once refused). */
export type LifecycleDeliveryRow = LifecycleSentRow & {
  readonly state: string | null;
  readonly last_error: string | null;
};

export async function insertLifecycleSent(
  q: Q,
  row: Insertable<LifecycleSentTable>,
): Promise<void> {
  await q.insertInto('lifecycle_sent').values(row).execute();
}

/** The lifecycle message `envelope` this node sent to `peer`, if any. */
export function lifecycleSent(
  q: Q,
  envelope: string,
  peer: string,
): Promise<LifecycleSentRow | undefined> {
  return q
    .selectFrom('lifecycle_sent')
    .selectAll()
    .where('envelope', '=', envelope)
    .where('peer', '=', peer)
    .executeTakeFirst();
}

/** Records a partner's acknowledgement of a lifecycle message (the first one stands). */
export async function acknowledgeLifecycle(
  q: Q,
  envelope: string,
  ack: { at: number; status: string; differs: string; receivedAt: number },
): Promise<void> {
  await q
    .updateTable('lifecycle_sent')
    .set({
      ack_at: ack.at,
      ack_status: ack.status,
      ack_differs: ack.differs,
      ack_received_at: ack.receivedAt,
    })
    .where('envelope', '=', envelope)
    .where('ack_received_at', 'is', null)
    .execute();
}

/**
 * Whether a lifecycle message of this node about `agreement` may still be on its way to
 * `peer` or in its hands unacknowledged: queued or delivered, and not yet acknowledged.
 */
export async function lifecycleInFlight(q: Q, agreement: string, peer: string): Promise<boolean> {
  const row = await q
    .selectFrom('lifecycle_sent')
    .innerJoin('outbox', 'outbox.id', 'lifecycle_sent.envelope')
    .select('lifecycle_sent.envelope')
    .where('lifecycle_sent.agreement_id', '=', agreement)
    .where('lifecycle_sent.peer', '=', peer)
    .where('lifecycle_sent.ack_received_at', 'is', null)
    .where('outbox.state', 'in', ['pending', 'delivered'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** The lifecycle messages sent about an agreement (every agreement: null), oldest first. */
export function lifecycleDeliveries(
  q: Q,
  agreement: string | null,
): Promise<LifecycleDeliveryRow[]> {
  let query = q
    .selectFrom('lifecycle_sent')
    .leftJoin('outbox', 'outbox.id', 'lifecycle_sent.envelope')
    .selectAll('lifecycle_sent')
    .select(['outbox.state', 'outbox.last_error']);
  if (agreement !== null) query = query.where('lifecycle_sent.agreement_id', '=', agreement);
  return query.orderBy('lifecycle_sent.sent_at').orderBy('lifecycle_sent.envelope').execute();
}

export function peerStatus(
  q: Q,
  agreement: string,
  peer: string,
): Promise<PeerStatusRow | undefined> {
  return q
    .selectFrom('peer_agreement_status')
    .selectAll()
    .where('agreement_id', '=', agreement)
    .where('peer', '=', peer)
    .executeTakeFirst();
}

/** Every partner's last report of every agreement. */
export function peerStatuses(q: Q): Promise<PeerStatusRow[]> {
  return q.selectFrom('peer_agreement_status').selectAll().execute();
}

/** Keeps a partner's report of an agreement as its last one. */
export async function savePeerStatus(
  q: Q,
  row: Insertable<PeerAgreementStatusTable>,
): Promise<void> {
  await q
    .insertInto('peer_agreement_status')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['agreement_id', 'peer']).doUpdateSet({
        at: row.at,
        received_at: row.received_at,
        envelope: row.envelope,
        status: row.status,
        own: row.own,
        differs: row.differs,
      }),
    )
    .execute();
}

/** An outbox envelope's state ('pending', 'delivered', …), if it is there. */
export async function envelopeState(q: Q, id: string): Promise<string | undefined> {
  const row = await q.selectFrom('outbox').select('state').where('id', '=', id).executeTakeFirst();
  return row?.state;
}
