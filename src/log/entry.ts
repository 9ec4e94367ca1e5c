// What one log entry says. An entry is canonical JSON (RFC 8785) of this shape; its
// leaf hash is RFC 9162's MTH({entry}). Each entry names its own index and the leaf
// hash of the one before, so that an auditor can name the first entry that was
// edited, deleted, inserted or moved, not just say that the root is wrong.
import { canonicalJson } from '../crypto/canonical-json.js';
import { leafHash } from './merkle.js';

/** One event, as the log stores it; the node's event types are src/node/events.ts's. */
export interface LogEvent {
  readonly type: string;
  /** Who acted: a user of this node, or the node itself. */
  readonly actor: { readonly user: string | null; readonly party: string };
  /** What the event is about (ids, markings, categories: never an item's title or body). */
  readonly subject: Readonly<Record<string, unknown>>;
  /** For decided events: the decision and its reason codes, first first. */
  readonly decision?: 'allow' | 'deny';
  readonly reasons?: readonly string[];
}

export interface LogEntry extends LogEvent {
  readonly index: number;
  /** Hex leaf hash of entry index − 1; null for entry 0. */
  readonly prev: string | null;
  /** RFC 3339, UTC. */
  readonly at: string;
}

export interface SealedEntry {
  readonly entry: LogEntry;
  readonly data: string;
  readonly leaf: Buffer;
}

export function sealEntry(entry: LogEntry): SealedEntry {
  const data = canonicalJson(entry);
  return { entry, data, leaf: leafHash(Buffer.from(data, 'utf8')) };
}
