// The log as C2SP tlog-tiles (docs/log.md "Tiles"). Full hash tiles and full entry
// bundles are stored, in the transaction of the entry that completes them; partial
// tiles come from the tiled tree (its right edge and the stored tiles) and partial
// bundles from the stored entries, up to the committed size.
import type { Kysely } from 'kysely';
import { MerkleTree } from '../log/merkle.js';
import type { CompletedTile, TiledTree } from '../log/tiled-tree.js';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  fullTiles,
  hashesAtLevel,
  MAX_BUNDLED_ENTRY,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileLevels,
  tilePath,
} from '../log/tiles.js';
import { entriesFrom, leafHashes, logSize } from '../store/log.js';
import type { Database } from '../store/schema.js';
import {
  bundleAt,
  insertBundles,
  insertTiles,
  type StoredBundle,
  storedBundleIndexes,
  storedTileCounts,
  storedTileIndexes,
  tileAt,
} from '../store/tiles.js';
import { NotFound } from './errors.js';

type Q = Kysely<Database>;

/** A full tile's hashes, from the tree. */
function fullTileFromTree(tree: MerkleTree, level: number, index: number): Buffer {
  return tree.completeNodes(TILE_HEIGHT * level, index * TILE_WIDTH, TILE_WIDTH);
}

/**
 * Entries index·256 … index·256+width−1 as a bundle, or why not: some are missing, or
 * one is too long for the bundle's uint16 length prefix. They come from the store, but
 * for those in `fresh` (the data of entries fresh.from, fresh.from+1, …: the batch
 * being appended), which are taken as given and not read back.
 */
async function bundleFromEntries(
  q: Q,
  index: number,
  width: number,
  fresh?: { readonly from: number; readonly data: readonly string[] },
): Promise<{ bundle: Buffer; entries: Buffer[] } | { problem: string }> {
  const start = index * TILE_WIDTH;
  const end = start + width;
  // The part before the batch is read; the batch's part is at hand.
  const split = fresh === undefined ? end : Math.min(Math.max(fresh.from, start), end);
  const rows = split > start ? await entriesFrom(q, start, split - start) : [];
  if (rows.length !== split - start || rows.some((r, i) => r.index !== start + i))
    return { problem: `entries ${start} … ${end - 1} are not all stored` };
  const data = rows.map((r) => r.data);
  for (let i = split; i < end && fresh !== undefined; i++) {
    const d = fresh.data[i - fresh.from];
    if (d === undefined) return { problem: `entries ${start} … ${end - 1} are not all stored` };
    data.push(d);
  }
  if (data.length !== width) return { problem: `entries ${start} … ${end - 1} are not all stored` };
  const entries = data.map((d) => Buffer.from(d, 'utf8'));
  const encoded = encodeEntryBundle(entries);
  if ('tooLong' in encoded)
    return {
      problem: `entry ${start + encoded.tooLong} is longer than the ${MAX_BUNDLED_ENTRY} bytes an entry bundle's uint16 length prefix can carry: read it from GET /v1/log/entries?start=${start + encoded.tooLong}&limit=1`,
    };
  return { bundle: encoded.bundle, entries };
}

/**
 * Writes the tiles that became full as the tree grew from `from` to `to` leaves
 * (`done`, with their hashes) and the entry bundles they complete. In the transaction
 * that appends the entries. A bundle with an entry too long to bundle is not stored.
 */
export async function storeCompletedTiles(
  q: Q,
  done: readonly CompletedTile[],
  from: number,
  ignoreExisting = false,
  /** The data of entries from … to−1 when the caller has it (the batch it appends). */
  fresh?: readonly string[],
): Promise<void> {
  if (done.length === 0) return;
  await insertTiles(q, done, ignoreExisting);
  const bundles: StoredBundle[] = [];
  for (const t of done) {
    if (t.level !== 0) continue;
    const b = await bundleFromEntries(
      q,
      t.index,
      TILE_WIDTH,
      fresh === undefined ? undefined : { from, data: fresh },
    );
    if ('bundle' in b) bundles.push({ index: t.index, data: b.bundle });
  }
  await insertBundles(q, bundles, ignoreExisting);
}

/** Indexes 0 … count−1 not in `have`. */
function missing(have: readonly number[], count: number): number[] {
  const stored = new Set(have);
  const out: number[] = [];
  for (let i = 0; i < count; i++) if (!stored.has(i)) out.push(i);
  return out;
}

/**
 * Gives a log older than its tiles (or with a bundle that could not be written) its
 * tiles, from the whole tree built once from the leaves; a log that has them all is
 * only counted. Every later start reads only the tiles.
 */
export async function ensureTiles(db: Q): Promise<void> {
  const size = await logSize(db);
  if (!(await tilesMissing(db, size))) return;
  const tree = new MerkleTree();
  for await (const leaf of leafHashes(db)) tree.append(leaf);
  await backfillTiles(db, tree);
}

/** Whether the store lacks full tiles or bundles that a log of `size` entries has. */
export async function tilesMissing(db: Q, size: number): Promise<boolean> {
  for (let level = 0; level < tileLevels(size); level++) {
    const have = await storedTileCounts(db, level);
    if (have.tiles < fullTiles(size, level)) return true;
    if (level === 0 && have.bundles < fullTiles(size, 0)) return true;
  }
  return false;
}

/**
 * Stores the full tiles and bundles a tree of `tree.size` leaves has and the store
 * lacks (a log older than the tiles, or a bundle that could not be written), a few
 * per transaction. Returns how many it wrote.
 */
export async function backfillTiles(db: Q, tree: MerkleTree): Promise<number> {
  const size = tree.size;
  let written = 0;
  for (let level = 0; level < tileLevels(size); level++) {
    const todo = missing(await storedTileIndexes(db, level), fullTiles(size, level));
    for (let i = 0; i < todo.length; i += 64) {
      const tiles = todo
        .slice(i, i + 64)
        .map((index) => ({ level, index, hashes: fullTileFromTree(tree, level, index) }));
      await db.transaction().execute((tx) => insertTiles(tx, tiles, true));
      written += tiles.length;
    }
  }
  const todo = missing(await storedBundleIndexes(db), fullTiles(size, 0));
  for (let i = 0; i < todo.length; i += 64) {
    const bundles: StoredBundle[] = [];
    for (const index of todo.slice(i, i + 64)) {
      const b = await bundleFromEntries(db, index, TILE_WIDTH);
      if ('bundle' in b) bundles.push({ index, data: b.bundle });
    }
    await db.transaction().execute((tx) => insertBundles(tx, bundles, true));
    written += bundles.length;
  }
  return written;
}

/**
 * Where tiles are read from: the store, the tree, and the size committed to the store.
 * Read it through `node.treeRead`, which keeps the tree still while it is read.
 */
export interface TileSource {
  readonly db: Q;
  readonly tree: TiledTree;
  /** Only leaves up to this size are served (the tree runs ahead while a batch commits). */
  readonly size: number;
}

/** Why a tile or bundle of this size is not there, with what is. */
function beyond(
  what: 'hashes' | 'entries',
  level: number,
  index: number,
  width: number,
  size: number,
) {
  const have = what === 'entries' ? size : hashesAtLevel(size, level);
  const held = Math.max(0, Math.min(TILE_WIDTH, have - index * TILE_WIDTH));
  const asked = tilePath({ kind: what, level, index, width });
  const unit = what === 'entries' ? 'entries' : `level-${level} hashes`;
  const hint =
    held === 0
      ? 'it is beyond the tree'
      : held === TILE_WIDTH
        ? `it is full: ask for ${tilePath({ kind: what, level, index, width: TILE_WIDTH })}`
        : `it holds ${held} now: ask for ${tilePath({ kind: what, level, index, width: held })} (or fewer)`;
  return new NotFound(
    'not-found',
    `${asked} is not in the tree of ${size} entries (${have} ${unit}); ${hint}`,
  );
}

/** Hash tile `index` of `level`, `width` hashes wide (256: full). 404 beyond the tree. */
export async function readHashTile(
  src: TileSource,
  level: number,
  index: number,
  width: number,
): Promise<Buffer> {
  if (index * TILE_WIDTH + width > hashesAtLevel(src.size, level))
    throw beyond('hashes', level, index, width, src.size);
  if (width === TILE_WIDTH) {
    const stored = await tileAt(src.db, level, index);
    if (stored !== undefined) return Buffer.from(stored);
  }
  return await src.tree.tileHashes(level, index, width);
}

/** Entry bundle `index`, `width` entries (256: full), and its entries. 404 beyond the tree. */
export async function readEntryBundle(
  src: TileSource,
  index: number,
  width: number,
): Promise<{ readonly bundle: Buffer; readonly entries: readonly Buffer[] }> {
  if (index * TILE_WIDTH + width > src.size) throw beyond('entries', 0, index, width, src.size);
  if (width === TILE_WIDTH) {
    const stored = await bundleAt(src.db, index);
    const entries = stored === undefined ? null : decodeEntryBundle(stored);
    if (stored !== undefined && entries !== null && entries.length === TILE_WIDTH)
      return { bundle: Buffer.from(stored), entries };
  }
  const b = await bundleFromEntries(src.db, index, width);
  if ('problem' in b)
    throw new NotFound(
      'not-found',
      `${tilePath({ kind: 'entries', level: 0, index, width })} cannot be served: ${b.problem}`,
    );
  return b;
}
