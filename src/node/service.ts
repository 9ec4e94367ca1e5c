// One party's node: the store, the policy core's World loaded from it, and the
// transparency log. Every change goes through `transact`: a unit of work decides
// with the core, writes its rows and its log entries in ONE transaction. Units are
// group-committed: those that arrive together share a transaction (one fsync),
// each seeing the effects of the ones before it.
import type { KeyObject } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import type { Transaction } from 'kysely';
import {
  applyEffect,
  type Effect,
  type EpochMs,
  formatInstant,
  LiaisonError,
  World,
} from '../core/index.js';
import { type LogEntry, type LogEvent, type SealedEntry, sealEntry } from '../log/entry.js';
import { MerkleTree } from '../log/merkle.js';
import { checkpointBody, rawPublicKey, signNote, verifierKey } from '../log/note.js';
import type { Store } from '../store/db.js';
import { appendEntries, insertCheckpoint, latestCheckpoint, leafHashes } from '../store/log.js';
import type { Database } from '../store/schema.js';
import { loadWorld } from '../store/world.js';
import { definitionError } from './errors.js';
import { NOBODY, type Notifier } from './ports.js';
import { backfillTiles, storeCompletedTiles, type TileSource } from './tiles.js';

export interface NodeOptions {
  readonly party: string;
  /** The log's origin and checkpoint key name, e.g. "liaison.example/JP". */
  readonly origin: string;
  readonly store: Store;
  readonly signingKey: KeyObject;
  /** The clock; only the edge reads it. */
  readonly now?: () => EpochMs;
}

/** What a unit of work sees: the open transaction, the instant, and the log. */
export interface Unit {
  readonly tx: Transaction<Database>;
  readonly now: EpochMs;
  readonly world: World;
  /** Appends an event to the log in this transaction; returns its index. */
  log(event: LogEvent): number;
  /**
   * Changes the World, the one way a unit does (the core's `applyEffect`); a
   * definition the core refuses is a RequestInvalid naming the field.
   */
  apply(effect: Effect): void;
  /** Runs `fn` once the transaction has committed (e.g. to wake the outbox). */
  afterCommit(fn: () => void): void;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
  readonly at: number;
}

interface Job {
  /** Runs in the transaction; returns what settles its caller once that has committed. */
  readonly run: (u: Unit) => Promise<() => void>;
  readonly reject: (e: unknown) => void;
}

const MAX_BATCH = 512;

export class LiaisonNode {
  private worldValue = new World();
  private treeValue = new MerkleTree();
  private lastLeaf: Buffer | null = null;
  /** The tree size the store holds: the tree runs ahead of it while a batch commits. */
  private committed = 0;
  private lastCheckpoint: StoredCheckpoint | null = null;
  private readonly queue: Job[] = [];
  private draining = false;
  private notifierValue: Notifier = NOBODY;
  readonly now: () => EpochMs;

  private constructor(readonly options: NodeOptions) {
    this.now = options.now ?? Date.now;
  }

  static async open(options: NodeOptions): Promise<LiaisonNode> {
    const node = new LiaisonNode(options);
    await node.reload();
    // A log older than its tiles (or a bundle that could not be written) gets them now.
    await backfillTiles(node.store.db, node.tree);
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

  get tree(): MerkleTree {
    return this.treeValue;
  }

  /** The log as C2SP tlog-tiles can serve it: the store and tree, up to the committed size. */
  get tiles(): TileSource {
    return { db: this.store.db, tree: this.treeValue, size: this.committed };
  }

  /** The C2SP verifier key a partner's auditor configures for this node's log. */
  get verifierKey(): string {
    return verifierKey(this.origin, rawPublicKey(createPublicKey(this.options.signingKey)));
  }

  get publicKeyPem(): string {
    return createPublicKey(this.options.signingKey)
      .export({ type: 'spki', format: 'pem' })
      .toString();
  }

  /** Rebuilds the World and the tree from the store (at start, and after a failed batch). */
  async reload(): Promise<void> {
    this.worldValue = await loadWorld(this.store.db);
    const tree = new MerkleTree();
    let last: Buffer | null = null;
    for await (const leaf of leafHashes(this.store.db)) {
      last = Buffer.from(leaf);
      tree.append(last);
    }
    this.treeValue = tree;
    this.committed = tree.size;
    this.lastLeaf = last;
    const cp = await latestCheckpoint(this.store.db);
    this.lastCheckpoint =
      cp === undefined
        ? null
        : { size: cp.size, root: Buffer.from(cp.root), note: cp.note, at: cp.at };
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
    try {
      await this.store.db.transaction().execute(async (tx) => {
        const before = this.treeValue.size;
        const pending: SealedEntry[] = [];
        const now = this.now();
        const at = formatInstant(now);
        const unit: Unit = {
          tx,
          now,
          world: this.worldValue,
          log: (event) => {
            const entry: LogEntry = {
              ...event,
              index: this.treeValue.size,
              prev: this.lastLeaf === null ? null : this.lastLeaf.toString('hex'),
              at,
            };
            const sealed = sealEntry(entry);
            this.treeValue.append(sealed.leaf);
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
          this.treeValue,
          before,
          this.treeValue.size,
          false,
          pending.map((p) => p.data),
        );
      });
      this.committed = this.treeValue.size;
    } catch (e) {
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
  }

  /**
   * The latest checkpoint, signing a new one if the log has grown since the last.
   * Serialized with writes, so that size and root belong together.
   */
  checkpoint(): Promise<StoredCheckpoint> {
    return this.transact(async (u) => {
      const size = this.treeValue.size;
      if (this.lastCheckpoint !== null && this.lastCheckpoint.size === size)
        return this.lastCheckpoint;
      const root = Buffer.from(this.treeValue.root(size));
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
    while (this.draining || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
    await this.store.close();
  }
}
