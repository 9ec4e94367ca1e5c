// Audit of a log from its stored entries and signed checkpoints: recompute every
// leaf and the tree, check each entry's index and chain, each checkpoint's
// signature, root and consistency with the one before, and name the first bad entry.
// Checkpoints partners cosigned (held here or by them) are checked too: the log must
// still hold every entry they cover, unchanged.
import { isObject } from '../core/guards.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { checkHandover } from './handover.js';
import { leafHash, MerkleTree, verifyConsistency } from './merkle.js';
import {
  type Checkpoint,
  NoteError,
  openCheckpoint,
  rawPublicKey,
  type Verifier,
  verifierKey,
} from './note.js';

export interface StoredEntry {
  readonly index: number;
  readonly leafHash: Uint8Array;
  /**
   * The entry's bytes; null when the node withheld them from this auditor (an entry
   * about an item they may not read, RULES V1): its leaf hash is then taken as given,
   * and the next entry's chain still checks it.
   */
  readonly data: string | null;
}

export interface StoredCheckpointNote {
  readonly size: number;
  readonly note: string;
}

/** A checkpoint of this log a partner cosigned: its size and root, already verified. */
export interface WitnessedCheckpoint {
  /** The partner that cosigned it. */
  readonly by: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** Where it came from: this node's store, or the partner when asked. */
  readonly source: 'local' | 'peer';
}

export interface AuditProblem {
  /** The first entry the problem points at, where it points at one. */
  readonly entry: number | null;
  readonly checkpoint: number | null;
  readonly message: string;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly entries: number;
  /** Entries whose bytes were withheld: checked by their leaf hash only. */
  readonly withheld: number;
  readonly checkpoints: number;
  /** The size of the longest prefix of the log that verified. */
  readonly verifiedSize: number;
  readonly root: string | null;
  readonly firstBadEntry: number | null;
  /** The checkpoints partners cosigned, and whether the log still matches each. */
  readonly witnessed: readonly {
    readonly by: string;
    readonly size: number;
    readonly source: 'local' | 'peer';
    readonly ok: boolean;
  }[];
  readonly problems: readonly AuditProblem[];
  /**
   * The log's keys, from the one audited with, through each hand-over logged
   * (`node.keys-rotated`, src/log/handover.ts): the verifier keys, and the entry that
   * handed over to each (null for the first).
   */
  readonly keys: readonly { readonly verifierKey: string; readonly entry: number | null }[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Audits entries given in stored order (by index). Stops trusting the entries at
 * the first that fails; checkpoints beyond that point are still checked for their
 * signatures and reported as unverifiable.
 */
export async function auditLog(
  entries: AsyncIterable<StoredEntry> | Iterable<StoredEntry>,
  checkpoints: readonly StoredCheckpointNote[],
  verifier: Verifier,
  witnessed: readonly WitnessedCheckpoint[] = [],
): Promise<AuditReport> {
  const problems: AuditProblem[] = [];
  const tree = new MerkleTree();
  let prev: Uint8Array | null = null;
  let broken = false;
  let count = 0;
  let withheld = 0;
  // The keys checkpoints may be signed with: the one audited with, then each key a
  // logged hand-over from the newest of them names (checkpoints cover the entries
  // below their size: a key counts for checkpoints beyond the entry handing over to it).
  const keys: { verifier: Verifier; text: string; entry: number | null }[] = [
    { verifier, text: verifierKey(verifier.name, rawPublicKey(verifier.key)), entry: null },
  ];
  const bad = (entry: number, message: string) => {
    problems.push({ entry, checkpoint: null, message });
    broken = true;
  };
  for await (const r of entries) {
    count++;
    if (broken) continue;
    const position = tree.size;
    if (r.index !== position) {
      bad(
        position,
        r.index > position
          ? `entry ${position} is missing: the next stored entry is ${r.index} (deleted)`
          : `entry ${r.index} is stored twice or out of order (inserted)`,
      );
      continue;
    }
    if (r.data === null) {
      withheld++;
      const given = Buffer.from(r.leafHash);
      tree.append(given);
      prev = given;
      continue;
    }
    const recomputed = leafHash(Buffer.from(r.data, 'utf8'));
    const selfConsistent = Buffer.compare(recomputed, Buffer.from(r.leafHash)) === 0;
    if (!selfConsistent) {
      bad(
        position,
        `entry ${position} was edited: its data no longer hashes to its stored leaf hash`,
      );
      continue;
    }
    let parsed: Record<string, unknown>;
    try {
      const value: unknown = JSON.parse(r.data);
      if (!isObject(value)) throw new Error('not an object');
      parsed = value;
      if (canonicalJson(parsed) !== r.data) throw new Error('not canonical');
    } catch {
      bad(position, `entry ${position} is not canonical JSON: it was edited`);
      continue;
    }
    if (parsed.index !== position) {
      // The sequence diverged at the lower of the two: an entry moved down means one
      // was inserted before it; moved up, one was deleted or the two swapped.
      const claimed = typeof parsed.index === 'number' ? parsed.index : position;
      bad(
        Math.min(position, claimed),
        `the entry stored at ${position} says it is entry ${String(parsed.index)}: entries were moved, inserted or deleted`,
      );
      continue;
    }
    const expectedPrev = prev === null ? null : hex(prev);
    if (parsed.prev !== expectedPrev) {
      // The previous entry hashes to its stored leaf, yet this one does not chain to
      // it: the previous one was rewritten together with its leaf hash, or entries
      // were inserted or deleted between the two.
      bad(
        position - 1,
        `entry ${position} does not chain to entry ${position - 1}: entry ${position - 1} was altered (with its leaf hash), or entries were inserted or deleted between them`,
      );
      continue;
    }
    tree.append(recomputed);
    prev = recomputed;
    if (parsed.type === 'node.keys-rotated') {
      const head = keys[keys.length - 1];
      try {
        if (head === undefined) throw new NoteError('no key to hand over from');
        const next = checkHandover(parsed.subject, head.text);
        keys.push({ verifier: next, text: next.handover.to, entry: position });
      } catch (e) {
        problems.push({
          entry: position,
          checkpoint: null,
          message: `entry ${position} hands the log's key over, but not from the key held: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
    }
  }
  const verifiedSize = tree.size;
  const sorted = [...checkpoints].sort((a, b) => a.size - b.size);
  let previous: Checkpoint | null = null;
  for (const c of sorted) {
    let cp: Checkpoint;
    try {
      cp = openWithKeys(
        c.note,
        keys.filter((k) => k.entry === null || k.entry < c.size).map((k) => k.verifier),
      );
    } catch (e) {
      problems.push({
        entry: null,
        checkpoint: c.size,
        message: `checkpoint of size ${c.size}: ${e instanceof NoteError ? e.message : 'unreadable'}`,
      });
      continue;
    }
    if (cp.size !== c.size) {
      problems.push({
        entry: null,
        checkpoint: c.size,
        message: `checkpoint stored as size ${c.size} says size ${cp.size}`,
      });
      continue;
    }
    if (cp.size > verifiedSize) {
      problems.push({
        entry: null,
        checkpoint: cp.size,
        message:
          cp.size > count
            ? `checkpoint of size ${cp.size} covers entries that are gone: the log holds ${count}`
            : `checkpoint of size ${cp.size} covers entries that did not verify`,
      });
    } else if (Buffer.compare(Buffer.from(tree.root(cp.size)), cp.root) !== 0) {
      problems.push({
        entry: null,
        checkpoint: cp.size,
        message: `checkpoint of size ${cp.size} does not match the stored entries: the log was changed at or before entry ${cp.size - 1}`,
      });
    } else if (previous !== null && previous.size > 0 && previous.size <= verifiedSize) {
      const proof = tree.consistencyProof(previous.size, cp.size);
      if (!verifyConsistency(previous.size, cp.size, proof, previous.root, cp.root)) {
        problems.push({
          entry: null,
          checkpoint: cp.size,
          message: `checkpoints of sizes ${previous.size} and ${cp.size} are not consistent`,
        });
      }
    }
    previous = cp;
  }
  const witnessedResults = witnessed.map((w) => {
    const who = `${w.by} cosigned a checkpoint of size ${w.size}${w.source === 'peer' ? ` (as ${w.by} holds it)` : ''}`;
    let message: string | null = null;
    if (w.size > count)
      message = `${who}, but the log holds ${count} entries: entries a partner cosigned are gone (the log was truncated)`;
    else if (w.size > verifiedSize) message = `${who}, which covers entries that did not verify`;
    else if (
      w.size > 0 &&
      Buffer.compare(Buffer.from(tree.root(w.size)), Buffer.from(w.root)) !== 0
    )
      message = `${who}, and the log no longer matches it: it was rewritten at or before entry ${w.size - 1}`;
    if (message !== null) problems.push({ entry: null, checkpoint: w.size, message });
    return { by: w.by, size: w.size, source: w.source, ok: message === null };
  });
  const firstBad = problems.find((p) => p.entry !== null)?.entry ?? null;
  return {
    ok: problems.length === 0,
    entries: count,
    withheld,
    checkpoints: checkpoints.length,
    verifiedSize,
    root: verifiedSize === 0 ? null : Buffer.from(tree.root()).toString('base64'),
    firstBadEntry: firstBad,
    witnessed: witnessedResults,
    problems,
    keys: keys.map((k) => ({ verifierKey: k.text, entry: k.entry })),
  };
}

/** A checkpoint signed with one of `verifiers` (the newest first); the last one's error otherwise. */
export function openWithKeys(note: string, verifiers: readonly Verifier[]): Checkpoint {
  let error: unknown = new NoteError('no key to check the checkpoint with');
  for (const v of [...verifiers].reverse()) {
    try {
      return openCheckpoint(note, v);
    } catch (e) {
      error = e;
    }
  }
  throw error;
}
