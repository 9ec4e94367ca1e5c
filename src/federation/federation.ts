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
import type { KeyRing } from '../crypto/keys.js';
import { rawPublicKey } from '../log/note.js';
import type { CompromiseReport, Notifier } from '../node/ports.js';
import type { Actor } from '../node/roles.js';
import type { LiaisonNode, Unit } from '../node/service.js';
import { lastSeqs } from '../store/outbox.js';
import { liveNonces } from '../store/witness.js';
import { AgreementKeys } from './agreement-keys.js';
import { authorityOf, type ReceivedRequest } from './httpsig.js';
import type { Identity } from './identity.js';
import { Inbox } from './inbox.js';
import type { Outgoing } from './messages.js';
import { tellCompromise, tellNotice, tellReclassified } from './notifier.js';
import { Outbox } from './outbox.js';
import { addPeer, loadPeers, OwnIdentity, type Peer, type PeerView, peerViews } from './peers.js';
import type { ContentPort } from './ports.js';
import { loadRotatedKeys } from './rotation.js';
import { StatusReporter } from './status-reports.js';
import { type WitnessReport, witness } from './witness.js';

export interface FederationOptions {
  readonly node: LiaisonNode;
  readonly signingKey: KeyObject;
  readonly encryptionKey: KeyObject;
  /**
   * Every key this node has had (src/crypto/keys.ts); `signingKey` and `encryptionKey`
   * are its current ones. Without a ring the node has one epoch and cannot rotate.
   */
  readonly keys?: KeyRing;
  /** This node's public URL, as partners reach it. */
  readonly url: string;
  /**
   * Other URLs partners may reach this node at (another name of the same host, a
   * gateway): a signed request must be signed for the authority of `url` or of one of
   * these (docs/wire.md §3).
   */
  readonly aliasUrls?: readonly string[];
  /** Fetch, replaceable in tests. */
  readonly fetch?: typeof fetch;
  /** How often peers hear our status of the agreements we share (default 5 minutes). */
  readonly statusIntervalMs?: number;
}

export class Federation implements Notifier {
  readonly outbox: Outbox;
  readonly inbox: Inbox;
  /** Tells peers our status of each agreement we share, for them to compare. */
  readonly reporter: StatusReporter;
  readonly fetch: typeof fetch;
  private contentPort: ContentPort | null = null;
  private readonly own: OwnIdentity;
  private authorities: { url: string; list: string[] } | null = null;

  private constructor(
    readonly options: FederationOptions,
    readonly peers: Map<string, Peer>,
    seqs: Map<string, number>,
    nonces: Map<string, number>,
    /** The keys bound to agreements, by party (docs/wire.md §9). */
    readonly agreementKeys: AgreementKeys,
  ) {
    this.fetch = options.fetch ?? fetch;
    this.own = new OwnIdentity(options);
    this.outbox = new Outbox(this, seqs);
    this.inbox = new Inbox(this, nonces);
    this.reporter = new StatusReporter(this, options.statusIntervalMs);
    this.settleKeys();
    // What another instance of this node changed (docs/deploy.md).
    options.node.onTouched((tags, foreign) => {
      if (!foreign) return;
      if (tags.includes('outbox') || tags.includes('reloaded')) this.outbox.forgetSeqs();
      if (tags.includes('peers') || tags.includes('reloaded')) void this.reloadPeers();
      const ring = options.keys;
      if (ring !== undefined && (tags.includes('keys') || tags.includes('reloaded')))
        void loadRotatedKeys(ring, this.node.store.db)
          .then(() => this.settleKeys())
          .catch(() => {});
      if (tags.includes('agreement-keys') || tags.includes('reloaded'))
        void AgreementKeys.load(this.node.store.db)
          .then((k) => this.agreementKeys.replaceWith(k))
          .catch(() => {});
    });
  }

  /** Takes the peers another instance added (the map is shared by reference). */
  async reloadPeers(): Promise<void> {
    try {
      const now = await loadPeers(this.node.store.db);
      for (const party of this.peers.keys()) if (!now.has(party)) this.peers.delete(party);
      for (const [party, p] of now) this.peers.set(party, p);
      this.settleKeys();
    } catch {
      // The next change or reload tries again.
    }
  }

  /**
   * What this node signs for every partner (manifests, consents, checkpoints) is signed
   * with the newest keys all its peers hold: a partner that has not yet taken a
   * hand-over still verifies it (decision #156). Called whenever a peer's epoch moves.
   */
  settleKeys(): void {
    const ring = this.options.keys;
    if (ring === undefined) return;
    let epoch = ring.current.epoch;
    for (const p of this.peers.values()) epoch = Math.min(epoch, p.ourEpoch);
    ring.settle(epoch);
  }

  static async open(options: FederationOptions): Promise<Federation> {
    const db = options.node.store.db;
    const nonces = await liveNonces(db, options.node.now());
    return new Federation(
      options,
      await loadPeers(db),
      await lastSeqs(db),
      new Map(nonces.map((n) => [n.nonce, n.expires_at])),
      await AgreementKeys.load(db),
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

  /** The epoch of this node's current keys. */
  get ownEpoch(): number {
    return this.options.keys?.current.epoch ?? 0;
  }

  /**
   * The key to sign with towards a peer: the epoch it has accepted, so that it can
   * verify what it gets until it has taken our next keys (docs/decisions.md #155).
   */
  signingKeyFor(peer: { readonly ourEpoch: number }): KeyObject {
    return this.options.keys?.signingFor(peer.ourEpoch) ?? this.options.signingKey;
  }

  /**
   * The key to sign a message relayed to `to` with: towards a peer, the epoch it
   * accepted; towards a party reached only through a hub, which verifies with the key
   * bound for us in the agreements it shares with us (docs/wire.md §9) and hears no
   * hand-over, the newest of ours bound there.
   */
  relaySigningKey(to: string): KeyObject {
    const peer = this.peers.get(to);
    if (peer !== undefined) return this.signingKeyFor(peer);
    const bound = new Set(
      this.agreementKeys
        .keysOf(this.node.world, to, this.party)
        .map((k) => rawPublicKey(k).toString('base64')),
    );
    return (
      this.ownSigningKeys().find((k) => bound.has(rawPublicKey(k).toString('base64'))) ??
      this.options.signingKey
    );
  }

  /** Our keys to open sealed messages with, newest first. */
  decryptionKeys(): KeyObject[] {
    return this.options.keys?.decryptionKeys() ?? [this.options.encryptionKey];
  }

  /** Every signing key this node has had, newest first: what its past signatures verify with. */
  ownSigningKeys(): KeyObject[] {
    return this.options.keys?.signingKeys() ?? [this.options.signingKey];
  }

  /** The signing key of a party: ours, or a peer's pinned one. */
  signingKeyOf = (party: string): KeyObject | undefined =>
    party === this.party ? this.options.signingKey : this.peers.get(party)?.signingKey;

  /**
   * The keys a message from `party` may be signed with, inside a request its current
   * key signed: the current one, and the one before its last rotation (a batch it
   * sealed just before it learnt that we took its new keys; docs/decisions.md #155).
   */
  messageKeysOf = (party: string): KeyObject[] | undefined => {
    const peer = this.peers.get(party);
    if (peer === undefined) return undefined;
    const before = peer.formerSigningKeys[peer.formerSigningKeys.length - 1];
    return before === undefined ? [peer.signingKey] : [peer.signingKey, before];
  };

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
    this.reporter.start();
  }

  async stop(): Promise<void> {
    await this.reporter.stop();
    return this.outbox.stop();
  }

  /** An operator's "retry now": forget the backoff towards a peer and send what is due. */
  retryNow(party: string): Promise<number> {
    return this.outbox.retryNow(party);
  }

  /**
   * This node's own authorities (host[:port], as `URL.host` writes them): its URL's,
   * then its alias URLs'. A signed request must be signed for one of them. Built
   * again when the URL changes (it may be known only once the node listens).
   */
  ownAuthorities(): string[] {
    const url = this.options.url;
    if (this.authorities === null || this.authorities.url !== url) {
      const list: string[] = [];
      for (const u of [url, ...(this.options.aliasUrls ?? [])]) {
        const a = authorityOf(u);
        if (a !== null && !list.includes(a)) list.push(a);
      }
      this.authorities = { url, list };
    }
    return this.authorities.list;
  }

  /** The authorities this node reaches its peers at: only to name a `wrong-authority` refusal. */
  peerAuthorities(): string[] {
    return [...this.peers.values()].flatMap((p) => authorityOf(p.url) ?? []);
  }

  /** Authenticates a node-to-node request (RFC 9421) and returns the sending party. */
  authenticate(
    parts: ReceivedRequest,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<{ party: string; nonce: string; expires: number }> {
    return this.inbox.authenticate(parts, headers);
  }

  /** Authenticates a signed request answered on its own and stores its nonce; returns the sending party. */
  authenticateOnce(
    parts: ReceivedRequest,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<string> {
    return this.inbox.authenticateOnce(parts, headers);
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

  reclassified(u: Unit, item: ItemRecord, manifest: string, except: string | null): Promise<void> {
    return tellReclassified(this, u, item, manifest, except);
  }

  compromised(u: Unit, item: ItemRecord, report: CompromiseReport): Promise<void> {
    return tellCompromise(this, u, item, report);
  }
}
