// C2SP tlog-tiles: the tiles and entry bundles the node stores and serves, against
// tiles computed here, independently, from the leaves (RFC 6962 MTH by recursion), at
// tree sizes around the tile boundaries, on SQLite and on PostgreSQL (migration
// 0012-log-tiles). Also the path encoding and what a tile beyond the tree answers.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { MerkleTree } from '../../src/log/merkle.js';
import { TiledTree } from '../../src/log/tiled-tree.js';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  formatTileIndex,
  parseTilePath,
  tilePath,
  tilesCompleted,
  tilesOfTree,
} from '../../src/log/tiles.js';
import { NotFound } from '../../src/node/errors.js';
import {
  backfillTiles,
  readEntryBundle,
  readHashTile,
  storeCompletedTiles,
  type TileSource,
} from '../../src/node/tiles.js';
import { openStore, type Store } from '../../src/store/db.js';
import { appendEntries, leafHashRange } from '../../src/store/log.js';
import { tileAt } from '../../src/store/tiles.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

// ------------------------------------------------------------ the independent side
const sha = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
const leafOf = (data: Uint8Array) => sha(Buffer.from([0]), data);
/** RFC 6962 MTH(D[lo:hi]) over leaf hashes, by the definition (memoised per leaf list). */
const memo = new WeakMap<readonly Buffer[], Map<string, Buffer>>();
function mth(leaves: readonly Buffer[], lo: number, hi: number): Buffer {
  const n = hi - lo;
  if (n === 1) return leaves[lo] as Buffer;
  const known = memo.get(leaves) ?? new Map<string, Buffer>();
  memo.set(leaves, known);
  const key = `${lo}:${hi}`;
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  let k = 1;
  while (k * 2 < n) k *= 2;
  const h = sha(Buffer.from([1]), mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
  known.set(key, h);
  return h;
}
/** The tile by the spec's formula: MTH(D[(n·256+i)·256^l : (n·256+i+1)·256^l]), i < width. */
function independentTile(leaves: readonly Buffer[], level: number, n: number, width: number) {
  const span = 256 ** level;
  const out: Buffer[] = [];
  for (let i = 0; i < width; i++)
    out.push(mth(leaves, (n * 256 + i) * span, (n * 256 + i + 1) * span));
  return Buffer.concat(out);
}
function independentBundle(data: readonly Buffer[], n: number, width: number): Buffer {
  const out: Buffer[] = [];
  for (const d of data.slice(n * 256, n * 256 + width)) {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(d.length);
    out.push(len, d);
  }
  return Buffer.concat(out);
}

// ------------------------------------------------------------ the stored side
const entryData = (i: number) =>
  Buffer.from(`{"index":${i},"type":"test.entry","x":"${'y'.repeat(i % 7)}"}`);

let db: TestDatabase | null = null;
let store: Store | null = null;
afterEach(async () => {
  await store?.close();
  store = null;
  await db?.drop();
  db = null;
});

/** The node's tree over a store: tiles and leaf hashes read from it. */
const tiledTree = (s: Store, size = 0) =>
  TiledTree.open(
    {
      readTile: (level, index) => tileAt(s.db, level, index),
      readLeafHashes: (from, to) => leafHashRange(s.db, from, to),
    },
    size,
  );

/** Grows a stored log to `to` entries as the node does: entries and completed tiles in one transaction. */
async function grow(s: Store, tree: TiledTree, data: Buffer[], leaves: Buffer[], to: number) {
  while (tree.size < to) {
    // Uneven batches, so that boundaries fall inside a batch as well as at its end.
    const from = tree.size;
    const end = Math.min(to, from + 1 + ((from * 7919) % 4093));
    await s.db.transaction().execute(async (tx) => {
      const batch = [];
      for (let i = from; i < end; i++) {
        const d = entryData(i);
        const leaf = leafOf(d);
        data.push(d);
        leaves.push(leaf);
        tree.append(leaf);
        batch.push({ index: i, leaf, data: d.toString('utf8') });
      }
      await appendEntries(tx, batch, 0);
      await storeCompletedTiles(tx, tree.unstoredTiles(), from);
    });
    tree.markStored();
  }
}

async function expectTilesMatch(src: TileSource, leaves: Buffer[], data: Buffer[]) {
  const tiles = tilesOfTree(src.size);
  for (const t of tiles) {
    const served = await readHashTile(src, t.level, t.index, t.width);
    expect(served.length, tilePath(t)).toBe(32 * t.width);
    expect(served.equals(independentTile(leaves, t.level, t.index, t.width)), tilePath(t)).toBe(
      true,
    );
    if (t.level !== 0) continue;
    const b = await readEntryBundle(src, t.index, t.width);
    expect(b.bundle.equals(independentBundle(data, t.index, t.width)), `bundle ${t.index}`).toBe(
      true,
    );
    // Each entry of the bundle hashes to its leaf in the level-0 tile.
    expect(b.entries.map((e) => leafOf(e).toString('hex'))).toEqual(
      Array.from({ length: t.width }, (_, i) =>
        served.subarray(32 * i, 32 * i + 32).toString('hex'),
      ),
    );
  }
  // The tiles a client needs for the tree.
  return tiles.map(tilePath);
}

describe('tiles from the stored tree', () => {
  it('equal tiles computed from the leaves at sizes 0, 1, 255, 256, 257 and 65,539 (SQLite)', async () => {
    const kind = 'sqlite';
    db = await createTestDatabase(kind);
    store = await openStore(db.target, 'test passphrase');
    const s = store;
    const tree = await tiledTree(s);
    const data: Buffer[] = [];
    const leaves: Buffer[] = [];
    const seen: Record<number, string[]> = {};
    for (const size of [0, 1, 255, 256, 257, 65_539]) {
      await grow(s, tree, data, leaves, size);
      seen[size] = await expectTilesMatch({ db: s.db, tree, size }, leaves, data);
    }
    expect(seen[0]).toEqual([]);
    expect(seen[1]).toEqual(['tile/0/000.p/1']);
    expect(seen[255]).toEqual(['tile/0/000.p/255']);
    expect(seen[256]).toEqual(['tile/0/000', 'tile/1/000.p/1']);
    expect(seen[257]).toEqual(['tile/0/000', 'tile/0/001.p/1', 'tile/1/000.p/1']);
    expect(seen[65_539]?.slice(-5)).toEqual([
      'tile/0/254',
      'tile/0/255',
      'tile/0/256.p/3',
      'tile/1/000',
      'tile/2/000.p/1',
    ]);
    // The full ones are stored: 256 + 1 hash tiles, 256 bundles.
    const tiles = await s.db
      .selectFrom('log_tiles')
      .select(({ fn }) => ['level', fn.countAll<number>().as('n')])
      .groupBy('level')
      .orderBy('level')
      .execute();
    expect(tiles.map((r) => [Number(r.level), Number(r.n)])).toEqual([
      [0, 256],
      [1, 1],
    ]);
    const bundles = await s.db
      .selectFrom('log_entry_bundles')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(bundles.n)).toBe(256);
    // A full tile is served from the store: a stored tile that differed would show.
    const stored = await s.db
      .selectFrom('log_tiles')
      .select('hashes')
      .where('level', '=', 1)
      .where('idx', '=', 0)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.hashes).equals(independentTile(leaves, 1, 0, 256))).toBe(true);
  }, 60_000);

  it('the same on PostgreSQL (sizes 0, 1, 255, 256, 257, 513)', async () => {
    db = await createTestDatabase('postgres');
    store = await openStore(db.target, 'test passphrase');
    const s = store;
    const tree = await tiledTree(s);
    const data: Buffer[] = [];
    const leaves: Buffer[] = [];
    for (const size of [0, 1, 255, 256, 257, 513]) {
      await grow(s, tree, data, leaves, size);
      await expectTilesMatch({ db: s.db, tree, size }, leaves, data);
    }
    const rows = await s.db
      .selectFrom('log_tiles')
      .select(['level', 'idx'])
      .orderBy('idx')
      .execute();
    expect(rows.map((r) => [r.level, r.idx])).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });
});

describe('tiles beyond the tree, and a log older than its tiles', () => {
  it('a tile not yet full, or wider than the tree holds, is a 404 saying what there is', async () => {
    db = await createTestDatabase('sqlite');
    store = await openStore(db.target, 'test passphrase');
    const tree = await tiledTree(store);
    await grow(store, tree, [], [], 300);
    const src = { db: store.db, tree, size: 300 };
    const refused = async (p: Promise<unknown>) => {
      const e = await p.then(
        () => null,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(NotFound);
      return (e as NotFound).message;
    };
    expect(await refused(readHashTile(src, 0, 1, 256))).toBe(
      'tile/0/001 is not in the tree of 300 entries (300 level-0 hashes); it holds 44 now: ask for tile/0/001.p/44 (or fewer)',
    );
    expect(await refused(readHashTile(src, 0, 1, 45))).toMatch(/tile\/0\/001\.p\/45 is not in/);
    expect(await refused(readHashTile(src, 1, 0, 256))).toMatch(/ask for tile\/1\/000\.p\/1/);
    expect(await refused(readHashTile(src, 0, 2, 1))).toMatch(/it is beyond the tree$/);
    expect(await refused(readEntryBundle(src, 1, 256))).toMatch(
      /^tile\/entries\/001 is not in the tree of 300 entries .* ask for tile\/entries\/001\.p\/44/,
    );
    // Only the committed size is served, though the tree may run ahead.
    expect(await refused(readHashTile({ ...src, size: 299 }, 0, 1, 44))).toMatch(/holds 43 now/);
    // A partial width of a tile that is now full is still served (a prefix of it).
    expect((await readHashTile(src, 0, 0, 10)).length).toBe(320);
  });

  it('a log written before the tiles gets them when the node opens (backfill)', async () => {
    db = await createTestDatabase('sqlite');
    store = await openStore(db.target, 'test passphrase');
    const data: Buffer[] = [];
    const leaves: Buffer[] = [];
    await grow(store, await tiledTree(store), data, leaves, 600);
    await store.db.deleteFrom('log_tiles').execute();
    await store.db.deleteFrom('log_entry_bundles').where('idx', '=', 1).execute();
    // The backfill builds the whole tree once, from the leaves, as the node does.
    const whole = new MerkleTree();
    for (const l of leaves) whole.append(l);
    expect(await backfillTiles(store.db, whole)).toBe(3);
    expect(await backfillTiles(store.db, whole)).toBe(0);
    // A tree opened from the backfilled tiles serves them all.
    const reopened = await tiledTree(store, 600);
    expect(Buffer.from(reopened.root()).equals(Buffer.from(whole.root()))).toBe(true);
    await expectTilesMatch({ db: store.db, tree: reopened, size: 600 }, leaves, data);
  });
});

describe('tile paths and bundles', () => {
  it('encodes an index in x-prefixed groups of three digits, and parses only that spelling', () => {
    expect(formatTileIndex(0)).toBe('000');
    expect(formatTileIndex(1234067)).toBe('x001/x234/067');
    expect(tilePath({ kind: 'hashes', level: 0, index: 1234, width: 5 })).toBe(
      'tile/0/x001/234.p/5',
    );
    expect(tilePath({ kind: 'entries', level: 0, index: 7, width: 256 })).toBe('tile/entries/007');
    expect(parseTilePath('2/x001/x234/067')).toEqual({
      kind: 'hashes',
      level: 2,
      index: 1234067,
      width: 256,
    });
    expect(parseTilePath('entries/x001/234.p/255')).toEqual({
      kind: 'entries',
      level: 0,
      index: 1234,
      width: 255,
    });
    const problem = (p: string) => {
      const r = parseTilePath(p);
      return 'problem' in r ? r.problem : 'parsed';
    };
    expect(problem('64/000')).toMatch(/tile level '64' is not 'entries' or a decimal 0 … 63/);
    expect(problem('01/000')).toMatch(/leading zeroes/);
    expect(problem('0/1')).toBe("tile index element '1' is not three digits");
    expect(problem('0/001/234')).toBe("tile index element '001' is not 'x' and three digits");
    expect(problem('0/x000/001')).toMatch(/is not written canonically: 001/);
    expect(problem('0/000.p/256')).toMatch(/partial width '256' is not a decimal 1 … 255/);
    expect(problem('0/000.p/0')).toMatch(/partial width '0'/);
    expect(problem('0/000.p/05')).toMatch(/partial width '05'/);
    expect(problem('0/000.p')).toMatch(/'000.p' is not three digits/);
  });

  it('lists the tiles completed between two sizes', () => {
    expect(tilesCompleted(0, 255)).toEqual([]);
    expect(tilesCompleted(255, 256)).toEqual([{ level: 0, index: 0 }]);
    expect(tilesCompleted(65_535, 65_536)).toEqual([
      { level: 0, index: 255 },
      { level: 1, index: 0 },
    ]);
  });

  it('length-prefixes entries, and names an entry too long for the uint16 prefix', () => {
    const a = Buffer.from('ab');
    const enc = encodeEntryBundle([a, Buffer.alloc(0), Buffer.alloc(0xffff, 1)]);
    expect('bundle' in enc && enc.bundle.subarray(0, 6).toString('hex')).toBe('00026162' + '0000');
    expect('bundle' in enc && decodeEntryBundle(enc.bundle)?.map((e) => e.length)).toEqual([
      2, 0, 0xffff,
    ]);
    expect(encodeEntryBundle([a, Buffer.alloc(0x10000)])).toEqual({ tooLong: 1, bytes: 65536 });
    expect(decodeEntryBundle(Buffer.from('0003616263ff', 'hex'))).toBeNull();
  });
});
