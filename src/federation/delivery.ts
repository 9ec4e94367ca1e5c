// One batch of the outbox, from the queue to its receipts: re-decided before it leaves
// (what the rules now refuse is withheld and logged, never sent), sealed within the
// request size limit, and settled with the peer's signed receipts: delivered or
// refused, each once, with its effects. With several instances of the node, the writes
// of a lane's batch are fenced by the lane's lease (src/node/leases.ts).
import { type Decision, decide, type EpochMs, formatInstant } from '../core/index.js';
import { verifyInclusion } from '../log/merkle.js';
import { record } from '../node/events.js';
import type { AttachmentRef } from '../node/manifest.js';
import type { Unit } from '../node/service.js';
import { saveHoldings } from '../store/items.js';
import { column } from '../store/json.js';
import {
  insertReceipts,
  type PendingRow,
  pendingTo,
  settleDelivered,
  settleRefused,
  withhold,
} from '../store/outbox.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { type Draft, MAX_BATCH, MAX_REQUEST_BYTES, sealMessage } from './messages.js';
import type { Peer } from './peers.js';
import { openReceipt, type Receipt, type ReceiptBatch } from './receipts.js';
import { keysAccepted } from './rotation.js';

/** FLASH messages have a delivery lane of their own; everything else shares one. */
export type Lane = 'flash' | 'normal';

/**
 * Several instances: checks, first in a unit's transaction, that this instance still
 * holds the lane's lease; a unit that finds it does not writes nothing.
 */
export type Fence = (u: Unit) => Promise<boolean>;

export interface PreparedBatch {
  readonly rows: PendingRow[];
  readonly sealed: string[];
}

const drafts = new WeakMap<PendingRow, Draft>();
/** A row's message, parsed once however often it is decided, sealed and settled. */
function draftOf(row: PendingRow): Draft {
  let d = drafts.get(row);
  if (d === undefined) {
    d = column<Draft>(row.payload);
    drafts.set(row, d);
  }
  return d;
}

/** The files an item row names (sent before it: attachment-transfer.ts); none for others. */
export function filesOf(row: PendingRow): readonly AttachmentRef[] {
  if (row.type !== 'item') return [];
  const d = draftOf(row);
  return d.type === 'item' ? (d.body.item.attachments ?? []) : [];
}

/**
 * The next due batch of a peer's lane, leaving out the batch in flight: re-decided
 * now (what the rules now refuse is withheld, never sent) and sealed, within the
 * request size limit. Null: nothing due (or the lane's lease is lost).
 */
export async function prepare(
  fed: Federation,
  peer: Peer,
  lane: Lane,
  inFlight: ReadonlySet<string>,
  fence?: Fence,
): Promise<PreparedBatch | null> {
  const node = fed.node;
  for (;;) {
    if (fed.outbox.stopped) return null;
    const found = await pendingTo(
      node.store.db,
      peer.party,
      lane === 'flash',
      MAX_BATCH + inFlight.size,
    );
    const rows =
      inFlight.size === 0 ? found : found.filter((r) => !inFlight.has(r.id)).slice(0, MAX_BATCH);
    const first = rows[0];
    if (first === undefined || first.next_attempt_at > node.now()) return null;
    const sendable = await redecide(fed, rows, fence);
    if (sendable === null) return null;
    if (sendable.length === 0) continue;
    const sentAt = formatInstant(node.now());
    const out: PreparedBatch = { rows: [], sealed: [] };
    let bytes = 64;
    for (const r of sendable) {
      const jwe = sealMessage(
        { ...draftOf(r), sentAt },
        fed.signingKeyFor(peer),
        peer.encryptionKey,
      );
      if (out.rows.length > 0 && bytes + jwe.length + 3 > MAX_REQUEST_BYTES) break;
      bytes += jwe.length + 3;
      out.rows.push(r);
      out.sealed.push(jwe);
      // Let the request in flight make progress while this batch is sealed.
      if (out.rows.length % 32 === 0) await new Promise((r) => setImmediate(r));
    }
    return out;
  }
}

/** Whether the rules still allow every item of a sealed batch, now. */
export function stillAllowed(fed: Federation, rows: readonly PendingRow[]): boolean {
  const now = fed.node.now();
  return rows.every((r) => decideSend(fed, r, now)?.decision !== 'deny');
}

/**
 * An item's release or forward to the row's peer, decided at `now` on `world` (the
 * node's, unless given); null for other messages.
 */
function decideSend(
  fed: Federation,
  r: PendingRow,
  now: EpochMs,
  world = fed.node.world,
): Decision | null {
  if (r.type !== 'item') return null;
  const draft = draftOf(r);
  if (draft.type !== 'item') return null;
  const item = draft.body.item.id;
  return draft.body.kind === 'release'
    ? decide(world, { kind: 'release', item, to: r.peer }, now)
    : decide(world, { kind: 'forward', item, by: fed.party, to: r.peer }, now);
}

/**
 * RULES at send time: an item is decided again now; if the rules now refuse (the
 * agreement ended, the consent lapsed), the envelope is withheld, never sent. Null if
 * there was something to withhold but the lane's lease is lost.
 *
 * With several instances, items are decided in a unit, on the World caught up with
 * the other instances: an item another instance made and queued a moment ago may not
 * be in this instance's World yet, and must not be withheld as `unknown-item`; a
 * change another made must bind what leaves (docs/decisions.md #119).
 */
async function redecide(
  fed: Federation,
  rows: PendingRow[],
  fence?: Fence,
): Promise<PendingRow[] | null> {
  const now = fed.node.now();
  const toDecide = fed.node.shared
    ? rows.filter((r) => r.type === 'item')
    : rows.filter((r) => {
        const d = decideSend(fed, r, now);
        return d !== null && d.decision !== 'allow';
      });
  if (toDecide.length === 0) return rows;
  const withheld = new Set<string>();
  const held = await fed.node.transact(async (u) => {
    if (fence !== undefined && !(await fence(u))) return false;
    for (const row of toDecide) {
      const d = decideSend(fed, row, u.now, u.world);
      if (d === null || d.decision === 'allow') continue;
      withheld.add(row.id);
      await withhold(u.tx, row.id, u.now, d.reasons[0]?.code ?? 'denied');
      record(
        u,
        'envelope.withheld',
        { user: null, party: fed.party },
        { envelope: row.id, to: row.peer, item: row.item_id },
        { decision: 'deny', reasons: d.reasons.map((x) => x.code) },
      );
    }
    return true;
  });
  if (!held) return null;
  return rows.filter((r) => !withheld.has(r.id));
}

/**
 * Records signed receipts: delivered or refused, each once, with its effects. Throws
 * (and nothing is settled) if any receipt does not check out; false (and nothing is
 * settled) if the lane's lease is another instance's now.
 */
export async function settle(
  fed: Federation,
  peer: Peer,
  rows: readonly PendingRow[],
  receipts: readonly string[],
  fence?: Fence,
): Promise<boolean> {
  const verified = new Map<string, ReceiptBatch>();
  const opened: { row: PendingRow; r: Receipt; jws: string }[] = [];
  for (const [i, jws] of receipts.entries()) {
    // Checked a few at a time, so that the next request (just sent) goes out meanwhile.
    if (i % 32 === 0) await new Promise((r) => setImmediate(r));
    const row = rows[i];
    if (row === undefined)
      throw new FederationError(
        'bad-receipt',
        `receipt ${i} from ${peer.party} is for no envelope`,
      );
    let r: Receipt;
    try {
      r = openReceipt(jws, peer.signingKey, verified);
    } catch {
      throw new FederationError('bad-receipt', `receipt ${i} from ${peer.party} does not verify`);
    }
    // A message the peer could not read at all is refused without its id; its
    // position in the batch says which one it was.
    const envelope = r.envelope ?? (r.status === 'refused' && r.position === i ? row.id : null);
    if (envelope !== row.id || r.from !== peer.party || r.to !== fed.party) {
      throw new FederationError(
        'bad-receipt',
        `receipt ${i} from ${peer.party} is not for envelope ${row.id}`,
      );
    }
    if (
      r.status === 'accepted' &&
      r.leafHash !== null &&
      r.root !== null &&
      r.proof !== null &&
      r.treeSize !== null &&
      r.logIndex !== null
    ) {
      const proved = verifyInclusion(
        Buffer.from(r.leafHash, 'base64'),
        r.logIndex,
        r.treeSize,
        r.proof.map((p) => Buffer.from(p, 'base64')),
        Buffer.from(r.root, 'base64'),
      );
      if (!proved)
        throw new FederationError(
          'bad-receipt',
          `receipt ${i} from ${peer.party}: the inclusion proof does not verify`,
        );
    }
    opened.push({ row, r, jws });
  }
  return await fed.node.transact(async (u) => {
    if (fence !== undefined && !(await fence(u))) return false;
    // Many envelopes settle at once: a few statements for the batch, not per envelope.
    const delivered = opened.filter((o) => o.r.status === 'accepted');
    await settleDelivered(
      u.tx,
      delivered.map((o) => o.row.id),
      u.now,
    );
    for (const { row, r } of opened) {
      if (r.status !== 'accepted') await settleRefused(u.tx, row.id, u.now, r.code);
    }
    await insertReceipts(
      u.tx,
      opened.map((o) => ({ envelope: o.row.id, receipt: o.jws })),
    );
    const held: [string, string][] = [];
    for (const { row, r } of opened) {
      const ok = r.status === 'accepted';
      record(
        u,
        ok ? 'envelope.delivered' : 'envelope.refused',
        { user: null, party: fed.party },
        {
          envelope: row.id,
          to: peer.party,
          type: row.type,
          item: row.item_id,
          peerLogIndex: r.logIndex,
        },
        { decision: ok ? 'allow' : 'deny', reasons: [r.code] },
      );
      const draft = draftOf(row);
      if (ok && draft.type === 'item') held.push(recordDelivery(fed, u, draft, peer.party));
      if (ok && draft.type === 'node.keys') await keysAccepted(fed, u, peer.party, draft);
    }
    await saveHoldings(u.tx, u.world, held, u.now);
    return true;
  });
}

/** The recipient now holds the item (RULES R5/F3), in our World (its row is written by the caller). */
function recordDelivery(
  fed: Federation,
  u: Unit,
  draft: Extract<Draft, { type: 'item' }>,
  to: string,
): [string, string] {
  const body = draft.body;
  const receipts =
    body.agreements.length === 0
      ? [{ from: fed.party, agreement: null, at: u.now }]
      : body.agreements.map((a) => ({ from: fed.party, agreement: a, at: u.now }));
  u.apply({
    kind: 'hold',
    item: body.item.id,
    party: to,
    marking: body.recipientMarking,
    receipts,
  });
  return [body.item.id, to];
}
