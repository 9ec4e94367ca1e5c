// What a handler of an arriving message gets and returns, and what handlers share.
// Each handler runs inside the receiver's one unit of work for the batch; a refusal
// it throws (any LiaisonError) is logged and answered in the message's receipt.
import { type Decision, type EpochMs, formatInstant, type ItemRecord } from '../../core/index.js';
import type { Unit } from '../../node/service.js';
import type { ItemRow } from '../../store/items.js';
import { FederationError } from '../errors.js';
import type { Federation } from '../federation.js';
import { MAX_SKEW_MS } from '../httpsig.js';
import type { Message, MessageType } from '../messages.js';

/** Rows an inbound batch writes many at a time, when the next message needs them. */
export interface BatchRows {
  readonly items: ItemRow[];
  /** (item, party) pairs whose holdings rows to write from the World. */
  readonly holdings: [string, string][];
}

export interface Arrival<K extends MessageType> {
  readonly fed: Federation;
  readonly u: Unit;
  readonly m: Message<K>;
  readonly rows: BatchRows;
}

/** How a message was handled: its receipt's status, code and message, and where it is logged. */
export interface Outcome {
  readonly status: 'accepted' | 'refused';
  readonly code: string;
  readonly message: string;
  readonly logIndex: number;
  /** The item it is about, kept with the envelope in the inbox. */
  readonly itemId: string | null;
}

export type Handler<K extends MessageType> = (a: Arrival<K>) => Promise<Outcome>;

export function accepted(logIndex: number, message: string, itemId: string | null = null): Outcome {
  return { status: 'accepted', code: 'accepted', message, logIndex, itemId };
}

/** A decision the rules refused here: answered with its first reason. */
export function denied(d: Decision, logIndex: number, itemId: string | null = null): Outcome {
  return {
    status: 'refused',
    code: d.reasons[0]?.code ?? 'denied',
    message: d.reasons[0]?.message ?? '',
    logIndex,
    itemId,
  };
}

/**
 * A partner's action carries the instant it took it, so that both sides fold the same
 * event at the same instant. Clocks differ by a little; an instant further ahead than
 * that is refused.
 */
export function notLater(at: EpochMs, now: EpochMs, what: string): EpochMs {
  if (at > now + MAX_SKEW_MS)
    throw new FederationError(
      'malformed-message',
      `${what} is dated ${formatInstant(at)}, in the future`,
    );
  return at;
}

/**
 * How long before its arrival a lifecycle message's instant may lie: the outbox retries
 * a peer that is down (back-off at most 30 s), so a message may wait a few minutes;
 * a notice older than that is refused, not backdated (docs/decisions.md).
 */
export const LIFECYCLE_WINDOW_MS = 5 * 60_000;

/**
 * A partner's lifecycle action must arrive within the freshness window of its instant:
 * `at` in [now − LIFECYCLE_WINDOW_MS, now + MAX_SKEW_MS] at the receiver's clock, else
 * `stale-instant`. Both sides then record the action at `at`, the sender's instant.
 */
export function freshInstant(at: EpochMs, now: EpochMs, what: string): EpochMs {
  if (at > now + MAX_SKEW_MS)
    throw new FederationError(
      'stale-instant',
      `${what} is dated ${formatInstant(at)}, more than ${MAX_SKEW_MS / 1000} s ahead of this node's clock (${formatInstant(now)})`,
    );
  if (at < now - LIFECYCLE_WINDOW_MS)
    throw new FederationError(
      'stale-instant',
      `${what} is dated ${formatInstant(at)}, more than ${LIFECYCLE_WINDOW_MS / 60_000} minutes before it arrived (${formatInstant(now)}): not recorded; the sender must act again`,
    );
  return at;
}

/** Whether `party` is the item's originator or the party this node received it from. */
export function cameFrom(fed: Federation, item: ItemRecord, party: string): boolean {
  if (item.originator.id === party) return true;
  return item.holdings.get(fed.party)?.receipts.some((r) => r.from === party) ?? false;
}
