// The inbox: every envelope received from a peer, once, with its outcome and the
// signed receipt it was answered with (answered again, verbatim, to a repeat).
import type { Kysely, Selectable } from 'kysely';
import { openItemFields } from './content-keys.js';
import { column } from './json.js';
import type { Database, InboxTable } from './schema.js';

type Q = Kysely<Database>;

export type InboxRow = Selectable<InboxTable>;

/** Which of these envelope ids were received before: from whom, with what receipt. */
export async function receivedBefore(
  q: Q,
  ids: readonly string[],
): Promise<{ id: string; receipt: string; from_party: string }[]> {
  const out: { id: string; receipt: string; from_party: string }[] = [];
  for (let c = 0; c < ids.length; c += 500) {
    const rows = await q
      .selectFrom('inbox')
      .select(['id', 'receipt', 'from_party'])
      .where('id', 'in', ids.slice(c, c + 500))
      .execute();
    out.push(...rows);
  }
  return out;
}

/** Stores received envelopes, a few statements for many. */
export async function insertInbox(q: Q, rows: readonly InboxRow[]): Promise<void> {
  for (let c = 0; c < rows.length; c += 200) {
    await q
      .insertInto('inbox')
      .values(rows.slice(c, c + 200))
      .execute();
  }
}

interface ReceivedItem {
  readonly envelope: string;
  readonly item: string | null;
  readonly from: string;
  readonly receivedAt: number;
  readonly title: string;
  readonly categories: readonly string[];
}

/** Items accepted from peers, newest first. */
export async function pageReceivedItems(
  q: Q,
  offset: number,
  limit: number,
): Promise<ReceivedItem[]> {
  const rows = await q
    .selectFrom('inbox')
    .innerJoin('items', 'items.id', 'inbox.item_id')
    .select([
      'inbox.id',
      'inbox.item_id',
      'inbox.from_party',
      'inbox.received_at',
      'items.title',
      'items.categories',
    ])
    .where('inbox.type', '=', 'item')
    .where('inbox.status', '=', 'accepted')
    .orderBy('inbox.received_at', 'desc')
    .orderBy('inbox.id')
    .limit(limit)
    .offset(offset)
    .execute();
  const titles = new Map(
    (
      await openItemFields(
        q,
        rows.flatMap((r) => (r.item_id === null ? [] : [{ id: r.item_id, title: r.title }])),
      )
    ).map((r) => [r.id, r.title]),
  );
  return rows.map((r) => ({
    envelope: r.id,
    item: r.item_id,
    from: r.from_party,
    receivedAt: r.received_at,
    title: titles.get(r.item_id ?? '') ?? '',
    categories: column<string[]>(r.categories),
  }));
}
