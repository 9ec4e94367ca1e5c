// Federation: this node's peers, its durable outbox (retries with backoff, per-peer
// order, re-decision at send time) and its idempotent inbox (every envelope's effect
// happens once; the receiver re-decides with its own copy of the agreement and
// answers with a signed receipt carrying the proof that it logged the envelope).
// `Federation` is the facade the API, the alerts and the composition root use; each
// job is in a file of its own (peers, outbox and delivery, inbox and handlers,
// consents, proposals, witness, notifier).
import type { KeyObject } from 'node:crypto';
import type { EpochMs, ItemRecord, NoticeActionKind } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { signJws } from '../crypto/jose.js';
import type { CompromiseReport, Notifier } from '../node/ports.js';
import type { Actor } from '../node/roles.js';
import type { LiaisonNode, Unit } from '../node/service.js';
import { lastSeqs } from '../store/outbox.js';
import { liveNonces } from '../store/witness.js';
import type { RequestParts } from './httpsig.js';
import type { Identity } from './identity.js';
import { Inbox } from './inbox.js';
import type { Outgoing } from './messages.js';
import { tellCompromise, tellNotice, tellReclassified } from './notifier.js';
import { Outbox } from './outbox.js';
import { addPeer, loadPeers, OwnIdentity, type Peer, type PeerView, peerViews } from './peers.js';
import type { ContentPort } from './ports.js';
import { type WitnessReport, witness } from './witness.js';

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
  readonly outbox: Outbox;
  readonly inbox: Inbox;
  readonly fetch: typeof fetch;
  private contentPort: ContentPort | null = null;
  private readonly own: OwnIdentity;

  private constructor(
    readonly options: FederationOptions,
    readonly peers: Map<string, Peer>,
    seqs: Map<string, number>,
    nonces: Map<string, number>,
  ) {
    this.fetch = options.fetch ?? fetch;
    this.own = new OwnIdentity(options);
    this.outbox = new Outbox(this, seqs);
    this.inbox = new Inbox(this, nonces);
  }

  static async open(options: FederationOptions): Promise<Federation> {
    const db = options.node.store.db;
    const nonces = await liveNonces(db, options.node.now());
    return new Federation(
      options,
      await loadPeers(db),
      await lastSeqs(db),
      new Map(nonces.map((n) => [n.nonce, n.expires_at])),
    );
  }

  get node(): LiaisonNode {
    return this.options.node;
  }

  get party(): string {
    return this.options.node.party;
  }

  /** Built on demand: the URL may be known only once the node listens. */
  get identity(): Identity {
    return this.own.current().identity;
  }

  signedIdentity(): string {
    return this.own.current().jws;
  }

  /** Set once, by the composition root: the alerts' content and messages. */
  connectContent(port: ContentPort): void {
    this.contentPort = port;
  }

  /** The content port, if one is connected. */
  get content(): ContentPort | null {
    return this.contentPort;
  }

  /** The content to send with an item, from the content port (none without one). */
  contentOf(itemId: string): Promise<unknown> {
    return this.contentPort?.contentOf(itemId) ?? Promise.resolve(undefined);
  }

  /** The signing key of a party: ours, or a peer's pinned one. */
  signingKeyOf = (party: string): KeyObject | undefined =>
    party === this.party ? this.options.signingKey : this.peers.get(party)?.signingKey;

  /** A JWS by this node over the canonical JSON of `payload` (kid = this party). */
  signAsNode(payload: unknown, typ: string): string {
    return signJws(Buffer.from(canonicalJson(payload), 'utf8'), this.options.signingKey, {
      kid: this.party,
      typ,
    });
  }

  peerViews(): PeerView[] {
    return peerViews(this.peers);
  }

  /** Registers a partner by URL after checking its keys against the fingerprint given out of band. */
  addPeer(actor: Actor | null, url: string, expectedFingerprint: string): Promise<PeerView> {
    return addPeer(this, actor, url, expectedFingerprint);
  }

  /** Queues a message to `to` in this unit's transaction; it leaves once committed. */
  enqueue(u: Unit, to: string, ...message: Outgoing): Promise<string> {
    return this.outbox.enqueue(u, to, ...message);
  }

  start(intervalMs = 250): void {
    this.outbox.start(intervalMs);
  }

  stop(): Promise<void> {
    return this.outbox.stop();
  }

  /** An operator's "retry now": forget the backoff towards a peer and send what is due. */
  retryNow(party: string): Promise<number> {
    return this.outbox.retryNow(party);
  }

  /** Authenticates a node-to-node request (RFC 9421) and returns the sending party. */
  authenticate(
    parts: RequestParts,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<{ party: string; nonce: string; expires: number }> {
    return this.inbox.authenticate(parts, headers);
  }

  /** Handles a batch of sealed messages from `sender`, in order; one signed receipt each. */
  receive(
    sender: string,
    nonce: { nonce: string; expires: number },
    messages: readonly string[],
  ): Promise<string[]> {
    return this.inbox.receive(sender, nonce, messages);
  }

  /** Witnesses a peer's log: checks its latest checkpoint, and cosigns it. */
  witness(party: string): Promise<WitnessReport> {
    return witness(this, party);
  }

  // The node's notifier: what changed here, told to the partners it concerns.

  noticeAction(u: Unit, agreement: string, action: NoticeActionKind, at: EpochMs): Promise<void> {
    return tellNotice(this, u, agreement, action, at);
  }

  reclassified(
    u: Unit,
    item: ItemRecord,
    marking: string,
    at: EpochMs,
    except: string | null,
  ): Promise<void> {
    return tellReclassified(this, u, item, marking, at, except);
  }

  compromised(u: Unit, item: ItemRecord, report: CompromiseReport): Promise<void> {
    return tellCompromise(this, u, item, report);
  }
}
