// Federation: this node's peers, its durable outbox (retries with backoff, per-peer
// order, re-decision at send time) and its idempotent inbox (every envelope's effect
// happens once; the receiver re-decides with its own copy of the agreement and
// answers with a signed receipt carrying the proof that it logged the envelope).
import {
  createHash,
  sign as edSign,
  verify as edVerify,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import type { Insertable } from 'kysely';
import {
  type AgreementDefinition,
  type ArrivalDecision,
  applyEffect,
  type Decision,
  DefinitionError,
  decide,
  decideArrival,
  type EpochMs,
  formatInstant,
  type Receipt as HoldingReceipt,
  type ItemRecord,
  LiaisonError,
  type NoticeActionKind,
  parseInstant,
  precedenceRank,
  TimeFormatError,
} from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { jwsKid, signJws, verifyJws, x25519PublicKeyFromRaw } from '../crypto/jose.js';
import { verifyConsistency, verifyInclusion } from '../log/merkle.js';
import {
  type Checkpoint,
  ed25519PublicKeyFromRaw,
  NoteError,
  openCheckpoint,
  parseVerifierKey,
  rawPublicKey,
  verifierKey,
} from '../log/note.js';
import { decideNotice, recordAgreement, recordLifecycle } from '../node/agreements.js';
import { reclassify, recordCompromise } from '../node/custody.js';
import {
  Conflict,
  deniedBy,
  NotFound,
  PolicyDenied,
  RequestInvalid,
  Unavailable,
} from '../node/errors.js';
import { record } from '../node/events.js';
import type { CompromiseReport, Notifier } from '../node/ports.js';
import type { Actor } from '../node/roles.js';
import { json, type LiaisonNode, type Unit } from '../node/service.js';
import type { InboxTable, ItemTable, OutboxTable } from '../store/schema.js';
import { FederationError } from './errors.js';
import {
  type HttpSigError,
  MAX_SKEW_MS,
  type RequestParts,
  signRequest,
  verifyRequest,
} from './httpsig.js';
import {
  buildIdentity,
  type Identity,
  IdentityError,
  openIdentity,
  signIdentity,
} from './identity.js';
import {
  CONSENT_TYP,
  isConsentPayload,
  MAX_BATCH,
  MAX_MESSAGE_BYTES,
  MAX_REQUEST_BYTES,
  type Message,
  type MessageBodies,
  MessageError,
  type MessageType,
  openMessage,
  openReceipt,
  type Receipt,
  type ReceiptBatch,
  sealMessage,
  signReceipts,
  WIRE_VERSION,
} from './messages.js';
import type { ContentPort, OnAccepted } from './ports.js';

export interface Peer {
  readonly party: string;
  readonly url: string;
  readonly origin: string;
  readonly signingKey: KeyObject;
  readonly encryptionKey: KeyObject;
  readonly fingerprint: string;
}

export interface PeerView {
  readonly party: string;
  readonly url: string;
  readonly origin: string;
  readonly fingerprint: string;
  readonly verifierKey: string;
}

interface PreparedBatch {
  readonly rows: OutboxRow[];
  readonly sealed: string[];
}

/** FLASH messages have a delivery lane of their own; everything else shares one. */
type Lane = 'flash' | 'normal';
const LANES: readonly Lane[] = ['flash', 'normal'];
const NOTHING_IN_FLIGHT: ReadonlySet<string> = new Set();

/** The outbox columns delivery reads. */
const OUTBOX_COLUMNS = [
  'id',
  'peer',
  'seq',
  'type',
  'payload',
  'state',
  'attempts',
  'next_attempt_at',
  'item_id',
] as const;
type OutboxRow = Pick<OutboxTable, (typeof OUTBOX_COLUMNS)[number]>;

/** A message as stored in the outbox, before it is sealed (sentAt is set at send). */
type Draft = Omit<Message, 'sentAt'>;

const drafts = new WeakMap<OutboxRow, Draft>();
/** A row's message, parsed once however often it is decided, sealed and settled. */
function draftOf(row: OutboxRow): Draft {
  let d = drafts.get(row);
  if (d === undefined) {
    d = JSON.parse(row.payload) as Draft;
    drafts.set(row, d);
  }
  return d;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
/** Refused unauthenticated requests logged: a burst of 100, then 20 a second. */
const REFUSAL_BURST = 100;
const REFUSALS_PER_SECOND = 20;

/**
 * A partner's action carries the instant it took it, so that both sides fold the same
 * event at the same instant. Clocks differ by a little; an instant further ahead than
 * that is refused.
 */
function notLater(at: EpochMs, now: EpochMs, what: string): EpochMs {
  if (at > now + MAX_SKEW_MS)
    throw new FederationError(
      'malformed-message',
      `${what} is dated ${formatInstant(at)}, in the future`,
    );
  return at;
}

/** An item leaves at its own precedence; acknowledgements and escalations as FLASH. */
function messagePrecedence<T extends MessageType>(type: T, body: MessageBodies[T]): number {
  if (type === 'item')
    return precedenceRank((body as MessageBodies['item']).item.precedence ?? 'ROUTINE');
  return type === 'alert.ack' || type === 'alert.escalation' ? 0 : precedenceRank('ROUTINE');
}

/** Retry delay after n consecutive failures to reach a peer: 200 ms doubling, at most 30 s. */
const backoff = (failures: number) => Math.min(30_000, 100 * 2 ** Math.min(failures, 9));

export interface FederationOptions {
  readonly node: LiaisonNode;
  readonly signingKey: KeyObject;
  readonly encryptionKey: KeyObject;
  /** This node's public URL, as partners reach it. */
  readonly url: string;
  /** Fetch, replaceable in tests. */
  readonly fetch?: typeof fetch;
}

export class Federation implements Notifier {
  readonly peers = new Map<string, Peer>();
  private readonly seq = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly nonces = new Map<string, number>();
  /** Delivery lanes running now, by "peer/lane"; "again" = kicked while running. */
  private readonly lanes = new Map<string, 'busy' | 'again'>();
  private refusalBudget = REFUSAL_BURST;
  private refusalBudgetAt = 0;
  private refusalsNotLogged = 0;
  private noncesPurgedAt = 0;
  /** The last unexpected error of the outbox worker (told on stderr once). */
  private lastPumpError: string | null = null;
  private content: ContentPort | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private identityCache: { url: string; identity: Identity; jws: string } | null = null;
  private readonly fetcher: typeof fetch;

  private constructor(readonly options: FederationOptions) {
    this.fetcher = options.fetch ?? fetch;
  }

  /** Built on demand: the URL may be known only once the node listens. */
  get identity(): Identity {
    return this.identityEntry().identity;
  }

  private identityEntry(): { url: string; identity: Identity; jws: string } {
    const url = this.options.url;
    if (this.identityCache === null || this.identityCache.url !== url) {
      const identity = buildIdentity(
        this.options.node.party,
        this.options.node.origin,
        url,
        this.options.signingKey,
        this.options.encryptionKey,
      );
      this.identityCache = { url, identity, jws: signIdentity(identity, this.options.signingKey) };
    }
    return this.identityCache;
  }

  static async open(options: FederationOptions): Promise<Federation> {
    const f = new Federation(options);
    await f.load();
    return f;
  }

  get node(): LiaisonNode {
    return this.options.node;
  }

  /** Set once, by the composition root: the alerts' content and messages. */
  connectContent(port: ContentPort): void {
    this.content = port;
  }

  /** The content to send with an item, from the content port (none without one). */
  contentOf(itemId: string): Promise<unknown> {
    return this.content?.contentOf(itemId) ?? Promise.resolve(undefined);
  }

  get party(): string {
    return this.options.node.party;
  }

  signedIdentity(): string {
    return this.identityEntry().jws;
  }

  private async load(): Promise<void> {
    const db = this.node.store.db;
    for (const p of await db.selectFrom('peers').selectAll().execute()) {
      this.peers.set(p.party, {
        party: p.party,
        url: p.url,
        origin: p.origin,
        signingKey: ed25519PublicKeyFromRaw(Buffer.from(p.signing_key, 'base64')),
        encryptionKey: x25519PublicKeyFromRaw(Buffer.from(p.encryption_key, 'base64')),
        fingerprint: p.fingerprint,
      });
    }
    const seqs = await db
      .selectFrom('outbox')
      .select(['peer', (eb) => eb.fn.max('seq').as('max')])
      .groupBy('peer')
      .execute();
    for (const r of seqs) this.seq.set(r.peer, Number(r.max));
    const now = this.node.now();
    for (const n of await db
      .selectFrom('seen_nonces')
      .selectAll()
      .where('expires_at', '>', now)
      .execute()) {
      this.nonces.set(n.nonce, n.expires_at);
    }
  }

  /** The signing key of a party: ours, or a peer's pinned one. */
  signingKeyOf = (party: string): KeyObject | undefined =>
    party === this.party ? this.options.signingKey : this.peers.get(party)?.signingKey;

  // ------------------------------------------------------------------ peers

  peerViews(): PeerView[] {
    return [...this.peers.values()]
      .sort((a, b) => (a.party < b.party ? -1 : 1))
      .map((p) => ({
        party: p.party,
        url: p.url,
        origin: p.origin,
        fingerprint: p.fingerprint,
        verifierKey: verifierKey(p.origin, rawPublicKey(p.signingKey)),
      }));
  }

  /** Registers a partner by URL after checking its keys against the fingerprint given out of band. */
  async addPeer(actor: Actor | null, url: string, expectedFingerprint: string): Promise<PeerView> {
    const base = url.replace(/\/+$/, '');
    let parsed: URL | null = null;
    try {
      parsed = new URL(base);
    } catch {
      parsed = null;
    }
    if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
      throw new RequestInvalid(
        'invalid-request',
        "url: give the partner node's http(s) address, e.g. https://kr.example:8420",
      );
    }
    let jws: string;
    try {
      const res = await this.fetcher(`${base}/v1/federation/identity`, {
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      jws = await res.text();
    } catch (e) {
      throw new FederationError(
        'peer-unreachable',
        `cannot fetch the identity of ${base}: ${(e as Error).message}`,
      );
    }
    let opened: ReturnType<typeof openIdentity>;
    try {
      opened = openIdentity(jws, expectedFingerprint);
    } catch (e) {
      if (e instanceof IdentityError) throw new FederationError('fingerprint-mismatch', e.message);
      throw e;
    }
    const id = opened.identity;
    if (id.party === this.party)
      throw new RequestInvalid('invalid-request', 'a node does not peer with itself');
    if (!this.node.world.parties.has(id.party)) {
      throw new RequestInvalid(
        'invalid-request',
        `unknown party '${id.party}' (known: ${[...this.node.world.parties.keys()].join(', ')})`,
      );
    }
    const peer: Peer = {
      party: id.party,
      url: base,
      origin: id.origin,
      signingKey: opened.signing,
      encryptionKey: opened.encryption,
      fingerprint: id.fingerprint,
    };
    await this.node.transact(async (u) => {
      await u.tx.deleteFrom('peers').where('party', '=', peer.party).execute();
      await u.tx
        .insertInto('peers')
        .values({
          party: peer.party,
          url: peer.url,
          origin: peer.origin,
          signing_key: id.signingKey,
          encryption_key: id.encryptionKey,
          fingerprint: peer.fingerprint,
          added_at: u.now,
        })
        .execute();
      record(
        u,
        'peer.added',
        { user: actor?.user ?? null, party: this.party },
        {
          peer: peer.party,
          url: peer.url,
          origin: peer.origin,
          fingerprint: peer.fingerprint,
        },
      );
      u.afterCommit(() => {
        this.peers.set(peer.party, peer);
        this.kick();
      });
    });
    // Send the new peer our signatures of the proposals it is a party to.
    await this.node.transact(async (u) => {
      const rows = await u.tx.selectFrom('proposals').selectAll().execute();
      for (const r of rows) {
        const parties = JSON.parse(r.parties) as string[];
        const signatures = JSON.parse(r.signatures) as Record<string, string>;
        if (!parties.includes(peer.party) || signatures[this.party] === undefined) continue;
        await this.enqueue(u, peer.party, 'proposal.signature', {
          proposal: r.id,
          kind: r.kind as 'agreement' | 'change',
          agreement: r.agreement_id,
          body: JSON.parse(r.body) as unknown,
          parties,
          signatures,
        });
      }
    });
    const view = this.peerViews().find((p) => p.party === peer.party);
    if (view === undefined) throw new Unavailable('internal', 'the peer vanished');
    return view;
  }

  // ------------------------------------------------------------------ outbox

  /** Queues a message to `to` in this unit's transaction; it leaves once committed. */
  async enqueue<T extends MessageType>(
    u: Unit,
    to: string,
    type: T,
    body: MessageBodies[T],
    itemId: string | null = null,
  ): Promise<string> {
    if (!this.peers.has(to))
      throw new FederationError('no-peer', `no peer for ${to}: add it with 'liaison peer add'`);
    const id = randomUUID();
    const draft: Draft = { v: WIRE_VERSION, id, type, from: this.party, to, body };
    const payload = canonicalJson(draft);
    // Sealing encodes twice in base64url (JWS, then JWE): about 16/9 of the JSON.
    const sealedBytes = Math.ceil((Buffer.byteLength(payload, 'utf8') * 16) / 9) + 1024;
    if (sealedBytes > MAX_MESSAGE_BYTES) {
      throw new RequestInvalid(
        'item-too-large',
        `sealed, this ${type} would be about ${sealedBytes} bytes; a message is limited to ${MAX_MESSAGE_BYTES}`,
      );
    }
    const seq = (this.seq.get(to) ?? 0) + 1;
    this.seq.set(to, seq);
    await u.tx
      .insertInto('outbox')
      .values({
        id,
        peer: to,
        seq,
        type,
        payload,
        state: 'pending',
        attempts: 0,
        next_attempt_at: u.now,
        last_error: null,
        receipt: null,
        created_at: u.now,
        settled_at: null,
        item_id: itemId,
        precedence: messagePrecedence(type, body),
      })
      .execute();
    u.afterCommit(() => this.kick());
    return id;
  }

  start(intervalMs = 250): void {
    this.stopped = false;
    this.timer = setInterval(() => this.kick(), intervalMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    while (this.lanes.size > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** An operator's "retry now": forget the backoff towards a peer and send what is due. */
  async retryNow(party: string): Promise<number> {
    if (!this.peers.has(party)) throw new FederationError('no-peer', `no peer ${party}`);
    this.failures.delete(party);
    const r = await this.node.store.db
      .updateTable('outbox')
      .set({ next_attempt_at: this.node.now() })
      .where('peer', '=', party)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    this.kick();
    return Number(r.numUpdatedRows);
  }

  /** Wakes the outbox worker: every lane of every peer sends what is due. */
  kick(): void {
    if (this.stopped) return;
    for (const party of this.peers.keys()) for (const lane of LANES) this.run(party, lane);
  }

  /**
   * Runs one lane of one peer until nothing is due. FLASH messages have a lane of
   * their own, so that an alert never waits behind a large batch of routine traffic
   * already in flight; the other lane sends IMMEDIATE, then PRIORITY, then ROUTINE.
   */
  private run(party: string, lane: Lane): void {
    const key = `${party}/${lane}`;
    if (this.lanes.has(key)) {
      this.lanes.set(key, 'again');
      return;
    }
    this.lanes.set(key, 'busy');
    void this.deliverTo(party, lane)
      .catch((e: unknown) => {
        // Delivery failures are recorded per batch (backOff); this is anything else,
        // e.g. the store closing under us. Told once per distinct error; the timer
        // kicks again.
        const message = e instanceof Error ? e.message : String(e);
        if (message !== this.lastPumpError)
          process.stderr.write(`liaison: the outbox worker failed: ${message}\n`);
        this.lastPumpError = message;
      })
      .finally(() => {
        const again = this.lanes.get(key) === 'again';
        this.lanes.delete(key);
        if (this.stopped) return;
        if (again) this.run(party, lane);
        // The normal lane yields to due FLASH messages; it resumes when they are out.
        if (lane === 'flash') this.run(party, 'normal');
      });
  }

  /**
   * Sends a lane's pending messages to a peer, highest precedence first and in
   * order within a precedence, a batch at a time, until none is due. Pipelined:
   * while the peer works on one batch, this node verifies and stores the receipts of
   * the previous one and seals the next. One request per lane is in flight to a
   * peer, so the peer receives each lane's messages in order.
   */
  private async deliverTo(party: string, lane: Lane): Promise<void> {
    const peer = this.peers.get(party);
    if (peer === undefined) return;
    let done: { batch: PreparedBatch; receipts: string[] } | null = null;
    let batch = await this.prepare(peer, lane, NOTHING_IN_FLIGHT);
    while (batch !== null && !this.stopped) {
      // Decided when it was sealed; decided again now, just before it leaves.
      if (!this.stillAllowed(batch.rows)) {
        batch = await this.prepare(peer, lane, NOTHING_IN_FLIGHT);
        continue;
      }
      // Lower precedence waits while FLASH messages to this peer are due (ACP 121).
      if (lane === 'normal' && (await this.flashDue(party))) {
        if (done !== null) await this.settleOrBackOff(peer, done.batch, done.receipts);
        this.run(party, 'flash');
        return;
      }
      const current = batch;
      const posting = this.post(peer, current.sealed).then(
        (receipts) => ({ receipts, error: null }),
        (error: unknown) => ({ receipts: null, error }),
      );
      if (done !== null && !(await this.settleOrBackOff(peer, done.batch, done.receipts))) {
        await posting;
        return;
      }
      const next = this.prepare(peer, lane, new Set(current.rows.map((r) => r.id)));
      const answer = await posting;
      if (answer.receipts === null) {
        await next.catch(() => null);
        await this.backOff(party, current.rows, answer.error);
        return;
      }
      this.failures.delete(party);
      done = { batch: current, receipts: answer.receipts };
      batch = await next;
    }
    if (done !== null) await this.settleOrBackOff(peer, done.batch, done.receipts);
  }

  /** Settles a delivered batch; if its receipts do not check out, backs off instead. */
  private async settleOrBackOff(
    peer: Peer,
    batch: PreparedBatch,
    receipts: string[],
  ): Promise<boolean> {
    try {
      await this.settle(peer, batch.rows, receipts);
      return true;
    } catch (e) {
      await this.backOff(peer.party, batch.rows, e);
      return false;
    }
  }

  /**
   * The next due batch of a peer's lane, leaving out the batch in flight: re-decided
   * now (what the rules now refuse is withheld, never sent) and sealed, within the
   * request size limit.
   */
  private async prepare(
    peer: Peer,
    lane: Lane,
    inFlight: ReadonlySet<string>,
  ): Promise<PreparedBatch | null> {
    for (;;) {
      if (this.stopped) return null;
      const found: OutboxRow[] = await this.node.store.db
        .selectFrom('outbox')
        .select(OUTBOX_COLUMNS)
        .where('state', '=', 'pending')
        .where('peer', '=', peer.party)
        .where('precedence', lane === 'flash' ? '=' : '>', 0)
        .orderBy('precedence')
        .orderBy('seq')
        .limit(MAX_BATCH + inFlight.size)
        .execute();
      const rows =
        inFlight.size === 0 ? found : found.filter((r) => !inFlight.has(r.id)).slice(0, MAX_BATCH);
      const first = rows[0];
      if (first === undefined || first.next_attempt_at > this.node.now()) return null;
      const sendable = await this.redecide(rows);
      if (sendable.length === 0) continue;
      const sentAt = formatInstant(this.node.now());
      const out: PreparedBatch = { rows: [], sealed: [] };
      let bytes = 64;
      for (const r of sendable) {
        const draft = draftOf(r);
        const jwe = sealMessage(
          { ...draft, sentAt } as Message,
          this.options.signingKey,
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

  /** Whether FLASH messages to a peer are waiting and due. */
  private async flashDue(party: string): Promise<boolean> {
    const row = await this.node.store.db
      .selectFrom('outbox')
      .select('id')
      .where('state', '=', 'pending')
      .where('peer', '=', party)
      .where('precedence', '=', 0)
      .where('next_attempt_at', '<=', this.node.now())
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Whether the rules still allow every item of a sealed batch, now. */
  private stillAllowed(rows: readonly OutboxRow[]): boolean {
    const now = this.node.now();
    return rows.every((r) => r.type !== 'item' || this.decideSend(r, now).decision === 'allow');
  }

  private decideSend(r: OutboxRow, now: EpochMs): Decision {
    const draft = draftOf(r) as Message<'item'>;
    const itemId = draft.body.item.id;
    return draft.body.kind === 'release'
      ? decide(this.node.world, { kind: 'release', item: itemId, to: r.peer }, now)
      : decide(this.node.world, { kind: 'forward', item: itemId, by: this.party, to: r.peer }, now);
  }

  /**
   * A batch did not go through: back off towards the peer, by its consecutive
   * failures. The backoff is the peer's, not the batch's: every message queued to it
   * waits until the same instant, so that when the peer is back the FLASH lane
   * goes first. (A FLASH message queued meanwhile still makes one attempt at once.)
   */
  private async backOff(party: string, rows: readonly OutboxRow[], e: unknown): Promise<void> {
    const first = rows[0];
    if (first === undefined) return;
    const failures = (this.failures.get(party) ?? 0) + 1;
    this.failures.set(party, failures);
    const now = this.node.now();
    await this.node.store.db.transaction().execute(async (tx) => {
      await tx
        .updateTable('outbox')
        .set({
          attempts: first.attempts + 1,
          last_error: (e instanceof Error ? e.message : String(e)).slice(0, 500),
        })
        .where('state', '=', 'pending')
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
      await tx
        .updateTable('outbox')
        .set({ next_attempt_at: now + backoff(failures) })
        .where('state', '=', 'pending')
        .where('peer', '=', party)
        .execute();
    });
  }

  /**
   * RULES at send time: an item is decided again now; if the rules now refuse (the
   * agreement ended, the consent lapsed), the envelope is withheld, never sent.
   */
  private async redecide(rows: OutboxRow[]): Promise<OutboxRow[]> {
    const withheld: { row: OutboxRow; d: Decision }[] = [];
    const ok: OutboxRow[] = [];
    const now = this.node.now();
    for (const r of rows) {
      const d = r.type === 'item' ? this.decideSend(r, now) : null;
      if (d === null || d.decision === 'allow') ok.push(r);
      else withheld.push({ row: r, d });
    }
    if (withheld.length > 0) {
      await this.node.transact(async (u) => {
        for (const { row, d } of withheld) {
          await u.tx
            .updateTable('outbox')
            .set({
              state: 'withheld',
              settled_at: u.now,
              last_error: d.reasons[0]?.code ?? 'denied',
            })
            .where('id', '=', row.id)
            .execute();
          record(
            u,
            'envelope.withheld',
            { user: null, party: this.party },
            { envelope: row.id, to: row.peer, item: row.item_id },
            { decision: 'deny', reasons: d.reasons.map((x) => x.code) },
          );
        }
      });
    }
    return ok;
  }

  private async post(peer: Peer, messages: string[]): Promise<string[]> {
    const body = Buffer.from(JSON.stringify({ messages }), 'utf8');
    const url = new URL(`${peer.url}/v1/federation/messages`);
    const headers = signRequest(
      { method: 'POST', authority: url.host, path: url.pathname, body },
      this.options.signingKey,
      this.party,
      this.node.now(),
    );
    const res = await this.fetcher(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 300)}`);
    const parsed = JSON.parse(text) as { receipts?: unknown };
    if (!Array.isArray(parsed.receipts) || parsed.receipts.length !== messages.length) {
      throw new Error('the peer answered without one receipt per message');
    }
    return parsed.receipts as string[];
  }

  /** Records signed receipts: delivered or refused, each once, with its effects. */
  private async settle(peer: Peer, rows: OutboxRow[], receipts: string[]): Promise<void> {
    const verified = new Map<string, ReceiptBatch>();
    const opened: { row: OutboxRow; r: Receipt; jws: string }[] = [];
    for (const [i, jws] of receipts.entries()) {
      // Checked a few at a time, so that the next request (just sent) goes out meanwhile.
      if (i % 32 === 0) await new Promise((r) => setImmediate(r));
      const row = rows[i] as OutboxRow;
      let r: Receipt;
      try {
        r = openReceipt(jws, peer.signingKey, verified);
      } catch {
        throw new Error(`receipt ${i} from ${peer.party} does not verify`);
      }
      // A message the peer could not read at all is refused without its id; its
      // position in the batch says which one it was.
      const envelope = r.envelope ?? (r.status === 'refused' && r.position === i ? row.id : null);
      if (envelope !== row.id || r.from !== peer.party || r.to !== this.party) {
        throw new Error(`receipt ${i} from ${peer.party} is not for envelope ${row.id}`);
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
          throw new Error(`receipt ${i} from ${peer.party}: the inclusion proof does not verify`);
      }
      opened.push({ row, r, jws });
    }
    await this.node.transact(async (u) => {
      // Many envelopes settle at once: a few statements for the batch, not per envelope.
      const delivered = opened.filter((o) => o.r.status === 'accepted');
      const refused = opened.filter((o) => o.r.status !== 'accepted');
      for (let k = 0; k < delivered.length; k += 500) {
        await u.tx
          .updateTable('outbox')
          .set({ state: 'delivered', settled_at: u.now, last_error: null })
          .where('state', '=', 'pending')
          .where(
            'id',
            'in',
            delivered.slice(k, k + 500).map((o) => o.row.id),
          )
          .execute();
      }
      for (const { row, r } of refused) {
        await u.tx
          .updateTable('outbox')
          .set({ state: 'refused', settled_at: u.now, last_error: r.code })
          .where('id', '=', row.id)
          .where('state', '=', 'pending')
          .execute();
      }
      for (let k = 0; k < opened.length; k += 500) {
        await u.tx
          .insertInto('outbox_receipts')
          .values(opened.slice(k, k + 500).map((o) => ({ envelope: o.row.id, receipt: o.jws })))
          .onConflict((oc) => oc.column('envelope').doNothing())
          .execute();
      }
      const held: [string, string][] = [];
      for (const { row, r } of opened) {
        const ok = r.status === 'accepted';
        record(
          u,
          ok ? 'envelope.delivered' : 'envelope.refused',
          { user: null, party: this.party },
          {
            envelope: row.id,
            to: peer.party,
            type: row.type,
            item: row.item_id,
            peerLogIndex: r.logIndex,
          },
          { decision: ok ? 'allow' : 'deny', reasons: [r.code] },
        );
        if (ok && row.type === 'item') held.push(this.recordDelivery(u, row, peer.party));
      }
      await upsertHoldings(u, held);
    });
  }

  /** The recipient now holds the item (RULES R5/F3), in our World and store. */
  private recordDelivery(u: Unit, row: OutboxRow, to: string): [string, string] {
    const draft = draftOf(row) as Message<'item'>;
    const receipts: HoldingReceipt[] = draft.body.agreements.map((a) => ({
      from: this.party,
      agreement: a,
      at: u.now,
    }));
    if (receipts.length === 0) receipts.push({ from: this.party, agreement: null, at: u.now });
    applyEffect(u.world, {
      kind: 'hold',
      item: draft.body.item.id,
      party: to,
      marking: draft.body.recipientMarking,
      receipts,
    });
    return [draft.body.item.id, to];
  }

  // ------------------------------------------------------------------ inbox

  private fresh = (nonce: string, expiresAt: number): boolean => {
    const now = this.node.now();
    if (this.nonces.size > 100_000)
      for (const [n, e] of this.nonces) if (e < now) this.nonces.delete(n);
    if (this.nonces.has(nonce)) return false;
    this.nonces.set(nonce, expiresAt);
    return true;
  };

  /**
   * Authenticates a node-to-node request (RFC 9421) and returns the sending party.
   * A refused request is logged as refused.
   */
  async authenticate(
    parts: RequestParts,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<{ party: string; nonce: string; expires: number }> {
    try {
      const v = verifyRequest(
        parts,
        headers,
        (k) => this.peers.get(k)?.signingKey,
        this.node.now(),
        this.fresh,
      );
      return { party: v.keyid, nonce: v.nonce, expires: v.expires * 1000 };
    } catch (e) {
      const err = e as HttpSigError;
      // Anyone can send a bad request: log refusals at a bounded rate, and count the
      // ones beyond it in the next entry, so that a flood cannot grow the log at will.
      const now = this.node.now();
      this.refusalBudget = Math.min(
        REFUSAL_BURST,
        this.refusalBudget + ((now - this.refusalBudgetAt) * REFUSALS_PER_SECOND) / 1000,
      );
      this.refusalBudgetAt = now;
      if (this.refusalBudget >= 1) {
        this.refusalBudget -= 1;
        const suppressed = this.refusalsNotLogged;
        this.refusalsNotLogged = 0;
        await this.node.transact((u) => {
          record(
            u,
            'message.refused',
            { user: null, party: this.party },
            {
              reason: err.code,
              path: parts.path,
              ...(suppressed > 0 ? { alsoRefusedNotLogged: suppressed } : {}),
            },
            { decision: 'deny', reasons: [err.code] },
          );
        });
      } else {
        this.refusalsNotLogged++;
      }
      throw new FederationError(err.code, err.message);
    }
  }

  /** Handles a batch of sealed messages from `sender`, in order; one signed receipt each. */
  async receive(
    sender: string,
    nonce: { nonce: string; expires: number },
    messages: readonly string[],
  ): Promise<string[]> {
    // Open every message first (pure crypto), then decide and store them in order in
    // ONE unit of work, writing the rows of the whole batch a few statements at a time.
    const opened = messages.map((jwe, position) => {
      try {
        const m = openMessage(jwe, this.party, this.options.encryptionKey, this.signingKeyOf);
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
    return this.node.transact(async (u) => {
      await u.tx
        .insertInto('seen_nonces')
        .values({ nonce: nonce.nonce, expires_at: nonce.expires })
        .execute();
      // Expired nonces can no longer be replayed (the request would be stale): forget them.
      if (u.now - this.noncesPurgedAt > 60_000) {
        this.noncesPurgedAt = u.now;
        await u.tx.deleteFrom('seen_nonces').where('expires_at', '<', u.now).execute();
      }
      const batch: InboundBatch = {
        items: [],
        holdings: [],
        inbox: [],
        inboxDrafts: [],
        drafts: [],
        seen: new Map(),
        foreign: new Set(),
      };
      const ids = opened.flatMap((o) => (o.m === null ? [] : [o.m.id]));
      for (let c = 0; c < ids.length; c += 500) {
        const rows = await u.tx
          .selectFrom('inbox')
          .select(['id', 'receipt', 'from_party'])
          .where('id', 'in', ids.slice(c, c + 500))
          .execute();
        for (const r of rows) {
          // Another party's envelope id: this sender may not reuse it (nor read its receipt).
          if (r.from_party === sender) batch.seen.set(r.id, r.receipt);
          else batch.foreign.add(r.id);
        }
      }
      const slots: ReceiptSlot[] = [];
      for (const o of opened) {
        // Other messages may touch the rows of items received earlier in the batch.
        if (o.m !== null && o.m.type !== 'item') await flushInbound(u, batch);
        slots.push(await this.receiveOne(u, sender, o, batch));
      }
      await flushInbound(u, batch);
      // Every receipt proves its entry in our log as it stands at the end of the batch,
      // and one signature covers them all.
      const tree = this.node.tree;
      const size = tree.size;
      const root = b64(tree.root(size));
      const at = formatInstant(u.now);
      const tokens = signReceipts(
        batch.drafts.map((d): Receipt => {
          const proved = d.logIndex !== null && d.logIndex < size;
          return {
            v: WIRE_VERSION,
            from: this.party,
            at,
            ...d,
            leafHash: proved ? b64(tree.leafHashAt(d.logIndex as number)) : null,
            treeSize: proved ? size : null,
            root: proved ? root : null,
            proof: proved ? tree.inclusionProof(d.logIndex as number, size).map(b64) : null,
          };
        }),
        this.party,
        sender,
        this.options.signingKey,
      );
      const token = (slot: ReceiptSlot) =>
        typeof slot === 'string' ? slot : (tokens[slot] as string);
      batch.inbox.forEach((row, i) => {
        row.receipt = token(batch.inboxDrafts[i] as number);
      });
      for (let c = 0; c < batch.inbox.length; c += 200) {
        await u.tx
          .insertInto('inbox')
          .values(batch.inbox.slice(c, c + 200))
          .execute();
      }
      return slots.map(token);
    });
  }

  /** A receipt to sign at the end of the batch; its slot. */
  private receipt(batch: InboundBatch, draft: DraftReceipt): ReceiptSlot {
    batch.drafts.push(draft);
    return batch.drafts.length - 1;
  }

  private async receiveOne(
    u: Unit,
    sender: string,
    o: { position: number; m: Message | null; error: MessageError | null },
    batch: InboundBatch,
  ): Promise<ReceiptSlot> {
    const { position, m } = o;
    if (m === null) {
      const e = o.error as MessageError;
      const logIndex = record(
        u,
        'message.refused',
        { user: null, party: sender },
        { envelope: e.envelope, position },
        { decision: 'deny', reasons: [e.code] },
      );
      return this.receipt(batch, {
        envelope: e.envelope,
        position,
        to: sender,
        status: 'refused',
        code: e.code,
        message: e.message,
        duplicate: false,
        logIndex,
      });
    }
    // Seen before (or earlier in this batch): the first receipt's effect stands.
    const seen = batch.seen.get(m.id);
    if (seen !== undefined) return seen;
    if (batch.foreign.has(m.id)) {
      const logIndex = record(
        u,
        'message.refused',
        { user: null, party: sender },
        { envelope: m.id, position },
        { decision: 'deny', reasons: ['malformed-message'] },
      );
      return this.receipt(batch, {
        envelope: m.id,
        position,
        to: sender,
        status: 'refused',
        code: 'malformed-message',
        message: 'this envelope id belongs to another party',
        duplicate: false,
        logIndex,
      });
    }
    let outcome: {
      status: 'accepted' | 'refused';
      code: string;
      message: string;
      logIndex: number;
      itemId: string | null;
    };
    try {
      outcome = await this.handle(u, m, batch);
    } catch (caught) {
      // A value the core cannot read (an impossible date, a bad definition) is the
      // message's fault: refused by itself, like any other refusal.
      const e =
        caught instanceof TimeFormatError || caught instanceof DefinitionError
          ? new FederationError('malformed-message', caught.message)
          : caught;
      // A refusal (any family of ours) is answered in a receipt; anything else aborts.
      if (!(e instanceof LiaisonError)) throw e;
      const logIndex = record(
        u,
        'message.refused',
        { user: null, party: m.from },
        { envelope: m.id, type: m.type },
        { decision: 'deny', reasons: [e.code] },
      );
      outcome = { status: 'refused', code: e.code, message: e.message, logIndex, itemId: null };
    }
    const receipt = this.receipt(batch, {
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
      id: m.id,
      from_party: m.from,
      type: m.type,
      received_at: u.now,
      status: outcome.status,
      code: outcome.code,
      receipt: '',
      log_index: outcome.logIndex,
      item_id: outcome.itemId,
    });
    batch.inboxDrafts.push(receipt);
    batch.seen.set(m.id, receipt);
    return receipt;
  }

  private async handle(
    u: Unit,
    m: Message,
    batch: InboundBatch,
  ): Promise<{
    status: 'accepted' | 'refused';
    code: string;
    message: string;
    logIndex: number;
    itemId: string | null;
  }> {
    const accepted = (logIndex: number, message: string, itemId: string | null = null) => ({
      status: 'accepted' as const,
      code: 'accepted',
      message,
      logIndex,
      itemId,
    });
    const note = (subject: { size: number }) =>
      record(
        u,
        'message.received',
        { user: null, party: m.from },
        { envelope: m.id, type: m.type, ...subject },
      );
    switch (m.type) {
      case 'item':
        return this.receiveItem(u, m as Message<'item'>, batch);
      case 'consent.request': {
        const b = (m as Message<'consent.request'>).body;
        const item = u.world.items.get(b.item);
        if (item === undefined || item.originator.id !== this.party) {
          throw new PolicyDenied(
            'not-originator',
            `${this.party} is not the originator of '${b.item}'`,
          );
        }
        if (b.holder !== m.from)
          throw new FederationError(
            'malformed-message',
            `the request names ${b.holder}, not its sender`,
          );
        const known = await u.tx
          .selectFrom('consent_requests')
          .select('id')
          .where('id', '=', b.request)
          .executeTakeFirst();
        if (known !== undefined)
          throw new Conflict(`consent request ${b.request} already exists here`);
        await insertPendingRequest(u, {
          id: b.request,
          direction: 'incoming',
          item: b.item,
          originator: this.party,
          holder: m.from,
          to: b.to,
          requestedBy: `${m.from}:${b.requestedBy}`,
          note: b.note,
        });
        const i = record(
          u,
          'consent.requested',
          { user: b.requestedBy, party: m.from },
          { request: b.request, item: b.item, holder: m.from, to: b.to },
        );
        return accepted(i, `consent request ${b.request} recorded`);
      }
      case 'consent.decision': {
        const b = (m as Message<'consent.decision'>).body;
        const req = await u.tx
          .selectFrom('consent_requests')
          .selectAll()
          .where('id', '=', b.request)
          .executeTakeFirst();
        if (req === undefined || req.direction !== 'outgoing' || req.originator !== m.from) {
          throw new NotFound('unknown-consent', `no request ${b.request} of ours to ${m.from}`);
        }
        let consentId: string | null = null;
        if (b.decision === 'grant') {
          if (b.consent === null)
            throw new FederationError('malformed-message', 'a grant carries the signed consent');
          const c = this.openConsent(b.consent);
          if (c.item !== req.item_id || c.holder !== this.party || c.to !== req.to_party) {
            throw new PolicyDenied(
              'consent-required',
              'the consent does not name this item, holder and recipient',
            );
          }
          await this.storeConsent(u, c, b.consent);
          consentId = c.id;
        }
        await u.tx
          .updateTable('consent_requests')
          .set({
            status: b.decision === 'grant' ? 'granted' : 'refused',
            reason: b.reason,
            decided_at: u.now,
            consent_id: consentId,
          })
          .where('id', '=', b.request)
          .execute();
        const i = record(
          u,
          'consent.decided',
          { user: null, party: m.from },
          {
            request: b.request,
            item: req.item_id,
            holder: this.party,
            to: req.to_party,
            consent: consentId,
            reason: b.reason,
          },
          {
            decision: b.decision === 'grant' ? 'allow' : 'deny',
            reasons: [b.decision === 'grant' ? 'allowed' : 'refused'],
          },
        );
        return accepted(i, `consent decision on ${b.request}: ${b.decision}`);
      }
      case 'consent.revoked': {
        const b = (m as Message<'consent.revoked'>).body;
        const c = u.world.consents.get(b.consent);
        if (c === undefined || c.by !== m.from)
          throw new NotFound('unknown-consent', `no consent ${b.consent} of ${m.from}`);
        const at = notLater(parseInstant(b.at).ms, u.now, 'the revocation');
        applyEffect(u.world, { kind: 'revoke-consent', id: b.consent, at });
        await u.tx
          .updateTable('consents')
          .set({ revoked_at: at })
          .where('id', '=', b.consent)
          .execute();
        const i = record(
          u,
          'consent.revoked',
          { user: null, party: m.from },
          { consent: b.consent },
        );
        return accepted(i, `consent ${b.consent} revoked`);
      }
      case 'proposal.signature':
        return accepted(
          await this.mergeProposal(u, (m as Message<'proposal.signature'>).body, m.from),
          'signatures merged',
        );
      case 'agreement.lifecycle': {
        const b = (m as Message<'agreement.lifecycle'>).body;
        const { decision: d, logIndex: i } = await decideNotice(
          u,
          { user: null, party: m.from },
          b.agreement,
          b.action,
          notLater(parseInstant(b.at).ms, u.now, 'the notice'),
        );
        if (d.decision === 'deny')
          return {
            status: 'refused',
            code: d.reasons[0]?.code ?? 'denied',
            message: d.reasons[0]?.message ?? '',
            logIndex: i,
            itemId: null,
          };
        return accepted(i, `${b.action} recorded`);
      }
      case 'item.reclassified': {
        const b = (m as Message<'item.reclassified'>).body;
        const item = u.world.items.get(b.item);
        if (item === undefined) throw new NotFound('unknown-item', `unknown item '${b.item}'`);
        if (!this.cameFrom(item, m.from)) {
          throw new PolicyDenied(
            'not-originator',
            `${m.from} is neither the originator of ${b.item} nor the party it came from`,
          );
        }
        const { decision: d, logIndex: i } = await reclassify(
          u,
          { user: null, party: m.from },
          b.item,
          b.marking,
          item.originator.id,
        );
        if (d.decision === 'deny') throw deniedBy(d);
        // Hop by hop: pass it on to those we sent the item to.
        await this.reclassified(u, item, b.marking, parseInstant(b.at).ms, m.from);
        return accepted(i, `${b.item} reclassified`, b.item);
      }
      case 'compromise.report': {
        const b = (m as Message<'compromise.report'>).body;
        const item = u.world.items.get(b.item);
        if (item === undefined) throw new NotFound('unknown-item', `unknown item '${b.item}'`);
        // A party reports its own compromise; others' reports come relayed by the hop
        // the item came from (the originator, or the holder that forwarded it).
        if (b.reportedBy !== m.from && !this.cameFrom(item, m.from)) {
          throw new FederationError(
            'malformed-message',
            `${m.from} may report its own compromise, not one by ${b.reportedBy}`,
          );
        }
        const report: CompromiseReport = {
          id: `cmp-${m.id}`,
          item: b.item,
          party: b.reportedBy,
          reportedBy: m.from,
          at: notLater(parseInstant(b.at).ms, u.now, 'the report'),
          note: b.note,
        };
        const i = await recordCompromise(u, { user: null, party: m.from }, report, null);
        await this.compromised(u, item, report);
        return accepted(i, `compromise of ${b.item} recorded`, b.item);
      }
      case 'checkpoint.cosignature': {
        const b = (m as Message<'checkpoint.cosignature'>).body;
        const cp = await u.tx
          .selectFrom('checkpoints')
          .selectAll()
          .where('size', '=', b.size)
          .executeTakeFirst();
        if (cp === undefined)
          throw new RequestInvalid('invalid-request', `no checkpoint of size ${b.size}`);
        const peer = this.peers.get(m.from);
        if (
          peer === undefined ||
          !verifyCosignature(cp.note, b.line, peer.origin, peer.signingKey)
        ) {
          throw new FederationError('bad-signature', 'the cosignature does not verify');
        }
        await u.tx
          .deleteFrom('cosignatures')
          .where('size', '=', b.size)
          .where('witness', '=', m.from)
          .execute();
        await u.tx
          .insertInto('cosignatures')
          .values({ size: b.size, witness: m.from, line: b.line, at: u.now })
          .execute();
        return accepted(note({ size: b.size }), `cosignature of size ${b.size} stored`);
      }
      case 'alert.ack':
      case 'alert.escalation': {
        if (this.content === null)
          throw new RequestInvalid('unsupported', 'this node does not handle alerts');
        const r = await this.content.message(
          u,
          m as Message<'alert.ack'> | Message<'alert.escalation'>,
        );
        return accepted(r.logIndex, r.message, r.itemId);
      }
    }
  }

  /** Whether `party` is the item's originator or the party we received it from. */
  private cameFrom(item: ItemRecord, party: string): boolean {
    if (item.originator.id === party) return true;
    return item.holdings.get(this.party)?.receipts.some((r) => r.from === party) ?? false;
  }

  /** Receives an item: re-decided here with our own agreements, at our own clock. */
  private async receiveItem(u: Unit, m: Message<'item'>, batch: InboundBatch) {
    const b = m.body;
    const it = b.item;
    const w = u.world;
    const release = b.kind === 'release';
    let onAccepted: OnAccepted | null = null;
    if (it.alert !== undefined) {
      if (it.precedence !== 'FLASH')
        throw new FederationError('malformed-message', 'an alert travels as a FLASH item');
      // A node without the alerts module keeps the item's text and drops its content.
      try {
        onAccepted = this.content?.check(it.alert) ?? null;
      } catch (e) {
        if (e instanceof LiaisonError) throw new FederationError('malformed-message', e.message);
        throw e;
      }
    }
    const consent = !release && b.consent !== null ? this.openConsent(b.consent) : null;
    let arrival: ArrivalDecision;
    try {
      arrival = decideArrival(
        w,
        {
          item: {
            id: it.id,
            originator: it.originator,
            marking: it.marking,
            categories: it.categories,
            releasableTo: it.releasableTo ?? undefined,
            title: it.title,
            precedence: it.precedence,
          },
          kind: b.kind,
          from: m.from,
          to: this.party,
          senderMarking: b.senderMarking,
          consent,
        },
        u.now,
      );
    } catch (e) {
      if (e instanceof DefinitionError) throw new FederationError('malformed-message', e.message);
      throw e;
    }
    const d = arrival.decision;
    const i = record(
      u,
      'item.received',
      { user: null, party: m.from },
      {
        envelope: m.id,
        item: it.id,
        kind: b.kind,
        originator: { party: it.originator, marking: it.marking },
        marking: d.marking?.code ?? null,
        categories: it.categories,
      },
      { decision: d.decision, reasons: d.reasons.map((r) => r.code) },
    );
    if (d.decision === 'deny') {
      return {
        status: 'refused' as const,
        code: d.reasons[0]?.code ?? 'denied',
        message: d.reasons[0]?.message ?? '',
        logIndex: i,
        itemId: it.id,
      };
    }
    // Nothing changed before this point: the World changes by the decision's effects.
    const created = arrival.effects.some((e) => e.kind === 'add-item');
    const senderHolding = arrival.effects.some((e) => e.kind === 'hold' && e.party === m.from);
    for (const e of arrival.effects) u.apply(e);
    if (consent !== null && arrival.effects.some((e) => e.kind === 'consent'))
      await this.insertConsent(u, consent, b.consent ?? '');
    const item = u.world.items.get(it.id);
    if (created && item !== undefined) {
      batch.items.push({
        id: it.id,
        originator: it.originator,
        marking: it.marking,
        categories: json(it.categories),
        releasable_to: it.releasableTo === null ? null : json(it.releasableTo),
        title: it.title,
        body: it.body,
        created_at: u.now,
        created_by: null,
        precedence: it.precedence ?? 'ROUTINE',
      });
      if (onAccepted !== null) await onAccepted(u, item, m.from);
    }
    if (senderHolding) batch.holdings.push([it.id, m.from]);
    batch.holdings.push([it.id, this.party]);
    return {
      status: 'accepted' as const,
      code: 'accepted',
      message: `${it.id} received, marked ${d.marking?.code ?? ''}`,
      logIndex: i,
      itemId: it.id,
    };
  }

  // ------------------------------------------------------------------ consents

  /** A consent signed by its originator, verified with the originator's key. */
  openConsent(jws: string): {
    id: string;
    item: string;
    by: string;
    holder: string;
    to: string;
    grantedAt: number;
    expires: number;
    revokedAt: number;
  } {
    let by: string;
    try {
      by = jwsKid(jws);
    } catch {
      throw new PolicyDenied('consent-required', 'the consent is not a signed consent');
    }
    const key = this.signingKeyOf(by);
    if (key === undefined)
      throw new PolicyDenied(
        'consent-required',
        `the consent is signed by ${by}, whose key this node does not know`,
      );
    let c: unknown;
    try {
      const v = verifyJws(jws, key);
      if (v.header.typ !== CONSENT_TYP) throw new Error('typ');
      c = JSON.parse(v.payload.toString('utf8'));
    } catch {
      throw new PolicyDenied('consent-required', 'the consent signature does not verify');
    }
    if (!isConsentPayload(c))
      throw new PolicyDenied('consent-required', 'the consent does not have the consent format');
    if (c.by !== by)
      throw new PolicyDenied(
        'not-originator',
        'the consent names another consenting party than its signer',
      );
    return {
      id: c.id,
      item: c.item,
      by: c.by,
      holder: c.holder,
      to: c.to,
      grantedAt: parseInstant(c.grantedAt).ms,
      expires: c.expires === null ? Number.POSITIVE_INFINITY : parseInstant(c.expires).ms,
      revokedAt: Number.POSITIVE_INFINITY,
    };
  }

  private async storeConsent(
    u: Unit,
    c: ReturnType<Federation['openConsent']>,
    jws: string,
  ): Promise<void> {
    if (u.world.consents.has(c.id)) return;
    applyEffect(u.world, { kind: 'consent', consent: c });
    await this.insertConsent(u, c, jws);
  }

  private async insertConsent(
    u: Unit,
    c: ReturnType<Federation['openConsent']>,
    jws: string,
  ): Promise<void> {
    await u.tx
      .insertInto('consents')
      .values({
        id: c.id,
        item_id: c.item,
        by_party: c.by,
        holder: c.holder,
        to_party: c.to,
        granted_at: c.grantedAt,
        expires: Number.isFinite(c.expires) ? c.expires : null,
        revoked_at: null,
        jws,
      })
      .execute();
  }

  /** A JWS by this node over the canonical JSON of `payload` (kid = this party). */
  signAsNode(payload: unknown, typ: string): string {
    return signJws(Buffer.from(canonicalJson(payload), 'utf8'), this.options.signingKey, {
      kid: this.party,
      typ,
    });
  }

  signConsent(c: {
    id: string;
    item: string;
    holder: string;
    to: string;
    grantedAt: number;
    expires: number | null;
  }): string {
    const payload = {
      id: c.id,
      item: c.item,
      by: this.party,
      holder: c.holder,
      to: c.to,
      grantedAt: formatInstant(c.grantedAt),
      expires: c.expires === null ? null : formatInstant(c.expires),
    };
    return signJws(Buffer.from(canonicalJson(payload), 'utf8'), this.options.signingKey, {
      kid: this.party,
      typ: CONSENT_TYP,
    });
  }

  // ------------------------------------------------------------------ proposals (agreements bind when all sign)

  /** Signs a proposal's canonical body as this party. */
  signBody(body: unknown): string {
    return edSign(null, Buffer.from(canonicalJson(body), 'utf8'), this.options.signingKey).toString(
      'base64',
    );
  }

  /** Merges signatures into our copy of a proposal; binds it once every party has signed. */
  async mergeProposal(
    u: Unit,
    p: MessageBodies['proposal.signature'],
    from: string | null,
  ): Promise<number> {
    const row = await u.tx
      .selectFrom('proposals')
      .selectAll()
      .where('id', '=', p.proposal)
      .executeTakeFirst();
    const bodyText = canonicalJson(p.body);
    if (row !== undefined && row.body !== bodyText) {
      throw new Conflict(`proposal ${p.proposal} has another text here`);
    }
    // Who must sign comes from what is signed (or from the agreement we hold), never
    // from the message: a peer cannot shorten the list of signatories.
    const parties = this.signatories(u, p);
    if (!parties.includes(this.party))
      throw new PolicyDenied('not-a-party', `${this.party} is not a party to ${p.agreement}`);
    const signatures: Record<string, string> =
      row === undefined ? {} : (JSON.parse(row.signatures) as Record<string, string>);
    for (const [party, sig] of Object.entries(p.signatures)) {
      if (!parties.includes(party)) continue;
      const key = this.signingKeyOf(party);
      if (key === undefined) continue;
      if (!edVerify(null, Buffer.from(bodyText, 'utf8'), key, Buffer.from(sig, 'base64'))) {
        throw new FederationError(
          'bad-signature',
          `the signature of ${party} on ${p.proposal} does not verify`,
        );
      }
      signatures[party] = sig;
    }
    const complete = parties.every((x) => signatures[x] !== undefined);
    const status = row?.status === 'binding' ? 'binding' : complete ? 'binding' : 'proposed';
    // Bind first: if the definition cannot bind, nothing of the proposal is written.
    if (complete && row?.status !== 'binding') await this.bind(u, { ...p, parties });
    if (row === undefined) {
      await u.tx
        .insertInto('proposals')
        .values({
          id: p.proposal,
          kind: p.kind,
          agreement_id: p.agreement,
          body: bodyText,
          signatures: json(signatures),
          parties: json(parties),
          status,
          created_at: u.now,
        })
        .execute();
    } else {
      await u.tx
        .updateTable('proposals')
        .set({ signatures: json(signatures), status })
        .where('id', '=', p.proposal)
        .execute();
    }
    return record(
      u,
      'proposal.signed',
      { user: null, party: from ?? this.party },
      {
        proposal: p.proposal,
        agreement: p.agreement,
        kind: p.kind,
        signedBy: Object.keys(signatures).sort(),
        complete,
      },
    );
  }

  /** The parties that must sign a proposal: the definition's, or the agreement's for a change. */
  private signatories(u: Unit, p: MessageBodies['proposal.signature']): string[] {
    let parties: readonly string[] | undefined;
    if (p.kind === 'agreement') {
      const def = p.body as Partial<AgreementDefinition> | null;
      if (def?.id !== p.agreement || p.proposal !== `agreement:${p.agreement}`)
        throw new FederationError(
          'malformed-message',
          `the proposal does not define ${p.agreement}`,
        );
      parties = Array.isArray(def.parties) ? def.parties : undefined;
    } else {
      const change = p.body as { agreement?: unknown; proposal?: unknown } | null;
      if (change?.agreement !== p.agreement || change.proposal !== p.proposal)
        throw new FederationError(
          'malformed-message',
          `the signed change is not proposal ${p.proposal} to ${p.agreement}`,
        );
      const a = u.world.agreements.get(p.agreement);
      parties = a === undefined ? undefined : [...a.partyIds];
      if (parties === undefined)
        throw new NotFound('unknown-agreement', `unknown agreement '${p.agreement}'`);
    }
    if (parties === undefined || !parties.every((x) => typeof x === 'string'))
      throw new FederationError(
        'malformed-message',
        `the proposal of ${p.agreement} names no parties`,
      );
    const list = [...parties].sort();
    if (canonicalJson(list) !== canonicalJson([...p.parties].sort()))
      throw new FederationError(
        'malformed-message',
        `the proposal lists ${p.parties.join(', ')}; what is signed binds ${list.join(', ')}`,
      );
    return list;
  }

  private async bind(u: Unit, p: MessageBodies['proposal.signature']): Promise<void> {
    if (p.kind === 'agreement') {
      const def = p.body as AgreementDefinition;
      if (u.world.agreements.has(def.id)) return;
      await recordAgreement(u, def, { user: null, party: this.party }, p.parties);
      return;
    }
    const change = p.body as {
      agreement: string;
      kind: 'terminate' | 'amend';
      effectiveAt: string;
      rows?: unknown;
      scope?: unknown;
      noticePeriod?: unknown;
    };
    const at = Math.max(parseInstant(change.effectiveAt).ms, u.now);
    const d =
      change.kind === 'terminate'
        ? decide(
            u.world,
            { kind: 'terminate', agreement: change.agreement, effectiveAt: at },
            u.now,
          )
        : decide(
            u.world,
            {
              kind: 'amend',
              agreement: change.agreement,
              ...(change.rows === undefined ? {} : { rows: change.rows as never }),
              ...(change.scope === undefined ? {} : { scope: change.scope as never }),
              ...(change.noticePeriod === undefined
                ? {}
                : { noticePeriod: change.noticePeriod as string }),
            },
            at,
          );
    await recordLifecycle(
      u,
      { user: null, party: this.party },
      {
        agreement: change.agreement,
        action: change.kind,
        effectiveAt: formatInstant(at),
        signedBy: p.parties,
      },
      d,
    );
  }

  /** Creates (or countersigns) a proposal as this party and sends our signature to the others. */
  async signProposal(
    u: Unit,
    p: Omit<MessageBodies['proposal.signature'], 'signatures'>,
  ): Promise<void> {
    const signature = this.signBody(p.body);
    const row = await u.tx
      .selectFrom('proposals')
      .selectAll()
      .where('id', '=', p.proposal)
      .executeTakeFirst();
    const existing =
      row === undefined ? {} : (JSON.parse(row.signatures) as Record<string, string>);
    const merged = { ...p, signatures: { ...existing, [this.party]: signature } };
    await this.mergeProposal(u, merged, null);
    for (const party of p.parties) {
      if (party !== this.party && this.peers.has(party))
        await this.enqueue(u, party, 'proposal.signature', merged);
    }
  }

  // ------------------------------------------------------------------ the node's notifier

  /** Notices travel as lifecycle messages to the other parties. */
  async noticeAction(
    u: Unit,
    agreement: string,
    action: NoticeActionKind,
    at: EpochMs,
  ): Promise<void> {
    const a = u.world.agreements.get(agreement);
    if (a === undefined) return;
    for (const party of a.partyIds) {
      if (party !== this.party && this.peers.has(party)) {
        await this.enqueue(u, party, 'agreement.lifecycle', {
          agreement,
          action,
          at: formatInstant(at),
        });
      }
    }
  }

  /**
   * A reclassification goes hop by hop: to each holder this party gave the item to,
   * but the party that told us.
   */
  async reclassified(
    u: Unit,
    item: ItemRecord,
    marking: string,
    at: EpochMs,
    except: string | null,
  ): Promise<void> {
    for (const h of item.holdings.values()) {
      if (
        h.party !== this.party &&
        h.party !== except &&
        h.receipts.some((r) => r.from === this.party) &&
        this.peers.has(h.party)
      ) {
        await this.enqueue(
          u,
          h.party,
          'item.reclassified',
          { item: item.id, marking, at: formatInstant(at) },
          item.id,
        );
      }
    }
  }

  /**
   * GSOMIA Art. 17: a holder tells the originator of its own compromise at once; the
   * originator tells every other holder.
   */
  async compromised(u: Unit, item: ItemRecord, report: CompromiseReport): Promise<void> {
    const body = {
      item: item.id,
      reportedBy: report.party,
      note: report.note,
      at: formatInstant(report.at),
    };
    const targets =
      item.originator.id === this.party
        ? [...item.holdings.keys()].filter((p) => p !== this.party && p !== report.party)
        : report.party === this.party
          ? [item.originator.id]
          : [];
    for (const p of targets)
      if (this.peers.has(p)) await this.enqueue(u, p, 'compromise.report', body, item.id);
  }

  // ------------------------------------------------------------------ witnessing

  /** Our cosignature (C2SP tlog-cosignature v1, Ed25519) of a peer's checkpoint body. */
  cosign(checkpointText: string, at: EpochMs): string {
    const seconds = Math.floor(at / 1000);
    const message = Buffer.from(`cosignature/v1\ntime ${seconds}\n${checkpointText}`, 'utf8');
    const sig = edSign(null, message, this.options.signingKey);
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(seconds));
    const name = this.node.origin;
    const id = cosignerKeyId(name, rawPublicKey(this.options.signingKey));
    return `\u2014 ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}`;
  }

  /** GET a federation resource from a peer, signed like any node-to-node request. */
  async peerGet(peer: Peer, path: string): Promise<string> {
    const url = new URL(`${peer.url}${path}`);
    const headers = signRequest(
      {
        method: 'GET',
        authority: url.host,
        path: url.pathname + url.search,
        body: Buffer.alloc(0),
      },
      this.options.signingKey,
      this.party,
      this.node.now(),
    );
    const res = await this.fetcher(url, { headers, signal: AbortSignal.timeout(15_000) });
    const text = await res.text();
    if (!res.ok)
      throw new FederationError(
        'peer-unreachable',
        `${peer.party} answered ${res.status} for ${path}: ${text.slice(0, 200)}`,
      );
    return text;
  }

  /**
   * Witnesses a peer's log: fetches its latest checkpoint, checks it is signed by the
   * peer and consistent with every checkpoint of it this node has seen, stores it and
   * sends back our cosignature. A failed consistency is a split view, logged.
   */
  async witness(party: string): Promise<WitnessReport> {
    const peer = this.peers.get(party);
    if (peer === undefined) throw new FederationError('no-peer', `no peer ${party}`);
    const verifier = parseVerifierKey(verifierKey(peer.origin, rawPublicKey(peer.signingKey)));
    const note = await this.peerGet(peer, '/v1/federation/checkpoint');
    let cp: Checkpoint;
    try {
      cp = openCheckpoint(note, verifier);
    } catch (e) {
      throw new FederationError(
        'bad-signature',
        `the checkpoint of ${party} does not verify: ${e instanceof NoteError ? e.message : String(e)}`,
      );
    }
    const seen = await this.node.store.db
      .selectFrom('peer_checkpoints')
      .selectAll()
      .where('peer', '=', party)
      .orderBy('size')
      .execute();
    const problems: string[] = [];
    for (const old of seen) {
      if (old.size > cp.size) {
        problems.push(
          `${party} now shows size ${cp.size}, smaller than the ${old.size} it showed before`,
        );
        continue;
      }
      if (old.size === cp.size) {
        if (Buffer.compare(Buffer.from(old.root), cp.root) !== 0)
          problems.push(`${party} shows two roots for size ${cp.size}`);
        continue;
      }
      if (old.size === 0) continue;
      const proof = JSON.parse(
        await this.peerGet(peer, `/v1/federation/proof/consistency?from=${old.size}&to=${cp.size}`),
      ) as { proof: string[] };
      if (
        !verifyConsistency(
          old.size,
          cp.size,
          proof.proof.map((p) => Buffer.from(p, 'base64')),
          Buffer.from(old.root),
          cp.root,
        )
      ) {
        problems.push(
          `${party}'s checkpoint of size ${cp.size} is not consistent with the one of size ${old.size} seen before`,
        );
      }
    }
    await this.node.transact(async (u) => {
      if (problems.length > 0) {
        record(
          u,
          'witness.split-view',
          { user: null, party: this.party },
          { peer: party, size: cp.size, problems },
          { decision: 'deny', reasons: ['split-view'] },
        );
        return;
      }
      if (!seen.some((s) => s.size === cp.size)) {
        await u.tx
          .insertInto('peer_checkpoints')
          .values({ peer: party, size: cp.size, root: cp.root, note, seen_at: u.now })
          .execute();
      }
      record(
        u,
        'witness.checkpoint',
        { user: null, party: this.party },
        { peer: party, size: cp.size, root: b64(cp.root) },
      );
      const body = note.slice(0, note.indexOf('\n\n') + 1);
      await this.enqueue(u, party, 'checkpoint.cosignature', {
        size: cp.size,
        line: this.cosign(body, u.now),
      });
    });
    return {
      peer: party,
      size: cp.size,
      root: b64(cp.root),
      checkedAgainst: seen.map((s) => s.size),
      problems,
      ok: problems.length === 0,
    };
  }
}

/**
 * Writes the item and holding rows an inbound batch has gathered, a few statements for
 * many rows. (Inbox rows wait for the batch's receipts, at its end.)
 */
async function flushInbound(u: Unit, batch: InboundBatch): Promise<void> {
  for (let c = 0; c < batch.items.length; c += 200) {
    await u.tx
      .insertInto('items')
      .values(batch.items.slice(c, c + 200))
      .execute();
  }
  await upsertHoldings(u, batch.holdings);
  batch.items.length = 0;
  batch.holdings.length = 0;
}

/** A receipt before it is signed: what the batch's end adds is the log proof. */
type DraftReceipt = Omit<Receipt, 'v' | 'from' | 'at' | 'leafHash' | 'treeSize' | 'root' | 'proof'>;
/** A stored receipt token (an envelope seen before), or the index of a draft. */
type ReceiptSlot = string | number;

/** Rows an inbound batch writes at its end, many at a time. */
interface InboundBatch {
  readonly items: Insertable<ItemTable>[];
  readonly holdings: [string, string][];
  readonly inbox: InboxTable[];
  /** The receipt slot of each inbox row. */
  readonly inboxDrafts: ReceiptSlot[];
  /** Receipts to sign at the end of the batch. */
  readonly drafts: DraftReceipt[];
  /** Receipts of envelopes received before (tokens), or earlier in this batch (slots). */
  readonly seen: Map<string, ReceiptSlot>;
  /** Envelope ids already used by another party. */
  readonly foreign: Set<string>;
}

export interface WitnessReport {
  readonly peer: string;
  readonly size: number;
  readonly root: string;
  readonly checkedAgainst: readonly number[];
  readonly problems: readonly string[];
  readonly ok: boolean;
}

/** C2SP tlog-cosignature key id: SHA-256(name || "\n" || 0x04 || key)[:4]. */
export function cosignerKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.from([0x04]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** Verifies a cosignature line over a signed checkpoint note. */
export function verifyCosignature(
  note: string,
  line: string,
  name: string,
  key: KeyObject,
): boolean {
  const body = note.slice(0, note.indexOf('\n\n') + 1);
  const m = /^\u2014 (\S+) (\S+)$/.exec(line);
  if (m === null || m[1] !== name) return false;
  const blob = Buffer.from(m[2] as string, 'base64');
  if (blob.length !== 4 + 8 + 64) return false;
  if (!blob.subarray(0, 4).equals(cosignerKeyId(name, rawPublicKey(key)))) return false;
  const seconds = blob.readBigUInt64BE(4);
  const message = Buffer.from(`cosignature/v1\ntime ${seconds}\n${body}`, 'utf8');
  try {
    return edVerify(null, message, key, blob.subarray(12));
  } catch {
    return false;
  }
}

/** Inserts or updates holdings rows from the World, many at a time. */
export async function upsertHoldings(
  u: Unit,
  pairs: readonly (readonly [string, string])[],
): Promise<void> {
  const rows = pairs.flatMap(([itemId, party]) => {
    const h = u.world.items.get(itemId)?.holdings.get(party);
    return h === undefined
      ? []
      : [
          {
            item_id: itemId,
            party,
            marking: h.marking.code,
            receipts: json(h.receipts),
            since: Number.isFinite(h.since) ? h.since : u.now,
          },
        ];
  });
  for (let k = 0; k < rows.length; k += 400) {
    await u.tx
      .insertInto('holdings')
      .values(rows.slice(k, k + 400))
      .onConflict((oc) =>
        oc.columns(['item_id', 'party']).doUpdateSet((eb) => ({
          marking: eb.ref('excluded.marking'),
          receipts: eb.ref('excluded.receipts'),
        })),
      )
      .execute();
  }
}

/** Inserts or updates the holdings row of a party from the World. */
export function upsertHolding(u: Unit, itemId: string, party: string): Promise<void> {
  return upsertHoldings(u, [[itemId, party]]);
}

/** Stores a consent request, pending: asked here (outgoing) or of this originator (incoming). */
export async function insertPendingRequest(
  u: Unit,
  r: {
    readonly id: string;
    readonly direction: 'incoming' | 'outgoing';
    readonly item: string;
    readonly originator: string;
    readonly holder: string;
    readonly to: string;
    readonly requestedBy: string;
    readonly note: string;
  },
): Promise<void> {
  await u.tx
    .insertInto('consent_requests')
    .values({
      id: r.id,
      direction: r.direction,
      item_id: r.item,
      originator: r.originator,
      holder: r.holder,
      to_party: r.to,
      requested_by: r.requestedBy,
      note: r.note,
      requested_at: u.now,
      status: 'pending',
      reason: null,
      decided_at: null,
      decided_by: null,
      consent_id: null,
    })
    .execute();
}
