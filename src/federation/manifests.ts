// The originator's word, checked on arrival: an item's signed manifest (with the
// originator's key, whoever relayed it), the item as the sender describes it against
// the manifest, its content against the manifest's hash, and a reclassification's new
// version against the version held. Each refusal has its own code (docs/wire.md §11).
import type { KeyObject } from 'node:crypto';
import type { ItemRecord } from '../core/index.js';
import {
  contentHash,
  type Manifest,
  ManifestError,
  manifestOf,
  openManifest,
} from '../node/manifest.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import type { ItemPayload } from './messages.js';

/**
 * The keys this node holds for a party: its own; the peer's pinned key; else the keys
 * bound for that party in agreements both this node's party and it are parties to
 * (learnt through a hub, docs/wire.md §9). A pinned key always wins: once peered, a
 * key learnt through the hub is no longer used.
 */
export function partyKeys(
  fed: Federation,
  party: string,
  made: 'past' | 'now' = 'past',
): KeyObject[] {
  // With every key the party had: a manifest or consent signed before a rotation stays
  // its word. What it signs now (a relayed message) only with its current key or the
  // one just before: a retired key, leaked, forges nothing new (decision #156).
  if (party === fed.party) return fed.ownSigningKeys();
  const peer = fed.peers.get(party);
  if (peer !== undefined)
    return made === 'now'
      ? (fed.messageKeysOf(party) ?? [])
      : [peer.signingKey, ...peer.formerSigningKeys];
  return fed.agreementKeys.keysOf(fed.node.world, fed.party, party);
}

/** Opens a manifest with the originator's key; a ManifestError becomes the wire's refusal. */
export function verifiedManifest(fed: Federation, jws: string): Manifest {
  try {
    return openManifest(jws, (p) => partyKeys(fed, p));
  } catch (e) {
    if (e instanceof ManifestError)
      throw new FederationError(
        e.code === 'malformed-manifest' ? 'malformed-message' : e.code,
        e.message,
      );
    throw e;
  }
}

const sameList = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * An arriving item against its originator's manifest: signed by the originator, about
 * this item, describing it as the sender does, with the content it hashes.
 */
export function checkItemAgainstManifest(fed: Federation, it: ItemPayload): Manifest {
  const m = verifiedManifest(fed, it.manifest);
  if (m.item !== it.id || m.originator !== it.originator)
    throw new FederationError(
      'manifest-mismatch',
      `the manifest is ${m.originator}'s for ${m.item}, not for ${it.originator}'s ${it.id}`,
    );
  if (m.marking !== it.marking)
    throw new FederationError(
      'marking-mismatch',
      `the sender says ${it.originator} marks ${it.id} ${it.marking}; ${it.originator}'s signed manifest (version ${m.version}) says ${m.marking}`,
    );
  const differs: string[] = [];
  if (!sameList(m.categories, it.categories)) differs.push('categories');
  if (!sameList(m.releasableTo, it.releasableTo)) differs.push('releasableTo');
  if (m.precedence !== (it.precedence ?? 'ROUTINE')) differs.push('precedence');
  if (differs.length > 0)
    throw new FederationError(
      'manifest-mismatch',
      `the item's ${differs.join(', ')} differ from ${it.originator}'s signed manifest`,
    );
  const hash = contentHash({
    title: it.title,
    body: it.body,
    ...(it.alert === undefined ? {} : { alert: it.alert }),
    attachments: it.attachments ?? [],
  });
  if (hash !== m.contentHash)
    throw new FederationError(
      'content-mismatch',
      `the content of ${it.id} is not what ${it.originator} signed (its SHA-256 differs from the manifest's)`,
    );
  return m;
}

/**
 * A reclassification's manifest: the next version of an item held here, signed by its
 * originator, with the same content and description as the version held; an older
 * version never overrides a newer one.
 */
export function checkNextVersion(
  fed: Federation,
  jws: string,
  item: ItemRecord,
  heldManifest: string | null,
): Manifest {
  const m = verifiedManifest(fed, jws);
  if (m.item !== item.id || m.originator !== item.originator.id)
    throw new FederationError(
      'manifest-mismatch',
      `the manifest is ${m.originator}'s for ${m.item}, not for ${item.originator.id}'s ${item.id}`,
    );
  if (m.version <= item.version)
    throw new FederationError(
      'stale-manifest',
      `version ${m.version} of ${item.id} is not newer than version ${item.version}, held here: an older version never overrides a newer one`,
    );
  const held = heldManifest === null ? null : manifestOf(heldManifest);
  if (held !== null) {
    const differs: string[] = [];
    if (held.contentHash !== m.contentHash) differs.push('content');
    if (!sameList(held.categories, m.categories)) differs.push('categories');
    if (!sameList(held.releasableTo, m.releasableTo)) differs.push('releasableTo');
    if (held.precedence !== m.precedence) differs.push('precedence');
    if (held.createdAt !== m.createdAt) differs.push('createdAt');
    if (differs.length > 0)
      throw new FederationError(
        differs.includes('content') ? 'content-mismatch' : 'manifest-mismatch',
        `a reclassification changes only the marking; version ${m.version} of ${item.id} also changes its ${differs.join(', ')}`,
      );
  }
  return m;
}
