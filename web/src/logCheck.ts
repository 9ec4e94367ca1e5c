// The whole log recomputed in the browser (the audit page's full check): each entry's
// bytes hashed to its leaf, each entry naming the previous entry's leaf hash (`prev`),
// and the leaves' root. An entry the node withholds from this person (about an item
// they may not read, RULES V1) comes as its leaf hash alone: that hash is taken as
// given, its own `prev` cannot be read, and the next entry's `prev` must still name it,
// so the root (and the chain around it) still verifies.
import { equalBytes, fromHex, type Hash, leafHash, rootOf, toHex } from './merkle';
import type { LogEntry, LogEntryData } from './types';

export interface LogCheck {
  /** Entries checked. */
  readonly size: number;
  /** The first entry whose bytes do not hash to its leaf hash (or out of order, or unreadable). */
  readonly firstBadLeaf: number | null;
  /** The first entry whose `prev` (or `index`) is not what the entries before it say. */
  readonly firstBadChain: number | null;
  /** Entries withheld from this person: taken by their leaf hash only. */
  readonly withheld: number;
  /** The root of the tree over every leaf. */
  readonly root: Hash;
}

function parse(data: string): LogEntryData | null {
  try {
    return JSON.parse(data) as LogEntryData;
  } catch {
    return null;
  }
}

function hexHash(text: string): Hash | null {
  try {
    const h = fromHex(text);
    return h.length === 32 ? h : null;
  } catch {
    return null;
  }
}

/** Recomputes `entries`, which must be the log from index 0 in order. */
export async function checkLog(entries: readonly LogEntry[]): Promise<LogCheck> {
  const leaves: Hash[] = [];
  let firstBadLeaf: number | null = null;
  let firstBadChain: number | null = null;
  let withheld = 0;
  let prev: string | null = null;
  const enc = new TextEncoder();
  for (const [i, e] of entries.entries()) {
    const given = hexHash(e.leafHash);
    if (e.data === undefined) {
      // Withheld: its leaf hash as the node gives it; its own link is not visible.
      withheld++;
      if (firstBadLeaf === null && (e.index !== i || given === null)) firstBadLeaf = i;
      const h = given ?? new Uint8Array(32);
      leaves.push(h);
      prev = toHex(h);
      continue;
    }
    const h = await leafHash(enc.encode(e.data));
    leaves.push(h);
    if (firstBadLeaf === null && (e.index !== i || given === null || !equalBytes(h, given)))
      firstBadLeaf = i;
    const d = parse(e.data);
    if (firstBadChain === null && (d === null || d.index !== i || (d.prev ?? null) !== prev))
      firstBadChain = i;
    prev = toHex(h);
  }
  return {
    size: entries.length,
    firstBadLeaf,
    firstBadChain,
    withheld,
    root: await rootOf(leaves),
  };
}
