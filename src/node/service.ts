// One party's node: the store, the policy core's World loaded from it, and the
// transparency log. Every change goes through `transact`: a unit of work decides
// with the core, writes its rows and its log entries in ONE transaction. Units are
// group-committed: those that arrive together share a transaction (one fsync),
// each seeing the effects of the ones before it.
import { createPublicKey, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Transaction } from 'kysely';
import type { Bus } from '../bus/bus.js';
import {
  applyEffect,
  type Effect,
  type EpochMs,
  formatInstant,
  LiaisonError,
  World,
} from '../core/index.js';
import { type LogEntry, type SealedEntry, sealEntry } from '../log/entry.js';
import { checkpointBody, rawPublicKey, signNote, verifierKey } from '../log/note.js';
import { TiledTree, type TileReader } from '../log/tiled-tree.js';
import {
  changeRange,
  feedHeads,
  insertChange,
  lockWrites,
  pruneChanges,
} from '../store/cluster.js';
import type { Store } from '../store/db.js';
import {
  appendEntries,
  insertCheckpoint,
  latestCheckpoint,
  leafHashRange,
  logSize,
} from '../store/log.js';
import type { Database } from '../store/schema.js';
import { tileAt } from '../store/tiles.js';
import { loadWorld } from '../store/world.js';
import { applyChanges, decodeEffects, decodeTags, encodeEffects } from './changefeed.js';
import { definitionError } from './errors.js';
import { Gate } from './gate.js';
import type { NodeOptions, StoredCheckpoint, Unit } from './node-types.js';
import { NOBODY, type Notifier } from './ports.js';
import { ensureTiles, storeCompletedTiles, type TileSource } from './tiles.js';

export type { NodeOptions, StoredCheckpoint, Unit } from './node-types.js';

interface Job {
  /** Runs in the transaction; returns what settles its caller once that has committed. */
  readonly run: (u: Unit) => Promise<() => void>;
  readonly reject: (e: unknown) => void;
}

const MAX_BATCH = 512;

const stored = (cp: { size: number; root: Uint8Array; note: string; at: number }) => ({
  size: cp.size,
  root: Buffer.from(cp.root),
  note: cp.note,
  at: cp.at,
});
/** Feed rows older than this are pruned; an instance that slept longer reloads. */
const FEED_KEEP_MS = 3_600_000;
const FEED_STALE_MS = FEED_KEEP_MS / 2;
/** The bus topic that wakes the other instances after a commit. */
const CHANGED = 'node.changed';

export class LiaisonNode {
  private worldValue = new World();
  /**
   * The log's tree: its right edge in memory, the rest read from the stored tiles
   * (through the batch's transaction while a batch runs, else the store).
   */
  private treeValue: TiledTree | null = null;
  private readQ: Store['db'] | null = null;
  private readonly reader: TileReader = {
    readTile: (level, index) => tileAt(this.readQ ?? this.store.db, level, index),
    readLeafHashes: (from, to) => leafHashRange(this.readQ ?? this.store.db, from, to),
  };
  private readonly gate = new Gate();
  private lastLeaf: Buffer | null = null;
  /** The tree size the store holds: the tree runs ahead of it while a batch commits. */
  private committed = 0;
  private lastCheckpoint: StoredCheckpoint | null = null;
  private readonly queue: Job[] = [];
  private draining = false;
  private notifierValue: Notifier = NOBODY;
  readonly now: () => EpochMs;
  readonly instance: string;
  /**
   * Several instances may share this store (PostgreSQL): writes take the node's
   * lock and leave a change-feed row; on SQLite the node is one process.
   */
  readonly shared: boolean;
  /** The last change-feed row applied here, and when (monotonic ms). */
  private changePos = 0;
  private syncedAt = 0;
  private readonly tagListeners = new Set<(tags: readonly string[], foreign: boolean) => void>();
  private busValue: Bus | null = null;
  private unsubscribe: (() => void) | null = null;
  private syncTimer: NodeJS.Timeout | null = null;

  private constructor(readonly options: NodeOptions) {
    this.now = options.now ?? Date.now;
    this.instance = options.instance ?? randomUUID();
    this.shared = options.store.dialect === 'postgres';
  }

  static async open(options: NodeOptions): Promise<LiaisonNode> {
    const node = new LiaisonNode(options);
    // A log older than its tiles (or a bundle that could not be written) gets them now.
    await ensureTiles(node.store.db);
    await node.reload();
    return node;
  }

  get party(): string {
    return this.options.party;
  }

  get origin(): string {
    return this.options.origin;
  }

  get store(): Store {
    return this.options.store;
  }

  /** Who tells partners what changed here (the federation, when there is one). */
  get notifier(): Notifier {
    return this.notifierValue;
  }

  /** Set once, by the composition root. */
  connectNotifier(n: Notifier): void {
    this.notifierValue = n;
  }

  get world(): World {
    return this.worldValue;
  }

  /**
   * The log's tree. Its size and current root are at hand; what it reads (proofs, old
   * roots, tiles) is read through `treeRead`, or inside a unit.
   */
  get tree(): TiledTree {
    if (this.treeValue === null) throw new Error('the node is not open');
    return this.treeValue;
  }

  /** Runs `fn` on the tree while no batch appends to it (a proof, a tile, an old root). */
  treeRead<T>(fn: (tree: TiledTree) => Promise<T>): Promise<T> {
    return this.gate.read(() => fn(this.tree));
  }

  /** The log as C2SP tlog-tiles can serve it: the store and tree, up to the committed size. */
  get tiles(): TileSource {
    return { db: this.store.db, tree: this.tree, size: this.committed };
  }

  /** The C2SP verifier key a partner's auditor configures for this node's log. */
  get verifierKey(): string {
    return verifierKey(this.origin, rawPublicKey(createPublicKey(this.options.signingKey)));
  }

  /**
   * The verifier key the node was initialized with: an auditor follows the logged
   * hand-overs from it to `verifierKey` (the same until the keys are rotated).
   */
  get initialVerifierKey(): string {
    const first = this.options.firstSigningKey ?? this.options.signingKey;
    return verifierKey(this.origin, rawPublicKey(createPublicKey(first)));
  }

  get publicKeyPem(): string {
    return createPublicKey(this.options.signingKey)
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }

  /**
   * Rebuilds the World and the tree from the store (at start, after a failed batch,
   * and when this instance fell behind the change feed's horizon). With several
   * instances it reads one snapshot, so the World, the tree and the feed position
   * belong together.
   */
  async reload(): Promise<void> {
    const load = async (q: Store['db']) => {
      const world = await loadWorld(q);
      const size = await logSize(q);
      const pos = this.shared ? (await changeRange(q)).last : 0;
      const cp = await latestCheckpoint(q);
      return { world, size, pos, cp };
    };
    const r = this.shared
      ? await this.store.db.transaction().setIsolationLevel('repeatable read').execute(load)
      : await load(this.store.db);
    // No replay: the right edge from the stored tiles and ≤ 255 leaf hashes.
    const tree = await TiledTree.open(this.reader, r.size);
    this.worldValue = r.world;
    this.treeValue = tree;
    this.committed = r.size;
    this.lastLeaf = r.size === 0 ? null : Buffer.from(await tree.leafHashAt(r.size - 1));
    this.changePos = r.pos;
    this.syncedAt = performance.now();
    this.lastCheckpoint = r.cp === undefined ? null : stored(r.cp);
  }

  /**
   * Connects the node to the bus its instances share: after each commit that changed
   * something it wakes the others, and it catches up when they wake it (and every
   * second regardless, in case a wake-up was lost).
   */
  connectBus(bus: Bus): void {
    this.busValue = bus;
    if (!this.shared) return;
    this.unsubscribe = bus.subscribe(CHANGED, (data) => {
      if (Buffer.from(data).toString('utf8') !== this.instance) this.sync();
    });
    this.syncTimer = setInterval(() => this.sync(), 1000);
    this.syncTimer.unref();
  }

  get bus(): Bus | null {
    return this.busValue;
  }

  /**
   * Calls `fn` with the tags of every change: this instance's after their commit
   * (`foreign` false), the other instances' as this one catches up (true).
   */
  onTouched(fn: (tags: readonly string[], foreign: boolean) => void): () => void {
    this.tagListeners.add(fn);
    return () => {
      this.tagListeners.delete(fn);
    };
  }

  /** Catches up with the other instances now (an empty unit: the batch catches up). */
  sync(): void {
    if (this.queue.length === 0 && !this.draining) void this.transact(() => {}).catch(() => {});
  }

  private tell(tags: readonly string[], foreign: boolean): void {
    if (tags.length === 0) return;
    for (const fn of this.tagListeners) {
      try {
        fn(tags, foreign);
      } catch {
        // A listener drops a cache; one that fails must not stop the others.
      }
    }
  }

  /**
   * Under the write lock: applies what the other instances committed since this one
   * last looked (their log entries, their effects on the World, their stale caches).
   */
  private async catchUp(tx: Transaction<Database>): Promise<void> {
    if (performance.now() - this.syncedAt > FEED_STALE_MS) {
      await this.reload();
      this.tell(['reloaded'], true);
    }
    const { tree } = this;
    const heads = await feedHeads(tx);
    const size = heads.logSize;
    if (size > tree.size) {
      await tree.advanceTo(size);
      this.lastLeaf = Buffer.from(await tree.leafHashAt(size - 1));
    }
    this.committed = tree.size;
    if (heads.lastChange > this.changePos)
      this.changePos = await applyChanges(tx, this.changePos, this.instance, (row) => {
        for (const effect of decodeEffects(row.effects)) applyEffect(this.worldValue, effect);
        this.tell(decodeTags(row.tags), true);
      });
    if (heads.checkpointSize > (this.lastCheckpoint?.size ?? 0)) {
      const cp = await latestCheckpoint(tx);
      if (cp !== undefined) this.lastCheckpoint = stored(cp);
    }
    this.syncedAt = performance.now();
  }

  /** Runs a unit of work in a (shared) transaction; resolves once it is committed. */
  transact<T>(fn: (u: Unit) => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        run: async (u) => {
          const v = await fn(u);
          return () => resolve(v);
        },
        reject,
      });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => {
          void this.drain();
        });
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.runBatch(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
    }
  }

  private async runBatch(batch: Job[]): Promise<void> {
    /** What settles each job's caller, in order, once the batch has committed. */
    const outcomes: (() => void)[] = [];
    const after: (() => void)[] = [];
    const tags = new Set<string>();
    let changed = false;
    try {
      await this.gate.write(() =>
        this.commitBatch(batch, outcomes, after, tags, (c) => {
          changed = c;
        }),
      );
    } catch (e) {
      this.readQ = null;
      // Memory ran ahead of a transaction that did not commit: rebuild it, then give
      // each unit its own transaction so that only the faulty one fails.
      await this.reload();
      const [only] = batch;
      if (batch.length === 1 && only !== undefined) {
        only.reject(e);
        return;
      }
      for (const job of batch) await this.runBatch([job]);
      return;
    }
    for (const settle of outcomes) settle();
    for (const fn of after) fn();
    this.tell([...tags], false);
    if (changed && this.shared && this.busValue !== null)
      void this.busValue.publish(CHANGED, Buffer.from(this.instance, 'utf8')).catch(() => {});
  }

  /** One batch's transaction, while no one else reads the tree. */
  private async commitBatch(
    batch: readonly Job[],
    outcomes: (() => void)[],
    after: (() => void)[],
    tags: Set<string>,
    setChanged: (changed: boolean) => void,
  ): Promise<void> {
    await this.store.db.transaction().execute(async (tx) => {
      this.readQ = tx;
      if (this.shared) {
        await lockWrites(tx, 'postgres');
        await this.catchUp(tx);
      }
      const before = this.tree.size;
      const pending: SealedEntry[] = [];
      const applied: Effect[] = [];
      const now = this.now();
      const at = formatInstant(now);
      const unit: Unit = {
        tx,
        now,
        world: this.worldValue,
        log: (event) => {
          const entry: LogEntry = {
            ...event,
            index: this.tree.size,
            prev: this.lastLeaf === null ? null : this.lastLeaf.toString('hex'),
            at,
          };
          const sealed = sealEntry(entry);
          this.tree.append(sealed.leaf);
          this.lastLeaf = sealed.leaf;
          pending.push(sealed);
          return entry.index;
        },
        afterCommit: (fn) => {
          after.push(fn);
        },
        apply: (effect) => {
          try {
            applyEffect(this.worldValue, effect);
          } catch (e) {
            definitionError(e);
          }
          if (this.shared) applied.push(effect);
        },
        touch: (tag) => {
          tags.add(tag);
        },
      };
      for (const job of batch) {
        try {
          outcomes.push(await job.run(unit));
        } catch (e) {
          // A refusal is decided before anything is written; anything else aborts the batch.
          if (!(e instanceof LiaisonError)) throw e;
          outcomes.push(() => job.reject(e));
        }
      }
      await appendEntries(
        tx,
        pending.map((p) => ({ index: p.entry.index, leaf: p.leaf, data: p.data })),
        now,
      );
      // The tiles and entry bundles these entries complete, in the same transaction.
      await storeCompletedTiles(
        tx,
        this.tree.unstoredTiles(),
        before,
        false,
        pending.map((p) => p.data),
      );
      if (this.shared && (applied.length > 0 || tags.size > 0)) {
        const id = await insertChange(tx, {
          effects: encodeEffects(applied),
          tags: JSON.stringify([...tags]),
          instance: this.instance,
          at: now,
        });
        // Once in a thousand changes, forget those no instance can still need.
        if (id % 1000 === 0) await pruneChanges(tx, now - FEED_KEEP_MS);
        this.changePos = id;
      }
      setChanged(pending.length > 0 || applied.length > 0 || tags.size > 0);
    });
    this.readQ = null;
    // The catch-up may have replaced the tree (a reload): the batch appended to this one.
    this.tree.markStored();
    this.committed = this.tree.size;
  }

  /**
   * The latest checkpoint, signing a new one if the log has grown since the last.
   * Serialized with writes, so that size and root belong together.
   */
  checkpoint(): Promise<StoredCheckpoint> {
    return this.transact(async (u) => {
      const size = this.tree.size;
      if (this.lastCheckpoint !== null && this.lastCheckpoint.size === size)
        return this.lastCheckpoint;
      const root = Buffer.from(this.tree.root());
      const note = signNote(
        checkpointBody({ origin: this.origin, size, root }),
        this.origin,
        this.options.signingKey,
      );
      const cp: StoredCheckpoint = { size, root, note, at: u.now };
      await insertCheckpoint(u.tx, cp);
      this.lastCheckpoint = cp;
      return cp;
    });
  }

  async close(): Promise<void> {
    if (this.syncTimer !== null) clearInterval(this.syncTimer);
    this.unsubscribe?.();
    while (this.draining || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.store.close();
  }
}
