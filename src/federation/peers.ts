// Peers: the partner nodes this node sends to and accepts messages from. A peer is
// added by URL: the node fetches the partner's self-signed identity and pins its keys
// only if they hash to the fingerprint officers confirmed out of band.
import type { KeyObject } from 'node:crypto';
import { x25519PublicKeyFromRaw } from '../crypto/jose.js';
import { ed25519PublicKeyFromRaw, rawPublicKey, verifierKey } from '../log/note.js';
import { RequestInvalid, Unavailable } from '../node/errors.js';
import { actorOf, record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Store } from '../store/db.js';
import { allPeers, peerRow, savePeer } from '../store/peers.js';
import { allProposals } from '../store/proposals.js';
import { outgoingProposal } from './agreement-keys.js';
import { FederationError } from './errors.js';
import type { Federation, FederationOptions } from './federation.js';
import {
  buildIdentity,
  type Identity,
  IdentityError,
  openIdentity,
  signIdentity,
} from './identity.js';

export interface Peer {
  readonly party: string;
  readonly url: string;
  readonly origin: string;
  readonly signingKey: KeyObject;
  readonly encryptionKey: KeyObject;
  readonly fingerprint: string;
  /** The epoch of this node's keys the peer has accepted: we sign towards it with it. */
  readonly ourEpoch: number;
  /** The epoch of the peer's keys pinned here. */
  readonly theirEpoch: number;
  /** The peer's signing keys before its rotations, oldest first (its past signatures). */
  readonly formerSigningKeys: readonly KeyObject[];
}

export interface PeerView {
  readonly party: string;
  readonly url: string;
  readonly origin: string;
  readonly fingerprint: string;
  readonly verifierKey: string;
  /** The epoch of its keys pinned here. */
  readonly epoch: number;
  /** The epoch of our keys it has accepted. */
  readonly holdsOurEpoch: number;
}

/** This node's identity, signed; built again when its URL changes. */
export class OwnIdentity {
  private cached: { url: string; key: KeyObject; identity: Identity; jws: string } | null = null;

  constructor(private readonly o: FederationOptions) {}

  current(): { identity: Identity; jws: string } {
    const url = this.o.url;
    // The newest keys, whatever partners hold yet: a new partner pins these.
    const signing = this.o.keys?.current.keys.signing ?? this.o.signingKey;
    const encryption = this.o.keys?.current.keys.encryption ?? this.o.encryptionKey;
    // Built again when the URL or the keys (a rotation) change.
    if (this.cached === null || this.cached.url !== url || this.cached.key !== signing) {
      const identity = buildIdentity(
        this.o.node.party,
        this.o.node.origin,
        url,
        signing,
        encryption,
      );
      this.cached = { url, key: signing, identity, jws: signIdentity(identity, signing) };
    }
    return this.cached;
  }
}

export async function loadPeers(db: Store['db']): Promise<Map<string, Peer>> {
  const peers = new Map<string, Peer>();
  for (const p of await allPeers(db)) peers.set(p.party, peerOfRow(p));
  return peers;
}

/** A peer as pinned in this transaction (a hand-over earlier in it already counts). */
export async function pinnedPeer(q: Store['db'], party: string): Promise<Peer | undefined> {
  const row = await peerRow(q, party);
  return row === undefined ? undefined : peerOfRow(row);
}

function peerOfRow(p: Awaited<ReturnType<typeof allPeers>>[number]): Peer {
  return {
    party: p.party,
    url: p.url,
    origin: p.origin,
    signingKey: ed25519PublicKeyFromRaw(Buffer.from(p.signing_key, 'base64')),
    encryptionKey: x25519PublicKeyFromRaw(Buffer.from(p.encryption_key, 'base64')),
    fingerprint: p.fingerprint,
    ourEpoch: p.our_epoch,
    theirEpoch: p.their_epoch,
    formerSigningKeys: formerKeys(p.former_keys).map((k) =>
      ed25519PublicKeyFromRaw(Buffer.from(k, 'base64')),
    ),
  };
}

/** A peer's former keys as stored (this node's own writing: a JSON array of base64). */
export function formerKeys(json: string): string[] {
  const parsed: unknown = JSON.parse(json);
  return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === 'string') : [];
}

export function peerViews(peers: ReadonlyMap<string, Peer>): PeerView[] {
  return [...peers.values()]
    .sort((a, b) => (a.party < b.party ? -1 : 1))
    .map((p) => ({
      party: p.party,
      url: p.url,
      origin: p.origin,
      fingerprint: p.fingerprint,
      verifierKey: verifierKey(p.origin, rawPublicKey(p.signingKey)),
      epoch: p.theirEpoch,
      holdsOurEpoch: p.ourEpoch,
    }));
}

/** Registers a partner by URL after checking its keys against the fingerprint given out of band. */
export async function addPeer(
  fed: Federation,
  actor: Actor | null,
  url: string,
  expectedFingerprint: string,
): Promise<PeerView> {
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
    const res = await fed.fetch(`${base}/v1/federation/identity`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    jws = await res.text();
  } catch (e) {
    throw new FederationError(
      'peer-unreachable',
      `cannot fetch the identity of ${base}: ${e instanceof Error ? e.message : String(e)}`,
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
  const node = fed.node;
  if (id.party === fed.party)
    throw new RequestInvalid('invalid-request', 'a node does not peer with itself');
  if (!node.world.parties.has(id.party)) {
    throw new RequestInvalid(
      'invalid-request',
      `unknown party '${id.party}' (known: ${[...node.world.parties.keys()].join(', ')})`,
    );
  }
  const fresh: Peer = {
    party: id.party,
    url: base,
    origin: id.origin,
    signingKey: opened.signing,
    encryptionKey: opened.encryption,
    fingerprint: id.fingerprint,
    // It fetched our identity as it is now: it holds our current keys.
    ourEpoch: fed.ownEpoch,
    theirEpoch: 0,
    formerSigningKeys: [],
  };
  let peer = fresh;
  await node.transact(async (u) => {
    // Pinned again (another URL, or new keys confirmed out of band): the keys it had
    // before still verify what it signed with them.
    const before = await pinnedPeer(u.tx, fresh.party);
    if (before !== undefined) {
      const same = rawPublicKey(before.signingKey).equals(rawPublicKey(fresh.signingKey));
      peer = {
        ...fresh,
        theirEpoch: same ? before.theirEpoch : before.theirEpoch + 1,
        formerSigningKeys: same
          ? before.formerSigningKeys
          : [...before.formerSigningKeys, before.signingKey],
      };
    }
    await savePeer(u.tx, {
      party: peer.party,
      url: peer.url,
      origin: peer.origin,
      signing_key: id.signingKey,
      encryption_key: id.encryptionKey,
      fingerprint: peer.fingerprint,
      added_at: u.now,
      our_epoch: peer.ourEpoch,
      their_epoch: peer.theirEpoch,
      former_keys: JSON.stringify(
        peer.formerSigningKeys.map((k) => rawPublicKey(k).toString('base64')),
      ),
    });
    record(u, 'peer.added', actorOf(actor, fed.party), {
      peer: peer.party,
      url: peer.url,
      origin: peer.origin,
      fingerprint: peer.fingerprint,
    });
    u.touch('peers');
    u.afterCommit(() => {
      fed.peers.set(peer.party, peer);
      fed.settleKeys();
      fed.outbox.kick();
    });
  });
  // Send the new peer our signatures of the proposals it is a party to, in the order
  // they were made (an agreement before the changes to it).
  await node.transact(async (u) => {
    const proposals = (await allProposals(u.tx)).sort((a, b) => a.createdAt - b.createdAt);
    for (const p of proposals) {
      if (!p.parties.includes(peer.party) || p.signatures[fed.party] === undefined) continue;
      // Every signature held, with the signatories' keys (docs/wire.md §9).
      const out = await outgoingProposal(fed, u, p.id);
      if (out !== undefined) await fed.enqueue(u, peer.party, 'proposal.signature', out);
    }
  });
  const view = peerViews(fed.peers).find((p) => p.party === peer.party);
  if (view === undefined) throw new Unavailable('internal', 'the peer vanished');
  return view;
}
