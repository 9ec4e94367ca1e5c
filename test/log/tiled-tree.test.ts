// The tiled tree (src/log/tiled-tree.ts) against the in-memory MerkleTree: roots,
// proofs, leaf hashes and tiles at random sizes up to 150,000 leaves (level-2 hashes, full
// level-1 tiles), opened from stored tiles with at most 255 leaf hashes read, grown by
// appending, with tiles not yet stored, rolled back, caught up, and with tiles missing
// from the store. Also the RFC 6962/9162 vectors, and open time at 1M and 10M (printed).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { leafHash, MerkleTree, verifyConsistency, verifyInclusion } from '../../src/log/merkle.js';
import { TiledTree, type TileReader } from '../../src/log/tiled-tree.js';
import {
  fullTiles,
  hashesAtLevel,
  TILE_WIDTH,
  tileLevels,
  tilesCompleted,
} from '../../src/log/tiles.js';

const MAX = 150_000;
const hex = (h: Uint8Array) => Buffer.from(h).toString('hex');
const counterLeaf = (i: number, salt = '') => createHash('sha256').update(`${salt}${i}`).digest();

let ref: MerkleTree;
let leaves: Buffer[];
/** Every full tile of the reference tree at MAX leaves, by `level/index`. */
const allTiles = new Map<string, Uint8Array>();

beforeAll(() => {
  ref = new MerkleTree();
  leaves = [];
  for (let i = 0; i < MAX; i++) {
    const l = counterLeaf(i);
    leaves.push(l);
    ref.append(l);
  }
  for (let level = 0; level < tileLevels(MAX); level++)
    for (let index = 0; index < fullTiles(MAX, level); index++)
      allTiles.set(
        `${level}/${index}`,
        ref.completeNodes(8 * level, index * TILE_WIDTH, TILE_WIDTH),
      );
});

/**
 * The store, committed up to `limit` entries: it holds the full tiles of that size (less
 * any in `lacks`) and refuses, as a test failure, any read beyond it.
 */
class FakeStore implements TileReader {
  leavesRead = 0;
  tilesRead = 0;
  readonly lacks = new Set<string>();
  readTiles?: TileReader['readTiles'];

  constructor(
    public limit: number,
    batch = false,
  ) {
    if (batch)
      this.readTiles = async (level, from, count) => {
        const out: (Uint8Array | undefined)[] = [];
        for (let i = 0; i < count; i++) out.push(await this.readTile(level, from + i));
        return out;
      };
  }

  async readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    if (index >= fullTiles(this.limit, level))
      throw new Error(`tile ${level}/${index} asked of a store of ${this.limit} entries`);
    this.tilesRead++;
    return this.lacks.has(`${level}/${index}`) ? undefined : allTiles.get(`${level}/${index}`);
  }

  async readLeafHashes(from: number, to: number): Promise<Uint8Array[]> {
    if (from < 0 || to > this.limit || from > to)
      throw new Error(`leaves ${from} … ${to} asked of a store of ${this.limit} entries`);
    this.leavesRead += to - from;
    return leaves.slice(from, to);
  }
}

/** Sizes around tile boundaries, and anywhere. */
const size = (min = 0) =>
  fc
    .oneof(
      fc.integer({ min, max: MAX }),
      fc.constantFrom(0, 1, 2, 255, 256, 257, 511, 512, 65_535, 65_536, 65_537, 131_072, MAX),
      fc
        .tuple(fc.integer({ min: 1, max: Math.floor(MAX / 256) }), fc.integer({ min: -2, max: 2 }))
        .map(([k, d]) => k * 256 + d),
    )
    .map((n) => Math.min(MAX, Math.max(min, n)));

/** The full tiles under each partial tile of levels ≥ 1: what opening at n must read. */
const edgeTiles = (n: number) => {
  let sum = 0;
  for (let level = 1; level < tileLevels(n); level++) sum += hashesAtLevel(n, level) % TILE_WIDTH;
  return sum;
};

describe('TiledTree against MerkleTree', () => {
  it('opens at any size from stored tiles and at most 255 leaf hashes, with the same root', async () => {
    await fc.assert(
      fc.asyncProperty(size(), fc.boolean(), async (n, batch) => {
        const store = new FakeStore(n, batch);
        const tree = await TiledTree.open(store, n);
        expect(tree.size).toBe(n);
        expect(hex(tree.root())).toBe(hex(ref.root(n)));
        expect(hex(await tree.rootAt(n))).toBe(hex(ref.root(n)));
        expect(store.leavesRead).toBe(n % TILE_WIDTH);
        expect(store.tilesRead).toBe(edgeTiles(n));
        expect(tree.stats.tilesRebuilt).toBe(0);
      }),
      { numRuns: 35 },
    );
  });

  it('grown by appending from empty, completes the tiles MerkleTree has and has its roots', async () => {
    const tree = await TiledTree.open(new FakeStore(0), 0);
    const completed: string[] = [];
    for (let i = 0; i < 70_000; i++) {
      for (const t of tree.append(leaves[i] as Buffer)) {
        completed.push(`${t.level}/${t.index}`);
        expect(hex(t.hashes)).toBe(hex(allTiles.get(`${t.level}/${t.index}`) as Uint8Array));
      }
      if ((i + 1) % 997 === 0 || i < 600) expect(hex(tree.root())).toBe(hex(ref.root(i + 1)));
    }
    const expected = tilesCompleted(0, 70_000).map((t) => `${t.level}/${t.index}`);
    expect([...completed].sort()).toEqual([...expected].sort());
    expect(tree.unstoredTiles().map((t) => `${t.level}/${t.index}`)).toEqual(expected);
  });

  it('opened at n then grown to n + k completes the same tiles, and proves at n + k from memory before they are stored', async () => {
    await fc.assert(
      fc.asyncProperty(
        size().chain((n) =>
          fc.tuple(fc.constant(n), fc.integer({ min: 0, max: Math.min(700, MAX - n) })),
        ),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 12 }),
        async ([n, k], picks) => {
          const store = new FakeStore(n);
          const tree = await TiledTree.open(store, n, { cacheTiles: 3 });
          for (let i = n; i < n + k; i++) {
            const done = tree.append(leaves[i] as Buffer);
            expect(done.map((t) => `${t.level}/${t.index}`)).toEqual(
              tilesCompleted(i, i + 1).map((t) => `${t.level}/${t.index}`),
            );
            for (const t of done)
              expect(hex(t.hashes)).toBe(hex(allTiles.get(`${t.level}/${t.index}`) as Uint8Array));
          }
          const to = n + k;
          expect(hex(tree.root())).toBe(hex(ref.root(to)));
          expect(tree.unstoredTiles().map((t) => `${t.level}/${t.index}`)).toEqual(
            tilesCompleted(n, to).map((t) => `${t.level}/${t.index}`),
          );
          // The store still has n entries: every read beyond it would throw.
          for (const [a, b] of picks) {
            if (to === 0) break;
            const s = 1 + (a % to);
            const i = b % s;
            const proof = await tree.inclusionProof(i, s);
            expect(proof.map(hex)).toEqual(ref.inclusionProof(i, s).map(hex));
            expect(verifyInclusion(leaves[i] as Buffer, i, s, proof, ref.root(s))).toBe(true);
          }
          expect(tree.stats.cachedTiles).toBeLessThanOrEqual(3);
          // Committed: the tiles move to the cache, and the store serves them from now on.
          store.limit = to;
          tree.markStored();
          expect(tree.unstoredTiles()).toEqual([]);
          expect(tree.storedSize).toBe(to);
          if (to > 0) {
            const i = (picks[0]?.[1] ?? 0) % to;
            expect((await tree.inclusionProof(i)).map(hex)).toEqual(
              ref.inclusionProof(i, to).map(hex),
            );
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('gives the inclusion and consistency proofs, leaf hashes and roots of MerkleTree at every older size', async () => {
    await fc.assert(
      fc.asyncProperty(
        size(1),
        fc.boolean(),
        fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 20 }),
        async (n, batch, picks) => {
          const tree = await TiledTree.open(new FakeStore(n, batch), n, { cacheTiles: 4 });
          for (const [a, b] of picks) {
            const s = 1 + (a % n);
            const i = b % s;
            const proof = await tree.inclusionProof(i, s);
            expect(proof.map(hex)).toEqual(ref.inclusionProof(i, s).map(hex));
            expect(verifyInclusion(leaves[i] as Buffer, i, s, proof, ref.root(s))).toBe(true);
            expect(hex(await tree.leafHashAt(i))).toBe(hex(leaves[i] as Buffer));
            expect(hex(await tree.rootAt(s))).toBe(hex(ref.root(s)));
            const m = 1 + (b % s);
            const cproof = await tree.consistencyProof(m, s);
            expect(cproof.map(hex)).toEqual(ref.consistencyProof(m, s).map(hex));
            expect(verifyConsistency(m, s, cproof, ref.root(m), ref.root(s))).toBe(true);
          }
          expect(tree.stats.cachedTiles).toBeLessThanOrEqual(4);
        },
      ),
      { numRuns: 35 },
    );
  });

  it('gives the complete nodes and hash tiles (full and partial) of MerkleTree', async () => {
    await fc.assert(
      fc.asyncProperty(
        size(1),
        fc.integer({ min: 0, max: 17 }),
        fc.nat(),
        fc.nat(300),
        async (n, height, a, c) => {
          const tree = await TiledTree.open(new FakeStore(n), n);
          const have = Math.floor(n / 2 ** height);
          if (have === 0) {
            await expect(tree.completeNodes(height, 0, 1)).rejects.toThrow(RangeError);
            return;
          }
          const start = a % have;
          const count = Math.min(c, have - start);
          expect(hex(await tree.completeNodes(height, start, count))).toBe(
            hex(ref.completeNodes(height, start, count)),
          );
          const level = Math.floor(height / 8);
          const index = Math.floor(start / TILE_WIDTH);
          const width = Math.min(TILE_WIDTH, hashesAtLevel(n, level) - index * TILE_WIDTH);
          if (height % 8 === 0)
            expect(hex(await tree.tileHashes(level, index, width))).toBe(
              hex(ref.completeNodes(height, index * TILE_WIDTH, width)),
            );
        },
      ),
      { numRuns: 35 },
    );
  });

  it('rolls back to a savepoint: the other leaves and the tiles they completed are forgotten', async () => {
    await fc.assert(
      fc.asyncProperty(
        size().chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: 600 }))),
        async ([n, k]) => {
          const store = new FakeStore(n);
          const tree = await TiledTree.open(store, n);
          const sp = tree.savepoint();
          for (let i = 0; i < k; i++) tree.append(counterLeaf(i, 'other'));
          if (tiles(n, n + k) > 0) expect(tree.unstoredTiles().length).toBeGreaterThan(0);
          tree.rollbackTo(sp);
          expect(tree.size).toBe(n);
          expect(tree.unstoredTiles()).toEqual([]);
          expect(hex(tree.root())).toBe(hex(ref.root(n)));
          const to = Math.min(MAX, n + k);
          for (let i = n; i < to; i++) tree.append(leaves[i] as Buffer);
          expect(hex(tree.root())).toBe(hex(ref.root(to)));
          if (to > n) {
            const proof = await tree.inclusionProof(to - 1);
            expect(proof.map(hex)).toEqual(ref.inclusionProof(to - 1, to).map(hex));
          }
          // Not past what is stored.
          tree.markStored();
          if (to > n) expect(() => tree.rollbackTo(sp)).toThrow(/cannot roll back/);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('catches up with entries others committed: by leaf hashes when near, from tiles when far', async () => {
    for (const [n, to] of [
      [1000, 1500],
      [65_000, 66_000],
      [300, 140_000],
      [0, MAX],
      [MAX, MAX],
    ] as const) {
      const store = new FakeStore(n);
      const tree = await TiledTree.open(store, n);
      store.limit = to;
      const read = store.leavesRead;
      await tree.advanceTo(to);
      expect(hex(tree.root())).toBe(hex(ref.root(to)));
      expect(store.leavesRead - read).toBeLessThanOrEqual(
        Math.max(255, to - n <= 16_384 ? to - n : 0),
      );
      expect(tree.storedSize).toBe(to);
      expect(tree.unstoredTiles()).toEqual([]);
    }
    const tree = await TiledTree.open(new FakeStore(500), 500);
    const done = tree.appendFrom(leaves.slice(500, 800));
    expect(done.map((t) => `${t.level}/${t.index}`)).toEqual(['0/1', '0/2']);
    expect(tree.unstoredTiles()).toEqual([]);
    tree.append(leaves[800] as Buffer);
    expect(() => tree.appendFrom([leaves[801] as Buffer])).toThrow(/not stored/);
  });

  it('answers proofs asked before appends that complete tiles, as of when they were asked', async () => {
    const n = 70_000;
    const tree = await TiledTree.open(new FakeStore(n), n, { cacheTiles: 2 });
    const asked = Array.from({ length: 40 }, (_, j) => {
      const i = (j * 1747) % n;
      return { i, proof: tree.inclusionProof(i, n), cproof: tree.consistencyProof(i + 1, n) };
    });
    for (let i = n; i < n + 600; i++) tree.append(leaves[i] as Buffer);
    for (const a of asked) {
      expect((await a.proof).map(hex)).toEqual(ref.inclusionProof(a.i, n).map(hex));
      expect((await a.cproof).map(hex)).toEqual(ref.consistencyProof(a.i + 1, n).map(hex));
    }
  });

  it('rebuilds a tile the store lacks from the level below, and still agrees', async () => {
    const n = 140_001;
    const store = new FakeStore(n, true);
    for (let index = 0; index < fullTiles(n, 0); index += 3) store.lacks.add(`0/${index}`);
    store.lacks.add('1/0');
    store.lacks.add('1/1');
    const tree = await TiledTree.open(store, n);
    expect(hex(tree.root())).toBe(hex(ref.root(n)));
    for (const i of [0, 3, 768, 65_536, 100_000, 140_000]) {
      expect((await tree.inclusionProof(i)).map(hex)).toEqual(ref.inclusionProof(i, n).map(hex));
      expect((await tree.consistencyProof(i + 1)).map(hex)).toEqual(
        ref.consistencyProof(i + 1, n).map(hex),
      );
    }
    expect(tree.stats.tilesRebuilt).toBeGreaterThan(0);
  });

  it('refuses what is not in the tree, and a store that answers wrongly', async () => {
    const tree = await TiledTree.open(new FakeStore(1000), 1000);
    await expect(tree.inclusionProof(1000, 1000)).rejects.toThrow(RangeError);
    await expect(tree.inclusionProof(0, 1001)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(0, 10)).rejects.toThrow(RangeError);
    await expect(tree.consistencyProof(11, 10)).rejects.toThrow(RangeError);
    await expect(tree.leafHashAt(1000)).rejects.toThrow(RangeError);
    await expect(tree.rootAt(1001)).rejects.toThrow(RangeError);
    await expect(tree.tileHashes(0, 3, 233)).rejects.toThrow(RangeError);
    expect(() => tree.append(Buffer.alloc(31))).toThrow(/32 bytes/);
    const short: TileReader = {
      readTile: async () => new Uint8Array(100),
      readLeafHashes: async (from, to) => leaves.slice(from, to),
    };
    await expect(TiledTree.open(short, 70_000)).rejects.toThrow(/100 bytes/);
    const few: TileReader = { ...short, readLeafHashes: async () => [] };
    await expect(TiledTree.open(few, 10)).rejects.toThrow(/0 leaf hashes/);
  });
});

function tiles(from: number, to: number): number {
  return tilesCompleted(from, to).length;
}

interface MerkleVectors {
  leafHashes: string[];
  roots: Record<string, string>;
  inclusion: { Index: number; TreeSize: number; LeafHash: string; Proof: string[] }[];
  consistency: { Size1: number; Size2: number; Proof: string[] }[];
}

describe('TiledTree and the RFC 6962/9162 vectors (golang.org/x/mod/sumdb/tlog)', () => {
  // The same vectors as ../shared/reference/vectors/rfc6962.json, kept in the repository.
  const v: MerkleVectors = JSON.parse(
    readFileSync(join(import.meta.dirname, '../vectors/rfc6962.json'), 'utf8'),
  );
  const vleaves = v.leafHashes.map((h) => Buffer.from(h, 'hex'));
  const reader: TileReader = {
    readTile: async () => undefined,
    readLeafHashes: async (from, to) => vleaves.slice(from, to),
  };

  it('has the roots and gives exactly the proofs of the vectors, appended or opened', async () => {
    const grown = await TiledTree.open(reader, 0);
    for (const l of vleaves) grown.append(l);
    for (const [s, root] of Object.entries(v.roots)) {
      expect(hex(await grown.rootAt(Number(s)))).toBe(root);
      expect(hex((await TiledTree.open(reader, Number(s))).root())).toBe(root);
    }
    for (const c of v.inclusion) {
      const opened = await TiledTree.open(reader, c.TreeSize);
      expect((await grown.inclusionProof(c.Index, c.TreeSize)).map(hex)).toEqual(c.Proof);
      expect((await opened.inclusionProof(c.Index)).map(hex)).toEqual(c.Proof);
      expect(hex(await opened.leafHashAt(c.Index))).toBe(c.LeafHash);
    }
    for (const c of v.consistency) {
      const opened = await TiledTree.open(reader, c.Size2);
      expect((await grown.consistencyProof(c.Size1, c.Size2)).map(hex)).toEqual(c.Proof);
      expect((await opened.consistencyProof(c.Size1)).map(hex)).toEqual(c.Proof);
    }
    expect(hex(leafHash(Buffer.alloc(0)))).toBe(v.leafHashes[0]);
  });
});
