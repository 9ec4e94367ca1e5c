// The inbox and the outbox as officers see them: only what they may read (RULES V1),
// and what they were shown is logged.
import { type ItemRecord, type MarkingRef, markingRef } from '../core/index.js';
import type { Actor } from '../node/roles.js';
import { listVisible, notFound, type Page, visible } from '../node/visibility.js';
import { pageReceivedItems } from '../store/inbox.js';
import { column } from '../store/json.js';
import { type OutboxRow, outboxRow, pageOutbox, storedReceipt } from '../store/outbox.js';
import type { Federation } from './federation.js';
import type { SignedReceipt } from './receipts.js';

export interface InboxEntry {
  readonly envelope: string;
  readonly item: string;
  readonly from: string;
  readonly receivedAt: number;
  readonly title: string;
  readonly marking: { party: string; code: string; name: string; en: string };
  readonly originatorMarking: { party: string; code: string; name: string; en: string };
  readonly categories: readonly string[];
}

/** Items received from partners that the person may read (RULES V1), newest first; logged. */
export async function listInbox(fed: Federation, actor: Actor, p: Page): Promise<InboxEntry[]> {
  const rows = await listVisible(
    fed.node,
    actor,
    'inbox',
    p,
    (u, offset, n) => pageReceivedItems(u.tx, offset, n),
    // A row without an item id is no item: never shown here.
    (r) => r.item ?? '',
  );
  const world = fed.node.world;
  return rows.flatMap((r) => {
    const item = world.items.get(r.item ?? '');
    const mine = item?.holdings.get(fed.party)?.marking;
    if (item === undefined || mine === undefined) return [];
    return [
      {
        envelope: r.envelope,
        item: item.id,
        from: r.from,
        receivedAt: r.receivedAt,
        title: r.title,
        marking: markingRef(mine),
        originatorMarking: markingRef(item.marking),
        categories: r.categories,
      },
    ];
  });
}

export interface OutboxEntry {
  readonly envelope: string;
  readonly to: string;
  readonly seq: number;
  readonly type: string;
  readonly item: string | null;
  /** The item's title (the person may read it: the row was shown); null: about no item. */
  readonly title: string | null;
  /** The item's originator, this node's marking of it and the originator's; null: about no item. */
  readonly originator: string | null;
  readonly marking: MarkingRef | null;
  readonly originatorMarking: MarkingRef | null;
  readonly state: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly settledAt: number | null;
}

/**
 * Messages queued to partners, newest first: those about an item only if the person
 * may read it (RULES V1); the items shown are logged.
 */
export async function listOutbox(fed: Federation, actor: Actor, p: Page): Promise<OutboxEntry[]> {
  const rows = await listVisible(
    fed.node,
    actor,
    'outbox',
    p,
    (u, offset, n) => pageOutbox(u.tx, offset, n),
    (r) => r.item_id,
  );
  const world = fed.node.world;
  return rows.map((r) => outboxEntry(fed.party, r, world.items.get(r.item_id ?? '')));
}

/**
 * One envelope of the outbox with the receiver's signed receipt, once settled; one
 * about an item the person may not read is answered as if it did not exist (RULES V1).
 */
export function outboxEnvelope(
  fed: Federation,
  actor: Actor,
  envelope: string,
): Promise<OutboxEntry & { readonly receipt: SignedReceipt | null }> {
  return fed.node.transact(async (u) => {
    const row = await outboxRow(u.tx, envelope);
    if (row === undefined || (row.item_id !== null && !visible(u, actor, row.item_id)))
      throw notFound('envelope in the outbox', envelope);
    const receipt = await storedReceipt(u.tx, envelope);
    // Stored once it was verified (openReceipt, when the envelope settled).
    return {
      ...outboxEntry(fed.party, row, u.world.items.get(row.item_id ?? '')),
      receipt: receipt === undefined ? null : column<SignedReceipt>(receipt),
    };
  });
}

/**
 * A row as shown, with its item's title and markings (only ever called for a row the
 * person may see: the item is one they may read).
 */
function outboxEntry(party: string, r: OutboxRow, item: ItemRecord | undefined): OutboxEntry {
  const about = r.item_id === null ? undefined : item;
  return {
    envelope: r.id,
    to: r.peer,
    seq: r.seq,
    type: r.type,
    item: r.item_id,
    title: r.item_id === null ? null : (item?.title ?? ''),
    originator: about?.originator.id ?? null,
    marking:
      about === undefined ? null : markingRef(about.holdings.get(party)?.marking ?? about.marking),
    originatorMarking: about === undefined ? null : markingRef(about.marking),
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: r.created_at,
    settledAt: r.settled_at,
  };
}
