// FLASH alerts and their acknowledgements: the rows behind src/alerts. An alert's
// payload is the alerts layer's type `P`; it is stored as canonical JSON of a payload
// that layer has checked (its own or a partner's), and read back as the same type.
import { type Kysely, type Selectable, sql } from 'kysely';
import { openRecord, sealRecord } from './content-keys.js';
import { column, json } from './json.js';
import type { AlertAckTable, AlertTable, Database } from './schema.js';

type Q = Kysely<Database>;

/** An alert as this node holds it. */
export interface AlertRecord<P> {
  readonly item: string;
  readonly originator: string;
  /** CAP msgType: Alert, Update or Cancel. */
  readonly msgType: string;
  readonly payload: P;
  /** When the originator sent it. */
  readonly sentAt: number;
  /** When this node stored it (= sentAt at the originator). */
  readonly receivedAt: number;
  /** The alert that superseded this one, here. */
  readonly supersededBy: string | null;
  readonly ackDeadlineMs: number;
  /** At the originator: the parties it was released to. */
  readonly recipients: readonly string[];
  readonly escalations: number;
}

/** An officer's acknowledgement of an alert, as recorded here. */
export interface AckRecord {
  readonly item: string;
  readonly party: string;
  readonly user: string;
  readonly ackedAt: number;
  readonly receivedAt: number;
  /** The acknowledging node's JWS over the acknowledgement. */
  readonly signature: string;
}

/** The state of an item's message to one peer in the outbox. */
export interface Delivery {
  readonly peer: string;
  /** pending, delivered, refused or withheld. */
  readonly state: string;
  readonly settledAt: number | null;
}

/** `P` must be the type the payload was written with (`insertAlert`). */
async function decodeAlert<P>(q: Q, r: Selectable<AlertTable>): Promise<AlertRecord<P>> {
  const payload = await openRecord(q, r.payload, `alerts/${r.item_id}`);
  return {
    item: r.item_id,
    originator: r.originator,
    msgType: r.msg_type,
    payload: column<P>(payload),
    sentAt: r.sent_at,
    receivedAt: r.received_at,
    supersededBy: r.superseded_by,
    ackDeadlineMs: r.ack_deadline_ms,
    recipients: column<string[]>(r.recipients),
    escalations: r.escalations,
  };
}

function decodeAck(r: Selectable<AlertAckTable>): AckRecord {
  return {
    item: r.item_id,
    party: r.party,
    user: r.user_id,
    ackedAt: r.acked_at,
    receivedAt: r.received_at,
    signature: r.signature,
  };
}

export async function insertAlert<P>(q: Q, a: AlertRecord<P>): Promise<void> {
  await q
    .insertInto('alerts')
    .values({
      item_id: a.item,
      originator: a.originator,
      msg_type: a.msgType,
      // The alert's text is content: sealed at rest.
      payload: await sealRecord(q, json(a.payload), `alerts/${a.item}`),
      sent_at: a.sentAt,
      received_at: a.receivedAt,
      superseded_by: a.supersededBy,
      ack_deadline_ms: a.ackDeadlineMs,
      recipients: json(a.recipients),
      escalations: a.escalations,
    })
    .execute();
}

/** One alert, or undefined when the item is no alert held here. */
export async function alertById<P>(q: Q, item: string): Promise<AlertRecord<P> | undefined> {
  const r = await q.selectFrom('alerts').selectAll().where('item_id', '=', item).executeTakeFirst();
  return r === undefined ? undefined : decodeAlert<P>(q, r);
}

/** The alerts held here among `items`, in no particular order. */
export async function alertsByIds<P>(q: Q, items: readonly string[]): Promise<AlertRecord<P>[]> {
  if (items.length === 0) return [];
  const rows = await q
    .selectFrom('alerts')
    .selectAll()
    .where('item_id', 'in', [...items])
    .execute();
  return Promise.all(rows.map((r) => decodeAlert<P>(q, r)));
}

/** The payload of an alert as stored, or undefined when the item is no alert. */
export async function alertPayload(q: Q, item: string): Promise<unknown> {
  const r = await q
    .selectFrom('alerts')
    .select('payload')
    .where('item_id', '=', item)
    .executeTakeFirst();
  return r === undefined
    ? undefined
    : column<unknown>(await openRecord(q, r.payload, `alerts/${item}`));
}

/** A page of the alerts held here, newest first. */
export async function alertsPage<P>(q: Q, offset: number, n: number): Promise<AlertRecord<P>[]> {
  const rows = await q
    .selectFrom('alerts')
    .selectAll()
    .orderBy('received_at', 'desc')
    .orderBy('item_id')
    .limit(n)
    .offset(offset)
    .execute();
  return Promise.all(rows.map((r) => decodeAlert<P>(q, r)));
}

/**
 * The alerts `originator` sent that have escalated fewer than `maxEscalations` times
 * and whose escalation window (`maxEscalations + 1` deadlines from sending) ended no
 * earlier than `windowEndsAfter`: older ones are not read again at each load.
 */
export async function alertsStillEscalating<P>(
  q: Q,
  originator: string,
  maxEscalations: number,
  windowEndsAfter: number,
): Promise<AlertRecord<P>[]> {
  const rows = await q
    .selectFrom('alerts')
    .selectAll()
    .where('originator', '=', originator)
    .where('escalations', '<', maxEscalations)
    .where(sql<number>`sent_at + ack_deadline_ms * ${maxEscalations + 1}`, '>=', windowEndsAfter)
    .execute();
  return Promise.all(rows.map((r) => decodeAlert<P>(q, r)));
}

export async function setEscalations(q: Q, item: string, level: number): Promise<void> {
  await q.updateTable('alerts').set({ escalations: level }).where('item_id', '=', item).execute();
}

/** Marks the current alerts among `items` that `originator` sent as superseded by `by`. */
export async function setSuperseded(
  q: Q,
  by: string,
  items: readonly string[],
  originator: string,
): Promise<void> {
  await q
    .updateTable('alerts')
    .set({ superseded_by: by })
    .where('item_id', 'in', [...items])
    .where('originator', '=', originator)
    .where('superseded_by', 'is', null)
    .execute();
}

/** Records an acknowledgement; one already recorded for the same person stays as it is. */
export async function insertAck(q: Q, a: AckRecord): Promise<void> {
  await q
    .insertInto('alert_acks')
    .values({
      item_id: a.item,
      party: a.party,
      user_id: a.user,
      acked_at: a.ackedAt,
      received_at: a.receivedAt,
      signature: a.signature,
    })
    .onConflict((oc) => oc.columns(['item_id', 'party', 'user_id']).doNothing())
    .execute();
}

/** A person's acknowledgement of an alert, if they gave one. */
export async function ackBy(
  q: Q,
  item: string,
  party: string,
  user: string,
): Promise<AckRecord | undefined> {
  const r = await q
    .selectFrom('alert_acks')
    .selectAll()
    .where('item_id', '=', item)
    .where('party', '=', party)
    .where('user_id', '=', user)
    .executeTakeFirst();
  return r === undefined ? undefined : decodeAck(r);
}

/** An alert's acknowledgements, earliest first. */
export async function acksOf(q: Q, item: string): Promise<AckRecord[]> {
  const rows = await q
    .selectFrom('alert_acks')
    .selectAll()
    .where('item_id', '=', item)
    .orderBy('acked_at')
    .execute();
  return rows.map(decodeAck);
}

/** The parties that have acknowledged an alert. */
export async function ackingParties(q: Q, item: string): Promise<Set<string>> {
  const rows = await q
    .selectFrom('alert_acks')
    .select('party')
    .where('item_id', '=', item)
    .execute();
  return new Set(rows.map((r) => r.party));
}

/** Those of `items` that someone of `party` has acknowledged. */
export async function acknowledgedBy(
  q: Q,
  party: string,
  items: readonly string[],
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = await q
    .selectFrom('alert_acks')
    .select('item_id')
    .where('party', '=', party)
    .where('item_id', 'in', [...items])
    .execute();
  return new Set(rows.map((r) => r.item_id));
}

/** Where an item sent from here stands with each peer: its `item` message in the outbox. */
export async function deliveriesOf(q: Q, item: string): Promise<Delivery[]> {
  const rows = await q
    .selectFrom('outbox')
    .select(['peer', 'state', 'settled_at'])
    .where('item_id', '=', item)
    .where('type', '=', 'item')
    .execute();
  return rows.map((r) => ({ peer: r.peer, state: r.state, settledAt: r.settled_at }));
}
