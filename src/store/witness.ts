// Witnessing: the checkpoints of peers this node has seen and checked, the cosignatures
// peers sent of this node's checkpoints, and the nonces of signed requests received
// (kept until they expire, so that a request is not accepted twice).
import type { Kysely, Selectable } from 'kysely';
import type { CosignatureTable, Database, PeerCheckpointTable } from './schema.js';

type Q = Kysely<Database>;

type PeerCheckpointRow = Selectable<PeerCheckpointTable>;
type CosignatureRow = Selectable<CosignatureTable>;

/** The checkpoints of a peer seen here, by size. */
export function peerCheckpoints(q: Q, peer: string): Promise<PeerCheckpointRow[]> {
  return q
    .selectFrom('peer_checkpoints')
    .selectAll()
    .where('peer', '=', peer)
    .orderBy('size')
    .execute();
}

export async function insertPeerCheckpoint(q: Q, row: PeerCheckpointRow): Promise<void> {
  await q.insertInto('peer_checkpoints').values(row).execute();
}

/** Stores a witness's cosignature of one of our checkpoints, replacing its earlier one. */
export async function saveCosignature(q: Q, row: CosignatureRow): Promise<void> {
  await q
    .deleteFrom('cosignatures')
    .where('size', '=', row.size)
    .where('witness', '=', row.witness)
    .execute();
  await q.insertInto('cosignatures').values(row).execute();
}

/** The nonces still valid at `now`, with when they expire. */
export function liveNonces(q: Q, now: number): Promise<{ nonce: string; expires_at: number }[]> {
  return q.selectFrom('seen_nonces').selectAll().where('expires_at', '>', now).execute();
}

/**
 * Stores a nonce of a signed request (a POST's with its batch, a signed GET's before it
 * is answered). A row left by an expired request of the same nonce, not yet purged,
 * is replaced: that request could not be accepted again anyway (it is stale).
 */
/** Stores a request's nonce; false if it was stored already (a replayed request). */
export async function insertNonce(q: Q, nonce: string, expiresAt: number): Promise<boolean> {
  const r = await q
    .insertInto('seen_nonces')
    .values({ nonce, expires_at: expiresAt })
    .onConflict((oc) => oc.column('nonce').doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Forgets the nonces expired before `now`: a request that carried one is stale anyway. */
export async function purgeNonces(q: Q, now: number): Promise<void> {
  await q.deleteFrom('seen_nonces').where('expires_at', '<', now).execute();
}
