// Encryption at rest, the node's side (docs/decisions.md, "Encryption at rest"):
// rotating the node key, and sealing other content (attachments) under a data key.
// The store seals item titles and bodies, outbox payloads, alerts, alert events and
// change-feed effects itself (src/store/content-keys.ts); the keys are opened when the
// store is opened with the passphrase (openStore, at node init and node start).
import { open, seal } from '../crypto/at-rest.js';
import { rewrapKekUnderPassphrase, rotateKek } from '../store/at-rest-keys.js';
import { dataKeys } from '../store/content-keys.js';
import { openStore, type Store } from '../store/db.js';
import { Unavailable } from './errors.js';
import { actorOf, record } from './events.js';
import { type Actor, requireRole } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';

export interface DataKeyRotation {
  /** The node key replaced (gone from the store) and the one that replaces it. */
  readonly previous: string;
  readonly next: string;
  /** Data keys re-wrapped; no content was re-encrypted. */
  readonly keys: number;
}

/**
 * Rotates the node key (admin): a new one, every data key re-wrapped under it in one
 * unit with its log entry (`node.data-key-rotated`), the old one deleted. Content
 * stays as it was sealed. Other instances read the new key when they next meet a data
 * key it wrapped, or before they make one (src/store/content-keys.ts `dataKeys`).
 */
export async function rotateDataKey(node: LiaisonNode, actor: Actor): Promise<DataKeyRotation> {
  requireRole(actor, ['admin']);
  const r = await node.transact(async (u) => {
    const r = await rotateKek(u.tx);
    record(u, 'node.data-key-rotated', actorOf(actor, node.party), r);
    return r;
  });
  // Committed: this process takes the new key (not before, should the unit roll back).
  await node.store.content.reloadKek(node.store.db);
  return r;
}

/**
 * Wraps the node key of the store at `target` under a new passphrase (`liaison node
 * passphrase`, before keys.json is replaced): a wrong current passphrase changes
 * nothing. Running instances keep the key they opened; those started from now need
 * the new passphrase. A store with no node key yet gets one at its next start.
 */
export async function changeDataKeyPassphrase(
  target: string,
  current: string,
  next: string,
): Promise<boolean> {
  const store = await openStore(target);
  try {
    return await rewrapKekUnderPassphrase(store.db, current, next);
  } finally {
    await store.close();
  }
}

type Q = Store['db'] | Unit['tx'];

async function keyOf(q: Q, owner: string, create: boolean): Promise<Buffer> {
  const k = (await dataKeys(q, [owner], create)).get(owner);
  if (k === undefined) throw new Unavailable('internal', `no data key for ${owner}`);
  return k;
}

/**
 * For attachments (and any other bytes of an item's content kept in the store):
 * seals `bytes` under the data key of `owner`, made if it has none, with `aad` bound.
 * `owner` is an item id (the key that seals its title and body), or a name of the
 * caller's own that no item id can take, such as `blob:<id>` for a content-addressed
 * blob shared by items; the key is wrapped by the node key and re-wrapped by every
 * rotation like the others. `aad` names what the bytes are, so that they open nowhere
 * else: e.g. `attachment/<blob id>/chunk/<seq>`. The result (1 + 12 + n + 16 bytes,
 * format in src/crypto/at-rest.ts) goes in a bytes column as it is. Pass the unit's
 * `u.tx` inside a unit, else `node.store.db`. A chunk of 1 MiB costs about 1 ms.
 */
export async function sealForItem(
  q: Q,
  owner: string,
  bytes: Uint8Array,
  aad: string,
): Promise<Buffer> {
  return seal(await keyOf(q, owner, true), bytes, `liaison/content/${owner}/${aad}`);
}

/** Opens what `sealForItem` sealed for the same owner and aad; anything else is an AtRestError. */
export async function openForItem(
  q: Q,
  owner: string,
  sealed: Uint8Array,
  aad: string,
): Promise<Buffer> {
  return open(
    await keyOf(q, owner, false),
    sealed,
    `liaison/content/${owner}/${aad}`,
    `content of ${owner}`,
  );
}
