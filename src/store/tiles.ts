// The log's tree as C2SP tlog-tiles: full hash tiles and full entry bundles. Both are
// immutable once written; partial ones are not stored (src/node/tiles.ts).
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

export interface StoredTile {
  readonly level: number;
  readonly index: number;
  readonly hashes: Uint8Array;
}

export interface StoredBundle {
  readonly index: number;
  readonly data: Uint8Array;
}

/** Inserts full tiles; with `ignoreExisting`, a tile already stored is left as it is. */
export async function insertTiles(
  q: Q,
  tiles: readonly StoredTile[],
  ignoreExisting = false,
): Promise<void> {
  for (let i = 0; i < tiles.length; i += 100) {
    const insert = q
      .insertInto('log_tiles')
      .values(
        tiles.slice(i, i + 100).map((t) => ({ level: t.level, idx: t.index, hashes: t.hashes })),
      );
    await (ignoreExisting ? insert.onConflict((c) => c.doNothing()) : insert).execute();
  }
}

export async function insertBundles(
  q: Q,
  bundles: readonly StoredBundle[],
  ignoreExisting = false,
): Promise<void> {
  for (let i = 0; i < bundles.length; i += 50) {
    const insert = q
      .insertInto('log_entry_bundles')
      .values(bundles.slice(i, i + 50).map((b) => ({ idx: b.index, data: b.data })));
    await (ignoreExisting ? insert.onConflict((c) => c.doNothing()) : insert).execute();
  }
}

export async function tileAt(q: Q, level: number, index: number): Promise<Uint8Array | undefined> {
  const row = await q
    .selectFrom('log_tiles')
    .select(['hashes'])
    .where('level', '=', level)
    .where('idx', '=', index)
    .executeTakeFirst();
  return row?.hashes;
}

export async function bundleAt(q: Q, index: number): Promise<Uint8Array | undefined> {
  const row = await q
    .selectFrom('log_entry_bundles')
    .select(['data'])
    .where('idx', '=', index)
    .executeTakeFirst();
  return row?.data;
}

/** How many full tiles are stored at `level`, and how many entry bundles. */
export async function storedTileCounts(
  q: Q,
  level: number,
): Promise<{ tiles: number; bundles: number }> {
  const t = await q
    .selectFrom('log_tiles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('level', '=', level)
    .executeTakeFirst();
  const b = await q
    .selectFrom('log_entry_bundles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return { tiles: Number(t?.n ?? 0), bundles: Number(b?.n ?? 0) };
}

/** The indexes of the full tiles stored at `level`, in order. */
export async function storedTileIndexes(q: Q, level: number): Promise<number[]> {
  const rows = await q
    .selectFrom('log_tiles')
    .select(['idx'])
    .where('level', '=', level)
    .orderBy('idx')
    .execute();
  return rows.map((r) => r.idx);
}

/** The indexes of the full entry bundles stored, in order. */
export async function storedBundleIndexes(q: Q): Promise<number[]> {
  const rows = await q.selectFrom('log_entry_bundles').select(['idx']).orderBy('idx').execute();
  return rows.map((r) => r.idx);
}
