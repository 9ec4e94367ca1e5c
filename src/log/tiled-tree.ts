// The log's Merkle tree (RFC 9162) as C2SP tlog-tiles (docs/log.md "Tiles"), for an
// instance that does not hold the whole tree: in memory only the right edge (each level's
// partial tile and the nodes above its hashes), the full tiles completed since the last
// markStored() and an LRU cache of full tiles; any other hash is read a tile at a time via
// a TileReader. A perfect subtree of height 8·L + r is the root of 2^r hashes of one level-L
// tile (as golang.org/x/mod/sumdb/tlog's TileHashReader). Opening replays nothing: a hash
// of level L's partial tile is the root of a full level-(L−1) tile (see edgeAt).
import { hash } from 'node:crypto';
import { defined } from '../core/guards.js';
import { EMPTY_ROOT, nodeHash } from './merkle.js';
import {
  consistencyRanges,
  fullTiles,
  hashesAtLevel,
  inclusionRanges,
  perfectSubtrees,
  TILE_HEIGHT,
  TILE_WIDTH,
  tileLevels,
} from './tiles.js';

const HASH = 32;
const TILE_BYTES = TILE_WIDTH * HASH;
/** Catching up by more entries than this reopens the edge from tiles instead. */
const CATCH_UP_BY_LEAVES = 16_384;

/** Where the full tiles and the leaf hashes are (the store); may be async. */
export interface TileReader {
  /** The full tile (256·32 bytes) at level `level`, index `index`, or undefined if not stored. */
  readTile(level: number, index: number): Promise<Uint8Array | undefined>;
  /** Optional: full tiles from … from+count−1 of a level in one read (undefined where not stored). */
  readTiles?(level: number, from: number, count: number): Promise<(Uint8Array | undefined)[]>;
  /** The leaf hashes of entries from … to−1, in order. */
  readLeafHashes(from: number, to: number): Promise<readonly Uint8Array[]>;
}

/** A full tile: level, index and its 256 hashes (8,192 bytes; not to be modified). */
export interface CompletedTile {
  readonly level: number;
  readonly index: number;
  readonly hashes: Uint8Array;
}

export interface TiledTreeOptions {
  /** How many full tiles the LRU cache holds (each 16 KiB with its inner nodes); 1,024 by default. */
  readonly cacheTiles?: number;
}

/** A size to roll back to (see TiledTree.savepoint). */
export interface Savepoint {
  readonly size: number;
}

const NONE: readonly CompletedTile[] = Object.freeze([]);
const key = (level: number, index: number) => `${level}/${index}`;
/** The tree size at which tile (level, index) becomes full. */
const fullAt = (level: number, index: number) => (index + 1) * TILE_WIDTH ** (level + 1);
/** A tile's 511 nodes: its 256 hashes (sub-height 0), then 128 of sub-height 1, … 1 of 8. */
const NODES = 2 * TILE_WIDTH - 1;
/** Where the nodes of sub-height s start: the two children of node i of s + 1 are 2i, 2i + 1 of s. */
const base = (s: number) => 2 * TILE_WIDTH - (2 * TILE_WIDTH) / 2 ** s;
/** 0x01 || left || right: the first byte stays 0x01, the rest is overwritten each time. */
const PAIR = Buffer.alloc(1 + 2 * HASH, 0x01);

/** Sets node `parent` of `nodes` to SHA-256(0x01 || node `left` || node left + 1): one allocation. */
function hashPair(nodes: Buffer, left: number, parent: number): void {
  nodes.copy(PAIR, 1, left * HASH, (left + 2) * HASH);
  hash('sha256', PAIR, 'buffer').copy(nodes, parent * HASH);
}

/** One tile's hashes and the nodes above them in it: a full tile, or level L's partial one. */
class Tile {
  private constructor(
    private readonly nodes: Buffer,
    public count: number,
    /** Whether the nodes above the hashes are there (a stored tile's are computed when asked). */
    private ready: boolean,
  ) {}

  /** A full tile read from the store. */
  static full(hashes: Uint8Array): Tile {
    const nodes = Buffer.alloc(NODES * HASH);
    nodes.set(hashes);
    return new Tile(nodes, TILE_WIDTH, false);
  }

  /** An empty tile, to be filled with push. */
  static building(): Tile {
    return new Tile(Buffer.alloc(NODES * HASH), 0, true);
  }

  /** The tile's hashes (a view, not to be modified). */
  get hashes(): Buffer {
    return this.nodes.subarray(0, TILE_BYTES);
  }

  /** A copy of the first `count` hashes and their nodes, to go on building from. */
  prefix(count: number): Tile {
    return new Tile(Buffer.from(this.nodes), count, true);
  }

  /** Node i of sub-height s: the root of hashes i·2^s … (i+1)·2^s − 1 of the tile. */
  node(s: number, i: number): Uint8Array {
    if (!this.ready && s > 0) {
      this.ready = true;
      for (let t = 1; t <= TILE_HEIGHT; t++)
        for (let j = 0; j < TILE_WIDTH >> t; j++)
          hashPair(this.nodes, base(t - 1) + 2 * j, base(t) + j);
    }
    const n = base(s) + i;
    return this.nodes.subarray(n * HASH, (n + 1) * HASH);
  }

  get root(): Uint8Array {
    return this.node(TILE_HEIGHT, 0);
  }

  /** Appends a hash and the nodes it completes; true when that fills the tile. */
  push(h: Uint8Array): boolean {
    let i = this.count;
    this.nodes.set(h, i * HASH);
    this.count++;
    // A node completes its parent when it is a right child.
    for (let s = 0; i % 2 === 1; s++) {
      hashPair(this.nodes, base(s) + i - 1, base(s + 1) + (i - 1) / 2);
      i = (i - 1) / 2;
    }
    return this.count === TILE_WIDTH;
  }
}

/** MTH of consecutive pieces: the right fold nodeHash(p0, nodeHash(p1, … pk)). */
function fold(hashes: readonly Uint8Array[]): Uint8Array {
  let acc = defined(hashes[hashes.length - 1], 'the last piece');
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(defined(hashes[i], 'a piece'), acc);
  return acc;
}

export class TiledTree {
  private n = 0;
  /** The size at the last markStored (or open): tiles full at it are in the store. */
  private storedUpTo = 0;
  /** edge[L]: level L's partial tile at size n (⌊n/256^L⌋ mod 256 hashes). */
  private edge: Tile[] = [];
  private rootMemo: Uint8Array | null = null;
  /** Full tiles completed since the last markStored, by key(level, index). */
  private readonly unstored = new Map<string, { level: number; index: number; tile: Tile }>();
  /** Full tiles, least recently used first. */
  private readonly cache = new Map<string, Tile>();
  private readonly loading = new Map<string, Promise<Tile>>();
  private readonly saved = new WeakMap<Savepoint, readonly { tile: Tile; count: number }[]>();
  private readonly capacity: number;
  private readonly counts = { tileReads: 0, tilesRebuilt: 0, cacheHits: 0 };

  private constructor(
    private readonly reader: TileReader,
    options: TiledTreeOptions,
  ) {
    this.capacity = Math.max(1, options.cacheTiles ?? 1024);
  }

  /** The tree of the first `size` entries, from stored tiles and ≤ 255 leaf hashes: no replay. */
  static async open(
    reader: TileReader,
    size: number,
    options: TiledTreeOptions = {},
  ): Promise<TiledTree> {
    const tree = new TiledTree(reader, options);
    tree.reset(size, await tree.edgeAt(size));
    return tree;
  }

  get size(): number {
    return this.n;
  }

  /** The size up to which the full tiles are stored (the last markStored, open, or catch-up). */
  get storedSize(): number {
    return this.storedUpTo;
  }

  /** Tiles read, rebuilt from the level below (not stored), found in the cache; tiles cached now. */
  get stats() {
    return { ...this.counts, cachedTiles: this.cache.size };
  }

  /**
   * The right edge at `size`: the w_L = ⌊size/256^L⌋ mod 256 full level-(L−1) tiles under
   * each partial tile (L ≥ 1; their roots are its hashes), and the w_0 ≤ 255 leaf hashes.
   */
  private async edgeAt(size: number): Promise<Tile[]> {
    if (!Number.isSafeInteger(size) || size < 0)
      throw new RangeError(`a tree size is a non-negative integer, not ${size}`);
    const edge: Tile[] = [];
    for (let level = 0; level < tileLevels(size); level++) {
      const tile = Tile.building();
      edge.push(tile);
      const width = hashesAtLevel(size, level) % TILE_WIDTH;
      const from = fullTiles(size, level) * TILE_WIDTH;
      if (width === 0) continue;
      const hashes =
        level === 0
          ? await this.leaves(from, from + width)
          : (await this.loadRange(level - 1, from, width)).map((t) => t.root);
      for (const h of hashes) tile.push(h);
    }
    return edge;
  }

  private reset(size: number, edge: Tile[]): void {
    this.edge = edge;
    this.n = size;
    this.storedUpTo = size;
    this.rootMemo = null;
  }

  /**
   * Appends a leaf hash, in memory only. Returns the full tiles it completed (none, or
   * one a level from 0 up, as `tilesCompleted(size − 1, size)` in tiles.ts names them):
   * the caller stores them; until markStored they are kept and read from memory.
   */
  append(leaf: Uint8Array): readonly CompletedTile[] {
    if (leaf.length !== HASH) throw new RangeError('a leaf hash has 32 bytes');
    this.n++;
    this.rootMemo = null;
    let done: CompletedTile[] | undefined;
    let h = leaf;
    for (let level = 0; ; level++) {
      const tile = this.edge[level] ?? Tile.building();
      this.edge[level] = tile;
      if (!tile.push(h)) break;
      const index = fullTiles(this.n, level) - 1;
      this.unstored.set(key(level, index), { level, index, tile });
      done ??= [];
      done.push({ level, index, hashes: tile.hashes });
      h = tile.root;
      this.edge[level] = Tile.building();
    }
    return done ?? NONE;
  }

  /**
   * Catches up with entries that other instances committed (with their tiles): appends
   * their leaf hashes, and counts the tiles they complete as stored. Returns those tiles.
   */
  appendFrom(leafHashes: Iterable<Uint8Array>): CompletedTile[] {
    this.requireStored();
    const done: CompletedTile[] = [];
    for (const leaf of leafHashes) done.push(...this.append(leaf));
    this.markStored();
    return done;
  }

  private requireStored(): void {
    if (this.n !== this.storedUpTo)
      throw new RangeError(
        `entries ${this.storedUpTo} … ${this.n - 1} are appended here but not stored: markStored or rollbackTo first`,
      );
  }

  /** Catches up to `size` committed entries: by their leaf hashes, or from tiles if far behind. */
  async advanceTo(size: number): Promise<void> {
    if (!Number.isSafeInteger(size) || size < this.n)
      throw new RangeError(`cannot advance a tree of ${this.n} to ${size}`);
    this.requireStored();
    const from = this.n;
    const grew = () => new RangeError(`the tree grew from ${from} while it caught up`);
    if (size - from > CATCH_UP_BY_LEAVES) {
      const edge = await this.edgeAt(size);
      if (this.n !== from) throw grew();
      this.reset(size, edge);
    } else {
      const leaves = await this.leaves(from, size);
      if (this.n !== from) throw grew();
      this.appendFrom(leaves);
    }
  }

  /** The full tiles completed since the last markStored, by level then index. */
  unstoredTiles(): CompletedTile[] {
    return [...this.unstored.values()]
      .sort((a, b) => a.level - b.level || a.index - b.index)
      .map(({ level, index, tile }) => ({ level, index, hashes: tile.hashes }));
  }

  /** The tiles completed so far are stored (their transaction committed): they move to the cache. */
  markStored(): void {
    for (const [k, u] of this.unstored) this.remember(k, u.tile);
    this.unstored.clear();
    this.storedUpTo = this.n;
  }

  /** The state to come back to if what is appended next is not committed (cheap: no copy). */
  savepoint(): Savepoint {
    const sp: Savepoint = Object.freeze({ size: this.n });
    const edge = this.edge.map((tile) => ({ tile, count: tile.count }));
    this.saved.set(sp, edge);
    return sp;
  }

  /** Forgets what was appended since `sp` and the tiles it completed; not past markStored. */
  rollbackTo(sp: Savepoint): void {
    const edge = this.saved.get(sp);
    if (edge === undefined) throw new RangeError('not a savepoint of this tree');
    if (sp.size < this.storedUpTo || sp.size > this.n)
      throw new RangeError(
        `cannot roll back to ${sp.size}: the tree has ${this.n}, of which ${this.storedUpTo} stored`,
      );
    this.edge = edge.map(({ tile, count }) => tile.prefix(count));
    this.n = sp.size;
    this.rootMemo = null;
    for (const [k, u] of this.unstored)
      if (fullAt(u.level, u.index) > sp.size) this.unstored.delete(k);
  }

  /** The root at the current size, from the right edge alone (no read). */
  root(): Uint8Array {
    if (this.rootMemo !== null) return this.rootMemo;
    const hashes = perfectSubtrees(0, this.n).map(([h, k]) => {
      const at = this.locate(h, k);
      if (at instanceof Uint8Array) return at;
      throw new RangeError(`internal: the root's subtree of height ${h} is not on the edge`);
    });
    this.rootMemo = hashes.length === 0 ? EMPTY_ROOT : fold(hashes);
    return this.rootMemo;
  }

  /** The root of the first `size` leaves (RFC 9162 MTH). */
  async rootAt(size: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.n)
      throw new RangeError(`tree size ${size} is beyond ${this.n}`);
    if (size === this.n) return this.root();
    if (size === 0) return EMPTY_ROOT;
    return defined((await this.hashRanges([[0, size]]))[0], 'the root');
  }

  async leafHashAt(i: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.n) throw new RangeError(`no leaf ${i}`);
    return defined((await this.hashRanges([[i, i + 1]]))[0], 'the leaf hash');
  }

  /** RFC 9162 §2.1.3.1: PATH(index, D[size]). */
  async inclusionProof(index: number, size: number = this.n): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= size || size > this.n)
      throw new RangeError(`no leaf ${index} in a tree of size ${size}`);
    return this.hashRanges(inclusionRanges(index, size));
  }

  /** RFC 9162 §2.1.4.1: PROOF(m, D[n]) for 0 < m ≤ n ≤ size. */
  async consistencyProof(m: number, n: number = this.n): Promise<Uint8Array[]> {
    if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || n > this.n || m < 1 || m > n)
      throw new RangeError(`no consistency proof from ${m} to ${n}`);
    return this.hashRanges(consistencyRanges(m, n));
  }

  /**
   * The hashes of `count` perfect subtrees of 2^height leaves from the `start`-th,
   * concatenated, as MerkleTree.completeNodes: a (full or partial) level-L tile is
   * completeNodes(8·L, index·256, width).
   */
  async completeNodes(height: number, start: number, count: number): Promise<Buffer> {
    const have = Math.floor(this.n / 2 ** height);
    if (!Number.isSafeInteger(start) || start < 0 || count < 0 || start + count > have)
      throw new RangeError(
        `no nodes ${start} … ${start + count - 1} of height ${height}: the tree has ${have}`,
      );
    const span = 2 ** height;
    const range = (j: number): [number, number] => [(start + j) * span, (start + j + 1) * span];
    return Buffer.concat(await this.hashRanges(Array.from({ length: count }, (_, j) => range(j))));
  }

  /** Hash tile `index` of `level`, `width` hashes wide (256: full), at the current size. */
  tileHashes(level: number, index: number, width: number = TILE_WIDTH): Promise<Buffer> {
    return this.completeNodes(TILE_HEIGHT * level, index * TILE_WIDTH, width);
  }

  /**
   * MTH(D[a:b]) for each range. Where every hash is found is decided at once, before
   * any read, so appends while the reads are under way do not change the answer.
   */
  private async hashRanges(ranges: readonly [number, number][]): Promise<Uint8Array[]> {
    const split = ranges.map(([a, b]) => perfectSubtrees(a, b));
    const found = await Promise.all(
      split.flat().map(([h, k]) => {
        const at = this.locate(h, k);
        if (at instanceof Uint8Array) return at;
        return this.loadTile(at.level, at.index).then((t) => t.node(at.s, at.i));
      }),
    );
    const out: Uint8Array[] = [];
    for (const ps of split) out.push(fold(found.splice(0, ps.length)));
    return out;
  }

  /**
   * The hash of perfect subtree k of height h (leaves k·2^h … (k+1)·2^h − 1) when it is
   * in memory, else the full tile and node that hold it.
   */
  private locate(
    h: number,
    k: number,
  ): Uint8Array | { level: number; index: number; s: number; i: number } {
    const level = Math.floor(h / TILE_HEIGHT);
    const s = h % TILE_HEIGHT;
    const first = k * 2 ** s; // its first hash at that level
    const index = Math.floor(first / TILE_WIDTH);
    const i = (first - index * TILE_WIDTH) / 2 ** s;
    const full = fullTiles(this.n, level);
    if (index < full) return this.inMemory(level, index)?.node(s, i) ?? { level, index, s, i };
    const edge = this.edge[level];
    if (index === full && edge !== undefined && (i + 1) * 2 ** s <= edge.count)
      return edge.node(s, i);
    throw new RangeError(`no subtree of height ${h} numbered ${k} in a tree of ${this.n}`);
  }

  private inMemory(level: number, index: number): Tile | undefined {
    const k = key(level, index);
    const tile = this.unstored.get(k)?.tile ?? this.cache.get(k);
    if (tile !== undefined && this.cache.delete(k)) {
      this.counts.cacheHits++;
      this.cache.set(k, tile); // the most recently used goes last
    }
    return tile;
  }

  private remember(k: string, tile: Tile): Tile {
    this.cache.delete(k);
    this.cache.set(k, tile);
    for (const oldest of this.cache.keys()) {
      if (this.cache.size <= this.capacity) break;
      this.cache.delete(oldest);
    }
    return tile;
  }

  /** A full tile: from memory, the reader, or (not stored) rebuilt from the level below. */
  private loadTile(level: number, index: number): Promise<Tile> {
    const have = this.inMemory(level, index);
    if (have !== undefined) return Promise.resolve(have);
    const k = key(level, index);
    const pending = this.loading.get(k);
    if (pending !== undefined) return pending;
    const load = (async () => {
      this.counts.tileReads++;
      return this.remember(
        k,
        await this.tileFrom(level, index, await this.reader.readTile(level, index)),
      );
    })().finally(() => this.loading.delete(k));
    this.loading.set(k, load);
    return load;
  }

  /** Full tiles from … from+count−1 of a level, in one read when the reader can. */
  private async loadRange(level: number, from: number, count: number): Promise<Tile[]> {
    const batch = this.reader.readTiles?.bind(this.reader);
    if (batch === undefined || count < 2)
      return Promise.all(Array.from({ length: count }, (_, i) => this.loadTile(level, from + i)));
    this.counts.tileReads += count;
    const got = await batch(level, from, count);
    const out: Tile[] = [];
    for (let i = 0; i < count; i++) {
      const read = () => this.tileFrom(level, from + i, got[i]);
      out.push(this.inMemory(level, from + i) ?? this.remember(key(level, from + i), await read()));
    }
    return out;
  }

  private async tileFrom(level: number, index: number, got?: Uint8Array): Promise<Tile> {
    if (got === undefined) return this.rebuild(level, index);
    if (got.length === TILE_BYTES) return Tile.full(got);
    throw new RangeError(
      `stored tile ${level}/${index} has ${got.length} bytes, not ${TILE_BYTES}`,
    );
  }

  private async leaves(from: number, to: number): Promise<readonly Uint8Array[]> {
    const got = await this.reader.readLeafHashes(from, to);
    if (got.length === to - from && got.every((h) => h.length === HASH)) return got;
    throw new RangeError(
      `the reader gave ${got.length} leaf hashes for entries ${from} … ${to - 1}`,
    );
  }

  /** A full tile the store lacks (a log older than its tiles), from the level below. */
  private async rebuild(level: number, index: number): Promise<Tile> {
    this.counts.tilesRebuilt++;
    const from = index * TILE_WIDTH;
    const hashes =
      level === 0
        ? await this.leaves(from, from + TILE_WIDTH)
        : (await this.loadRange(level - 1, from, TILE_WIDTH)).map((t) => t.root);
    const tile = Tile.building();
    for (const h of hashes) tile.push(h);
    return tile;
  }
}
