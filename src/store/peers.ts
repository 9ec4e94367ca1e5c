// Peers: the partner nodes this node has pinned (party, URL, log origin, public keys).
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, PeerTable } from './schema.js';

type Q = Kysely<Database>;

type PeerRow = Selectable<PeerTable>;

export function allPeers(q: Q): Promise<PeerRow[]> {
  return q.selectFrom('peers').selectAll().execute();
}

/** Pins a peer, replacing any earlier peer of its party. */
export async function savePeer(q: Q, row: Insertable<PeerTable>): Promise<void> {
  await q.deleteFrom('peers').where('party', '=', row.party).execute();
  await q.insertInto('peers').values(row).execute();
}

/** One peer's row, as this transaction sees it. */
export function peerRow(q: Q, party: string): Promise<PeerRow | undefined> {
  return q.selectFrom('peers').selectAll().where('party', '=', party).executeTakeFirst();
}
