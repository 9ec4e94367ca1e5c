// The events pushed to officers' streams (src/alerts/hub.ts), numbered node-wide. A
// number is taken in the unit that records the event, under the node's write lock (on
// SQLite the node is one process), so numbers follow commit order with no gap: a
// rolled-back unit's number is taken again by the next, and nobody saw the first (an
// event is announced only after its commit).
import type { Kysely } from 'kysely';
import { openRecord, sealRecord } from './content-keys.js';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

export interface AlertEventRow {
  readonly seq: number;
  readonly item: string;
  readonly kind: string;
  /** The frame, without its id (JSON). */
  readonly text: string;
  readonly at: number;
}

/** Stores an event with the next number, and returns that number. Under the write lock. */
export async function insertAlertEvent(
  tx: Q,
  e: { readonly item: string; readonly kind: string; readonly text: string; readonly at: number },
): Promise<number> {
  const seq = (await alertEventRange(tx)).last + 1;
  await tx
    .insertInto('alert_events')
    // The frame carries the alert's text: sealed at rest.
    .values({
      seq,
      item: e.item,
      kind: e.kind,
      text: await sealRecord(tx, e.text, `alert_events/${seq}`),
      at: e.at,
    })
    .execute();
  return seq;
}

/** The newest event's number (0 for none) and the oldest one kept (0 for none). */
export async function alertEventRange(q: Q): Promise<{ first: number; last: number }> {
  const r = await q
    .selectFrom('alert_events')
    .select((eb) => [eb.fn.max('seq').as('last'), eb.fn.min('seq').as('first')])
    .executeTakeFirst();
  return { first: Number(r?.first ?? 0), last: Number(r?.last ?? 0) };
}

/** The events numbered after `seq`, in order, at most `limit`. */
export async function alertEventsAfter(q: Q, seq: number, limit: number): Promise<AlertEventRow[]> {
  const rows = await q
    .selectFrom('alert_events')
    .select(['seq', 'item', 'kind', 'text', 'at'])
    .where('seq', '>', seq)
    .orderBy('seq')
    .limit(limit)
    .execute();
  const out: AlertEventRow[] = [];
  for (const r of rows)
    out.push({
      ...r,
      seq: Number(r.seq),
      at: Number(r.at),
      text: await openRecord(q, r.text, `alert_events/${Number(r.seq)}`),
    });
  return out;
}

/**
 * Forgets the events recorded before `at`, but never the newest (numbers go on from
 * it: a number is never given twice).
 */
export async function pruneAlertEvents(tx: Q, at: number, newest: number): Promise<void> {
  await tx.deleteFrom('alert_events').where('at', '<', at).where('seq', '<', newest).execute();
}

/** The number of the newest event recorded before `at`, or null when none is held. */
export async function lastAlertEventBefore(q: Q, at: number): Promise<number | null> {
  const r = await q
    .selectFrom('alert_events')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .where('at', '<', at)
    .executeTakeFirst();
  return r?.seq === null || r?.seq === undefined ? null : Number(r.seq);
}
