// Rotation of this node's own keys (Ed25519 signing, X25519 encryption), and taking a
// partner's. A rotation is one unit: the new keys sealed under the passphrase into the
// store (every instance opens them), the hand-over (signed by the old key and the new)
// in the log, and a `node.keys` message to every peer. Towards each peer the node
// keeps signing with the keys it has accepted until its receipt for the hand-over comes
// back; the old encryption keys still open what peers sealed to them
// (docs/decisions.md #155, docs/wire.md §2.1).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { formatInstant } from '../core/index.js';
import { rawX25519 } from '../crypto/jose.js';
import { generateNodeKeys, type KeyRing } from '../crypto/keys.js';
import { checkHandover, isSignedHandover, signHandover } from '../log/handover.js';
import { NoteError, rawPublicKey, verifierKey } from '../log/note.js';
import { openForItem, sealForItem } from '../node/at-rest.js';
import { RequestInvalid } from '../node/errors.js';
import { actorOf, record } from '../node/events.js';
import type { Actor } from '../node/roles.js';
import type { Unit } from '../node/service.js';
import type { Store } from '../store/db.js';
import { allNodeKeys, insertNodeKeys, rotatePeerKeys, setOurEpoch } from '../store/node-keys.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { type Arrival, accepted, type Outcome } from './handlers/arrival.js';
import { buildIdentity, IdentityError, openIdentity, signIdentity } from './identity.js';
import type { Draft } from './messages.js';
import { pinnedPeer } from './peers.js';

export interface RotationView {
  /** The new keys' epoch (keys.json's are 0). */
  readonly epoch: number;
  readonly fingerprint: string;
  readonly verifierKey: string;
  /** The verifier key handed over from. */
  readonly previousVerifierKey: string;
  /** The peers told, each by a `node.keys` message in its outbox. */
  readonly peers: readonly string[];
  readonly logIndex: number;
}

/**
 * The rotated keys' private halves are sealed like item content, under a data key the
 * node key wraps (`NODE_KEYS`): as strong as the passphrase's scrypt, re-wrapped by
 * every node-key rotation and passphrase change with the rest (decision #155).
 */
const NODE_KEYS = '.node-keys';
const aadOf = (epoch: number, which: 'signing' | 'encryption') => `node-keys/${epoch}/${which}`;

async function sealPrivate(
  q: Unit['tx'],
  epoch: number,
  which: 'signing' | 'encryption',
  key: KeyObject,
): Promise<string> {
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return (await sealForItem(q, NODE_KEYS, der, aadOf(epoch, which))).toString('base64');
}

async function openPrivate(
  q: Store['db'],
  epoch: number,
  which: 'signing' | 'encryption',
  sealed: string,
): Promise<KeyObject> {
  const der = await openForItem(q, NODE_KEYS, Buffer.from(sealed, 'base64'), aadOf(epoch, which));
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

/** Opens the rotated keys in the store into the ring (at start, and after another instance rotated). */
export async function loadRotatedKeys(ring: KeyRing, db: Store['db']): Promise<void> {
  for (const row of await allNodeKeys(db)) {
    if (ring.has(row.epoch)) continue;
    ring.add({
      epoch: row.epoch,
      keys: {
        signing: await openPrivate(db, row.epoch, 'signing', row.signing_private),
        encryption: await openPrivate(db, row.epoch, 'encryption', row.encryption_private),
      },
    });
  }
}

/** Rotates this node's keys: new keys, the hand-over logged, every peer told. */
export async function rotateKeys(fed: Federation, actor: Actor): Promise<RotationView> {
  const ring = fed.options.keys;
  if (ring === undefined)
    throw new RequestInvalid('invalid-request', 'this node was started without a key ring');
  const next = generateNodeKeys();
  const node = fed.node;
  return node.transact(async (u) => {
    // Another instance may have rotated a moment ago: hand over from the newest keys.
    await loadRotatedKeys(ring, u.tx);
    const prev = ring.current;
    const epoch = prev.epoch + 1;
    const identity = buildIdentity(
      fed.party,
      node.origin,
      fed.options.url,
      next.signing,
      next.encryption,
    );
    const signed = signHandover(
      {
        v: 1,
        party: fed.party,
        origin: node.origin,
        epoch,
        from: verifierKey(node.origin, rawPublicKey(prev.keys.signing)),
        to: verifierKey(node.origin, rawPublicKey(next.signing)),
        encryptionKey: rawX25519(next.encryption).toString('base64'),
        fingerprint: identity.fingerprint,
        at: formatInstant(u.now),
      },
      prev.keys.signing,
      next.signing,
    );
    await insertNodeKeys(u.tx, {
      epoch,
      signing_private: await sealPrivate(u.tx, epoch, 'signing', next.signing),
      encryption_private: await sealPrivate(u.tx, epoch, 'encryption', next.encryption),
      handover: JSON.stringify(signed),
      created_at: u.now,
    });
    const logIndex = record(u, 'node.keys-rotated', actorOf(actor, fed.party), signed);
    const told: string[] = [];
    const jws = signIdentity(identity, next.signing);
    for (const party of [...fed.peers.keys()].sort()) {
      await fed.enqueue(u, party, 'node.keys', { handover: signed, identity: jws });
      told.push(party);
    }
    u.touch('keys');
    u.afterCommit(() => {
      ring.add({ epoch, keys: next });
      fed.settleKeys();
    });
    return {
      epoch,
      fingerprint: identity.fingerprint,
      verifierKey: signed.handover.to,
      previousVerifierKey: signed.handover.from,
      peers: told,
      logIndex,
    };
  });
}

/**
 * A peer accepted our `node.keys` (its receipt verified): from now on we sign towards
 * it with those keys. Called in the unit that settles the delivery.
 */
export async function keysAccepted(
  fed: Federation,
  u: Unit,
  party: string,
  draft: Draft,
): Promise<void> {
  if (draft.type !== 'node.keys' || !isSignedHandover(draft.body.handover)) return;
  const epoch = draft.body.handover.handover.epoch;
  await setOurEpoch(u.tx, party, epoch);
  u.touch('peers');
  u.afterCommit(() => {
    const peer = fed.peers.get(party);
    if (peer !== undefined && peer.ourEpoch < epoch)
      fed.peers.set(party, { ...peer, ourEpoch: epoch });
    fed.settleKeys();
  });
}

/**
 * A peer hands its keys over: the hand-over must be from the key pinned here, signed by
 * it and by the new key, for the peer's own party and origin, with a self-signed new
 * identity of that fingerprint. The old key joins the peer's former keys (its past
 * signatures still verify); from now on only the new one authenticates its requests.
 */
export async function receiveKeys({ fed, u, m }: Arrival<'node.keys'>): Promise<Outcome> {
  // As pinned in this unit: a hand-over earlier in the same batch already counts.
  const peer = await pinnedPeer(u.tx, m.from);
  if (peer === undefined) throw new FederationError('unknown-peer', `no peer '${m.from}'`);
  if (!isSignedHandover(m.body.handover))
    throw new FederationError('malformed-message', `${m.from}'s key hand-over is malformed`);
  const held = verifierKey(peer.origin, rawPublicKey(peer.signingKey));
  let to: ReturnType<typeof checkHandover>;
  let opened: ReturnType<typeof openIdentity>;
  try {
    to = checkHandover(m.body.handover, held);
    opened = openIdentity(m.body.identity, to.handover.fingerprint);
  } catch (e) {
    if (e instanceof NoteError || e instanceof IdentityError)
      throw new FederationError('bad-signature', `${m.from}'s key hand-over: ${e.message}`);
    throw e;
  }
  const h = to.handover;
  if (h.party !== m.from || h.origin !== peer.origin)
    throw new FederationError(
      'malformed-message',
      `the key hand-over is for ${h.party} (${h.origin}), not for ${m.from} (${peer.origin})`,
    );
  if (opened.identity.party !== m.from || opened.identity.origin !== peer.origin)
    throw new FederationError('malformed-message', 'the new identity is for another party');
  const newRaw = rawPublicKey(opened.signing);
  if (!newRaw.equals(rawPublicKey(to.key)) || opened.identity.encryptionKey !== h.encryptionKey)
    throw new FederationError(
      'bad-signature',
      'the new identity does not hold the keys the hand-over names',
    );
  if (h.epoch <= peer.theirEpoch)
    throw new FederationError(
      'malformed-message',
      `the hand-over is for epoch ${h.epoch}; ${m.from}'s keys of epoch ${peer.theirEpoch} are pinned`,
    );
  const formerKeys = [
    ...peer.formerSigningKeys.map((k) => rawPublicKey(k).toString('base64')),
    rawPublicKey(peer.signingKey).toString('base64'),
  ];
  await rotatePeerKeys(u.tx, {
    party: m.from,
    epoch: h.epoch,
    signingKey: newRaw.toString('base64'),
    encryptionKey: h.encryptionKey,
    fingerprint: h.fingerprint,
    formerKeys,
  });
  const i = record(
    u,
    'peer.keys-rotated',
    { user: null, party: m.from },
    { peer: m.from, epoch: h.epoch, from: h.from, to: h.to, fingerprint: h.fingerprint },
  );
  u.touch('peers');
  u.afterCommit(() => {
    fed.peers.set(m.from, {
      ...peer,
      signingKey: opened.signing,
      encryptionKey: opened.encryption,
      fingerprint: h.fingerprint,
      theirEpoch: h.epoch,
      formerSigningKeys: [...peer.formerSigningKeys, peer.signingKey],
    });
  });
  return accepted(i, `${m.from}'s keys of epoch ${h.epoch} pinned (${h.fingerprint})`);
}
