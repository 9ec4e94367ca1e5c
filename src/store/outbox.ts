// The outbox: messages queued to peers, each in the transaction of the change that
// caused it, then delivered (or withheld, or refused by the peer) and settled with the
// peer's signed receipt.
import type { Insertable, Kysely, Selectable } from 'kysely';
import { openRecord, sealRecord } from './content-keys.js';
import type { Database, OutboxTable } from './schema.js';

type Q = Kysely<Database>;

export type OutboxRow = Selectable<OutboxTable>;

/** The columns delivery reads. */
const PENDING_COLUMNS = [
  'id',
  'peer',
  'seq',
  'type',
  'payload',
  'state',
  'attempts',
  'next_attempt_at',
  'item_id',
] as const;
export type PendingRow = Pick<OutboxRow, (typeof PENDING_COLUMNS)[number]>;

/** The last sequence number queued to each peer. */
export async function lastSeqs(q: Q): Promise<Map<string, number>> {
  const rows = await q
    .selectFrom('outbox')
    .select(['peer', (eb) => eb.fn.max('seq').as('max')])
    .groupBy('peer')
    .execute();
  return new Map(rows.map((r) => [r.peer, Number(r.max)]));
}

/** The last sequence number queued to `peer` (0 for none). */
export async function lastSeqOf(q: Q, peer: string): Promise<number> {
  const r = await q
    .selectFrom('outbox')
    .select((eb) => eb.fn.max('seq').as('max'))
    .where('peer', '=', peer)
    .executeTakeFirst();
  return Number(r?.max ?? 0);
}

/** Queues a message; its payload (an item's content, often) is sealed at rest. */
export async function insertEnvelope(q: Q, row: Insertable<OutboxTable>): Promise<void> {
  const payload = await sealRecord(q, row.payload, `outbox/${row.id}`);
  await q
    .insertInto('outbox')
    .values({ ...row, payload })
    .execute();
}

/** Rows read back with their payloads opened. */
async function opened<R extends { id: string; payload: string }>(
  q: Q,
  rows: readonly R[],
): Promise<R[]> {
  const out: R[] = [];
  for (const r of rows)
    out.push({ ...r, payload: await openRecord(q, r.payload, `outbox/${r.id}`) });
  return out;
}

/**
 * Up to `limit` pending messages to a peer, in the order they leave: FLASH ones
 * (`flash`) or the others, by precedence then sequence.
 */
export async function pendingTo(
  q: Q,
  peer: string,
  flash: boolean,
  limit: number,
): Promise<PendingRow[]> {
  const rows = await q
    .selectFrom('outbox')
    .select(PENDING_COLUMNS)
    .where('state', '=', 'pending')
    .where('peer', '=', peer)
    .where('precedence', flash ? '=' : '>', 0)
    .orderBy('precedence')
    .orderBy('seq')
    .limit(limit)
    .execute();
  return opened(q, rows);
}

/** Whether FLASH messages to a peer are pending and due at `now`. */
export async function flashDue(q: Q, peer: string, now: number): Promise<boolean> {
  const row = await q
    .selectFrom('outbox')
    .select('id')
    .where('state', '=', 'pending')
    .where('peer', '=', peer)
    .where('precedence', '=', 0)
    .where('next_attempt_at', '<=', now)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Makes every pending message to a peer due at `at`; returns how many. */
export async function rescheduleTo(q: Q, peer: string, at: number): Promise<number> {
  const r = await q
    .updateTable('outbox')
    .set({ next_attempt_at: at })
    .where('peer', '=', peer)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * A batch did not go through: counts the attempt and the error on its messages, and
 * makes every pending message to the peer wait until `nextAttemptAt`, in one
 * transaction (`db` must not be one already).
 */
export async function recordFailure(
  db: Q,
  peer: string,
  ids: readonly string[],
  attempts: number,
  error: string,
  nextAttemptAt: number,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('outbox')
      .set({ attempts, last_error: error })
      .where('state', '=', 'pending')
      .where('id', 'in', ids)
      .execute();
    await tx
      .updateTable('outbox')
      .set({ next_attempt_at: nextAttemptAt })
      .where('state', '=', 'pending')
      .where('peer', '=', peer)
      .execute();
  });
}

/** A message the rules now refuse is withheld: settled, never sent. */
export async function withhold(q: Q, id: string, at: number, code: string): Promise<void> {
  await q
    .updateTable('outbox')
    .set({ state: 'withheld', settled_at: at, last_error: code })
    .where('id', '=', id)
    .execute();
}

/** Settles pending messages as delivered, a few statements for many. */
export async function settleDelivered(q: Q, ids: readonly string[], at: number): Promise<void> {
  for (let k = 0; k < ids.length; k += 500) {
    await q
      .updateTable('outbox')
      .set({ state: 'delivered', settled_at: at, last_error: null })
      .where('state', '=', 'pending')
      .where('id', 'in', ids.slice(k, k + 500))
      .execute();
  }
}

/** Settles a pending message the peer refused, with its refusal code. */
export async function settleRefused(q: Q, id: string, at: number, code: string): Promise<void> {
  await q
    .updateTable('outbox')
    .set({ state: 'refused', settled_at: at, last_error: code })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .execute();
}

/** Keeps each envelope's signed receipt (its first one), a few statements for many. */
export async function insertReceipts(
  q: Q,
  rows: readonly { readonly envelope: string; readonly receipt: string }[],
): Promise<void> {
  for (let k = 0; k < rows.length; k += 500) {
    await q
      .insertInto('outbox_receipts')
      .values(rows.slice(k, k + 500))
      .onConflict((oc) => oc.column('envelope').doNothing())
      .execute();
  }
}

/** The outbox, newest first. */
export async function pageOutbox(q: Q, offset: number, limit: number): Promise<OutboxRow[]> {
  const rows = await q
    .selectFrom('outbox')
    .selectAll()
    .orderBy('created_at', 'desc')
    .orderBy('seq', 'desc')
    .limit(limit)
    .offset(offset)
    .execute();
  return opened(q, rows);
}

export async function outboxRow(q: Q, id: string): Promise<OutboxRow | undefined> {
  const r = await q.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : (await opened(q, [r]))[0];
}

/** The receipt token stored for an envelope, once settled. */
export async function storedReceipt(q: Q, envelope: string): Promise<string | undefined> {
  const r = await q
    .selectFrom('outbox_receipts')
    .select('receipt')
    .where('envelope', '=', envelope)
    .executeTakeFirst();
  return r?.receipt;
}
