// Items, holdings and compromise reports: the rows behind the World's items, and the
// content (title, body) the World never holds.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { World } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { openItemFields, sealItemFields } from './content-keys.js';
import type { CompromiseTable, Database, ItemTable } from './schema.js';

type Q = Kysely<Database>;

export type ItemRow = Insertable<ItemTable>;
export type CompromiseRow = Selectable<CompromiseTable>;

/**
 * Inserts item rows, a few statements for many rows; title and body are sealed under
 * each item's new data key (encryption at rest, src/store/content-keys.ts).
 */
export async function insertItems(q: Q, rows: readonly ItemRow[]): Promise<void> {
  for (let c = 0; c < rows.length; c += 200) {
    await q
      .insertInto('items')
      .values(await sealItemFields(q, rows.slice(c, c + 200)))
      .execute();
  }
}

/** An item's stored row (its content included, opened), or undefined. */
export async function itemRow(q: Q, id: string): Promise<Selectable<ItemTable> | undefined> {
  const row = await q.selectFrom('items').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : (await openItemFields(q, [row]))[0];
}

export interface ItemText {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly created_at: number;
}

/** Items read at once by `itemTexts`. */
export const TEXT_BATCH = 512;

/**
 * The text of these items (title and body) and when each row was written, for the
 * search index (src/node/search.ts); ids with no row are left out. At most TEXT_BATCH
 * ids: the IN list is padded to a power of two, so few statements are ever compiled.
 */
export async function itemTexts(q: Q, ids: readonly string[]): Promise<ItemText[]> {
  if (ids.length === 0) return [];
  if (ids.length > TEXT_BATCH) throw new Error(`itemTexts: at most ${TEXT_BATCH} ids at once`);
  let n = 1;
  while (n < ids.length) n *= 2;
  const padded = [...ids];
  while (padded.length < n) padded.push(ids[0] ?? '');
  const rows = await q
    .selectFrom('items')
    .select(['id', 'title', 'body', 'created_at'])
    .where('id', 'in', padded)
    .execute();
  return openItemFields(q, rows);
}

/** Sets the originator's marking of an item and the markings of the holders named. */
export async function setMarkings(
  q: Q,
  item: string,
  marking: string,
  holders: readonly { readonly party: string; readonly marking: string }[],
  /** The originator's manifest of the new version, kept with the item. */
  version: { readonly manifest: string; readonly version: number },
): Promise<void> {
  await q
    .updateTable('items')
    .set({ marking, manifest: version.manifest, version: version.version })
    .where('id', '=', item)
    .execute();
  for (const h of holders) {
    await q
      .updateTable('holdings')
      .set({ marking: h.marking })
      .where('item_id', '=', item)
      .where('party', '=', h.party)
      .execute();
  }
}

export async function insertCompromise(q: Q, row: CompromiseRow): Promise<void> {
  await q.insertInto('compromise_reports').values(row).execute();
}

/** Compromise reports, newest first. */
export function pageCompromises(q: Q, offset: number, limit: number): Promise<CompromiseRow[]> {
  return q
    .selectFrom('compromise_reports')
    .selectAll()
    .orderBy('at', 'desc')
    .orderBy('id')
    .limit(limit)
    .offset(offset)
    .execute();
}

/**
 * Writes the holdings rows of these (item, party) pairs as the World has them, a few
 * statements for many: inserted, or their marking and receipts updated. A holding with
 * no start instant starts at `now`; pairs the World does not hold are skipped.
 */
export async function saveHoldings(
  q: Q,
  world: World,
  pairs: readonly (readonly [string, string])[],
  now: number,
): Promise<void> {
  const rows = pairs.flatMap(([item, party]) => {
    const h = world.items.get(item)?.holdings.get(party);
    return h === undefined
      ? []
      : [
          {
            item_id: item,
            party,
            marking: h.marking.code,
            receipts: canonicalJson(h.receipts),
            since: Number.isFinite(h.since) ? h.since : now,
          },
        ];
  });
  for (let k = 0; k < rows.length; k += 400) {
    await q
      .insertInto('holdings')
      .values(rows.slice(k, k + 400))
      .onConflict((oc) =>
        oc.columns(['item_id', 'party']).doUpdateSet((eb) => ({
          marking: eb.ref('excluded.marking'),
          receipts: eb.ref('excluded.receipts'),
        })),
      )
      .execute();
  }
}
