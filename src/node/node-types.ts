// The shapes a node is opened with and a unit of work sees (src/node/service.ts).
import type { KeyObject } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Effect, EpochMs, World } from '../core/index.js';
import type { LogEvent } from '../log/entry.js';
import type { Store } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { CacheTag } from './changefeed.js';

export interface NodeOptions {
  readonly party: string;
  /** The log's origin and checkpoint key name, e.g. "liaison.example/JP". */
  readonly origin: string;
  readonly store: Store;
  /** The current signing key (after a rotation, the newest: read it when signing). */
  readonly signingKey: KeyObject;
  /**
   * The key the node was initialized with (keys.json's), which every instance holds
   * whatever rotated since: alert stream tokens are sealed under a key derived from it
   * (default: `signingKey`).
   */
  readonly firstSigningKey?: KeyObject;
  /** The clock; only the edge reads it. */
  readonly now?: () => EpochMs;
  /** This instance's name among the node's instances (default: a random UUID). */
  readonly instance?: string;
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
  /**
   * Names a cache this unit made stale, so that every instance of the node drops it
   * (this one once the unit commits, the others before their next decision).
   */
  touch(tag: CacheTag): void;
}

export interface StoredCheckpoint {
  readonly size: number;
  readonly root: Buffer;
  readonly note: string;
  readonly at: number;
}
