// The change feed between the instances of one node (docs/deploy.md). Each batch of
// units that changed the World or touched a cache leaves one row: the core effects
// it applied, in order, and the tags of the caches it touched. The other instances
// apply the same effects to their own World, and drop what the tags name from their
// caches, in the feed's order, before they decide anything (under the write lock).
import type { Transaction } from 'kysely';
import type { Effect } from '../core/index.js';
import { type ChangeRow, changesAfter } from '../store/cluster.js';
import type { Database } from '../store/schema.js';

/**
 * Effects as JSON, keeping what JSON would lose: ±Infinity (a consent that never
 * expires) and a property present but undefined (`clearanceExpires: undefined`
 * clears an expiry; absent leaves it).
 */
const INF = '$inf';
const NEG_INF = '$-inf';
const UNDEF = '$undefined';

function encodeValue(v: unknown): unknown {
  if (v === Number.POSITIVE_INFINITY) return INF;
  if (v === Number.NEGATIVE_INFINITY) return NEG_INF;
  if (v === undefined) return UNDEF;
  if (typeof v === 'string' && v.startsWith('$')) return `$${v}`;
  if (Array.isArray(v)) return v.map(encodeValue);
  // fromEntries defines each key as an own property: a key '__proto__' stays a key
  // (assigning it would set the object's prototype instead, and lose it).
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x)]));
  return v;
}

function decodeValue(v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith('$')) {
    if (v === INF) return Number.POSITIVE_INFINITY;
    if (v === NEG_INF) return Number.NEGATIVE_INFINITY;
    if (v === UNDEF) return undefined;
    return v.slice(1);
  }
  if (Array.isArray(v)) return v.map(decodeValue);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x)]));
  return v;
}

export function encodeEffects(effects: readonly Effect[]): string {
  return JSON.stringify(effects.map(encodeValue));
}

/** The effects a row holds. Rows are this node's own writing, in its own database. */
export function decodeEffects(json: string): Effect[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new TypeError('node_changes.effects: not an array');
  // The feed is written only by encodeEffects (in this file), from Effect values.
  return parsed.map(decodeValue) as Effect[];
}

export function decodeTags(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
}

/**
 * Cache tags: what a change touched, so that other instances drop their copies.
 * `token:<id>` and `user:<id>` (tokens resolved, streams open), `peers`,
 * `agreement-keys`, `alerts` (alerts awaiting acknowledgement).
 */
export type CacheTag =
  | `token:${string}`
  | `user:${string}`
  | 'peers'
  | 'agreement-keys'
  | 'alerts'
  | 'outbox'
  /** This node's own keys (a rotation, src/federation/rotation.ts). */
  | 'keys';

/** Changes read per query while catching up. */
const FEED_PAGE = 1000;

/**
 * Under the write lock: hands `apply` each change after `from` that another instance
 * than `instance` committed, in id order; returns the id of the last change read.
 */
export async function applyChanges(
  tx: Transaction<Database>,
  from: number,
  instance: string,
  apply: (row: ChangeRow) => void,
): Promise<number> {
  let pos = from;
  for (;;) {
    const rows = await changesAfter(tx, pos, FEED_PAGE);
    for (const row of rows) {
      if (row.instance !== instance) apply(row);
      pos = row.id;
    }
    if (rows.length < FEED_PAGE) return pos;
  }
}
