// The inbox: a peer's request is authenticated (RFC 9421, signed for this node's own
// authority, a nonce used once, stored so that a restart does not forget it), its
// messages are opened first (pure crypto), then ONE unit handles them in order:
// duplicates get their first receipt back, the rest are handled by their type's
// handler (decided again with this node's agreements and clock), logged and stored.
// At the end every new receipt gets the log's inclusion proof at the batch's tree
// size, and one signature covers the batch's receipts.
import { DefinitionError, formatInstant, LiaisonError, TimeFormatError } from '../core/index.js';
import { type EventSubjects, record } from '../node/events.js';
import type { Unit } from '../node/service.js';
import { type InboxRow, insertInbox, receivedBefore } from '../store/inbox.js';
import { insertItems, saveHoldings } from '../store/items.js';
import { insertNonce, purgeNonces } from '../store/witness.js';
import { FederationError, MessageError } from './errors.js';
import type { Federation } from './federation.js';
import type { BatchRows, Outcome } from './handlers/arrival.js';
import { handle } from './handlers/index.js';
import { HttpSigError, type ReceivedRequest, verifyRequest } from './httpsig.js';
import { type Message, openMessage, WIRE_VERSION } from './messages.js';
import { type Receipt, signReceipts } from './receipts.js';

/** Refused unauthenticated requests logged: a burst of 100, then 20 a second. */
const REFUSAL_BURST = 100;
const REFUSALS_PER_SECOND = 20;

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** A message of a batch, opened or refused as it was opened. */
type Opened =
  | { readonly position: number; readonly m: Message; readonly error: null }
  | { readonly position: number; readonly m: null; readonly error: MessageError };

/** A receipt before it is signed: what the batch's end adds is the log proof. */
type DraftReceipt = Omit<Receipt, 'v' | 'from' | 'at' | 'leafHash' | 'treeSize' | 'root' | 'proof'>;
/** A stored receipt token (an envelope seen before), or the index of a draft. */
type ReceiptSlot = string | number;

/** What an inbound batch gathers as it goes, written a few statements for many rows. */
interface InboundBatch extends BatchRows {
  /** The inbox rows, each with the slot of its receipt (known at the batch's end). */
  readonly inbox: { readonly row: Omit<InboxRow, 'receipt'>; readonly slot: ReceiptSlot }[];
  /** Receipts to sign at the end of the batch. */
  readonly drafts: DraftReceipt[];
  /** Receipts of envelopes received before (tokens), or earlier in this batch (slots). */
  readonly seen: Map<string, ReceiptSlot>;
  /** Envelope ids already used by another party. */
  readonly foreign: Set<string>;
}

/**
 * The one writer of `message.refused`: a partner's request (`party` this node) or
 * message (`party` its sender) refused with `code`.
 */
function refused(
  u: Unit,
  party: string,
  subject: EventSubjects['message.refused'],
  code: string,
): number {
  return record(u, 'message.refused', { user: null, party }, subject, {
    decision: 'deny',
    reasons: [code],
  });
}

export class Inbox {
  private refusalBudget = REFUSAL_BURST;
  private refusalBudgetAt = 0;
  private refusalsNotLogged = 0;
  private noncesPurgedAt = 0;
  private peersReloadedAt = 0;

  constructor(
    private readonly fed: Federation,
    /** Nonces of signed requests seen, with when they expire. */
    private readonly nonces: Map<string, number>,
  ) {}

  private fresh = (nonce: string, expiresAt: number): boolean => {
    const now = this.fed.node.now();
    if (this.nonces.size > 100_000)
      for (const [n, e] of this.nonces) if (e < now) this.nonces.delete(n);
    if (this.nonces.has(nonce)) return false;
    this.nonces.set(nonce, expiresAt);
    return true;
  };

  /**
   * Authenticates a node-to-node request (RFC 9421) and returns the sending party.
   * The request must be signed for one of this node's own authorities (from its
   * configuration, not the Host header). A refused request is logged as refused.
   */
  async authenticate(
    parts: ReceivedRequest,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<{ party: string; nonce: string; expires: number }> {
    const fed = this.fed;
    let err: HttpSigError;
    // A peer another instance of this node added a moment ago: take it before judging
    // (at most four times a second, so that unknown key ids cannot flood the store).
    const keyId = /keyid="([^"]*)"/.exec(String(headers['signature-input'] ?? ''))?.[1];
    const now0 = fed.node.now();
    if (fed.node.shared && keyId !== undefined && !fed.peers.has(keyId)) {
      if (now0 - this.peersReloadedAt > 250) {
        this.peersReloadedAt = now0;
        await fed.reloadPeers();
      }
    }
    try {
      const v = verifyRequest(parts, headers, {
        authorities: fed.ownAuthorities(),
        elsewhere: () => fed.peerAuthorities(),
        keyFor: (k) => fed.peers.get(k)?.signingKey,
        nowMs: fed.node.now(),
        fresh: this.fresh,
      });
      return { party: v.keyid, nonce: v.nonce, expires: v.expires * 1000 };
    } catch (e) {
      if (!(e instanceof HttpSigError)) throw e;
      err = e;
    }
    // Anyone can send a bad request: log refusals at a bounded rate, and count the
    // ones beyond it in the next entry, so that a flood cannot grow the log at will.
    const now = fed.node.now();
    this.refusalBudget = Math.min(
      REFUSAL_BURST,
      this.refusalBudget + ((now - this.refusalBudgetAt) * REFUSALS_PER_SECOND) / 1000,
    );
    this.refusalBudgetAt = now;
    if (this.refusalBudget >= 1) {
      this.refusalBudget -= 1;
      const suppressed = this.refusalsNotLogged;
      this.refusalsNotLogged = 0;
      await fed.node.transact((u) => {
        refused(
          u,
          fed.party,
          {
            reason: err.code,
            path: parts.path,
            ...(suppressed > 0 ? { alsoRefusedNotLogged: suppressed } : {}),
          },
          err.code,
        );
      });
    } else {
      this.refusalsNotLogged++;
    }
    throw new FederationError(err.code, err.message);
  }

  /**
   * Authenticates a signed request answered on its own (a peer reading our checkpoint or
   * a proof, sending a file's chunk) and stores its nonce before it is answered, so that
   * neither a restart nor another instance forgets it: a captured request replayed is
   * `replayed-request`, like a batch's.
   */
  async authenticateOnce(
    parts: ReceivedRequest,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<string> {
    const v = await this.authenticate(parts, headers);
    await this.fed.node.transact((u) => this.remember(u, v));
    return v.party;
  }

  /** Stores a request's nonce in this unit; expired ones are deleted at most once a minute. */
  private async remember(u: Unit, nonce: { nonce: string; expires: number }): Promise<void> {
    // Another instance of this node may have taken the same request: the store,
    // written under the node's write lock, is the one place that knows.
    if (!(await insertNonce(u.tx, nonce.nonce, nonce.expires)))
      throw new HttpSigError('replayed-request', 'this request was already received');
    // Expired nonces can no longer be replayed (the request would be stale): forget them.
    if (u.now - this.noncesPurgedAt > 60_000) {
      this.noncesPurgedAt = u.now;
      await purgeNonces(u.tx, u.now);
    }
  }

  /** Handles a batch of sealed messages from `sender`, in order; one signed receipt each. */
  async receive(
    sender: string,
    nonce: { nonce: string; expires: number },
    messages: readonly string[],
  ): Promise<string[]> {
    const fed = this.fed;
    // Open every message first (pure crypto), then decide and store them in order in
    // ONE unit of work, writing the rows of the whole batch a few statements at a time.
    const opened = messages.map((jwe, position): Opened => {
      try {
        const m = openMessage(jwe, fed.party, fed.decryptionKeys(), fed.messageKeysOf);
        if (m.from !== sender) {
          throw new MessageError(
            'bad-signature',
            `the request is from ${sender} but the message from ${m.from}`,
            m.id,
          );
        }
        return { position, m, error: null };
      } catch (e) {
        if (!(e instanceof MessageError)) throw e;
        return { position, m: null, error: e };
      }
    });
    return fed.node.transact(async (u) => {
      await this.remember(u, nonce);
      const batch: InboundBatch = {
        items: [],
        holdings: [],
        inbox: [],
        drafts: [],
        seen: new Map(),
        foreign: new Set(),
      };
      const ids = opened.flatMap((o) => (o.m === null ? [] : [o.m.id]));
      for (const r of await receivedBefore(u.tx, ids)) {
        // Another party's envelope id: this sender may not reuse it (nor read its receipt).
        if (r.from_party === sender) batch.seen.set(r.id, r.receipt);
        else batch.foreign.add(r.id);
      }
      const slots: ReceiptSlot[] = [];
      for (const o of opened) {
        // Other messages may touch the rows of items received earlier in the batch.
        if (o.m !== null && o.m.type !== 'item') await flush(u, batch);
        slots.push(await this.receiveOne(u, sender, o, batch));
      }
      await flush(u, batch);
      const tokens = await this.sign(u, sender, batch.drafts);
      const token = (slot: ReceiptSlot): string => {
        const t = typeof slot === 'string' ? slot : tokens[slot];
        if (t === undefined) throw new Error(`receipt ${slot} of the batch was not signed`);
        return t;
      };
      await insertInbox(
        u.tx,
        batch.inbox.map(({ row, slot }) => ({ ...row, receipt: token(slot) })),
      );
      return slots.map(token);
    });
  }

  /**
   * Signs the batch's new receipts: each proves its entry in our log as it stands at
   * the end of the batch, and one signature covers them all.
   */
  private async sign(u: Unit, sender: string, drafts: readonly DraftReceipt[]): Promise<string[]> {
    const fed = this.fed;
    // In the unit: the batch's own entries are on the tree's right edge, in memory.
    const tree = fed.node.tree;
    const size = tree.size;
    const root = b64(tree.root());
    const at = formatInstant(u.now);
    const receipts: Receipt[] = [];
    for (const d of drafts) {
      const i = d.logIndex;
      const proved = i !== null && i < size;
      receipts.push({
        v: WIRE_VERSION,
        from: fed.party,
        at,
        ...d,
        leafHash: proved ? b64(await tree.leafHashAt(i)) : null,
        treeSize: proved ? size : null,
        root: proved ? root : null,
        proof: proved ? (await tree.inclusionProof(i, size)).map(b64) : null,
      });
    }
    const peer = fed.peers.get(sender);
    const key = peer === undefined ? fed.options.signingKey : fed.signingKeyFor(peer);
    return signReceipts(receipts, fed.party, sender, key);
  }

  private async receiveOne(
    u: Unit,
    sender: string,
    o: Opened,
    batch: InboundBatch,
  ): Promise<ReceiptSlot> {
    const draft = (d: DraftReceipt): ReceiptSlot => batch.drafts.push(d) - 1;
    const { position, m } = o;
    if (m === null) {
      const e = o.error;
      return draft({
        envelope: e.envelope,
        position,
        to: sender,
        status: 'refused',
        code: e.code,
        message: e.message,
        duplicate: false,
        logIndex: refused(u, sender, { envelope: e.envelope, position }, e.code),
      });
    }
    // Seen before (or earlier in this batch): the first receipt's effect stands.
    const seen = batch.seen.get(m.id);
    if (seen !== undefined) return seen;
    if (batch.foreign.has(m.id)) {
      return draft({
        envelope: m.id,
        position,
        to: sender,
        status: 'refused',
        code: 'malformed-message',
        message: 'this envelope id belongs to another party',
        duplicate: false,
        logIndex: refused(u, sender, { envelope: m.id, position }, 'malformed-message'),
      });
    }
    let outcome: Outcome;
    try {
      outcome = await handle(m.type, { fed: this.fed, u, m, rows: batch });
    } catch (caught) {
      // A value the core cannot read (an impossible date, a bad definition) is the
      // message's fault: refused by itself, like any other refusal.
      const e =
        caught instanceof TimeFormatError || caught instanceof DefinitionError
          ? new FederationError('malformed-message', caught.message)
          : caught;
      // A refusal (any family of ours) is answered in a receipt; anything else aborts.
      if (!(e instanceof LiaisonError)) throw e;
      const logIndex = refused(u, m.from, { envelope: m.id, type: m.type }, e.code);
      outcome = { status: 'refused', code: e.code, message: e.message, logIndex, itemId: null };
    }
    const slot = draft({
      envelope: m.id,
      position,
      to: m.from,
      status: outcome.status,
      code: outcome.code,
      message: outcome.message,
      duplicate: false,
      logIndex: outcome.logIndex,
    });
    batch.inbox.push({
      row: {
        id: m.id,
        from_party: m.from,
        type: m.type,
        received_at: u.now,
        status: outcome.status,
        code: outcome.code,
        log_index: outcome.logIndex,
        item_id: outcome.itemId,
      },
      slot,
    });
    batch.seen.set(m.id, slot);
    return slot;
  }
}

/**
 * Writes the item and holding rows an inbound batch has gathered, a few statements for
 * many rows. (Inbox rows wait for the batch's receipts, at its end.)
 */
async function flush(u: Unit, batch: BatchRows): Promise<void> {
  await insertItems(u.tx, batch.items);
  await saveHoldings(u.tx, u.world, batch.holdings, u.now);
  batch.items.length = 0;
  batch.holdings.length = 0;
}
