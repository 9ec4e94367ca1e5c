// The node's rotated keys (epoch ≥ 1; keys.json holds epoch 0), and what each peer
// knows of a rotation: ours it accepted, and its own we hold (docs/decisions.md #155).
import type { Kysely, Selectable } from 'kysely';
import type { Database, NodeKeyTable } from './schema.js';

type Q = Kysely<Database>;

export type NodeKeyRow = Selectable<NodeKeyTable>;

export function allNodeKeys(q: Q): Promise<NodeKeyRow[]> {
  return q.selectFrom('node_keys').selectAll().orderBy('epoch').execute();
}

export async function insertNodeKeys(q: Q, row: NodeKeyRow): Promise<void> {
  await q.insertInto('node_keys').values(row).execute();
}

/** The peer accepted our keys of `epoch` (never goes back). */
export async function setOurEpoch(q: Q, party: string, epoch: number): Promise<void> {
  await q
    .updateTable('peers')
    .set({ our_epoch: epoch })
    .where('party', '=', party)
    .where('our_epoch', '<', epoch)
    .execute();
}

/** The peer's keys of `epoch`, as it handed them over; the one before joins its former keys. */
export async function rotatePeerKeys(
  q: Q,
  p: {
    readonly party: string;
    readonly epoch: number;
    readonly signingKey: string;
    readonly encryptionKey: string;
    readonly fingerprint: string;
    readonly formerKeys: readonly string[];
  },
): Promise<void> {
  await q
    .updateTable('peers')
    .set({
      their_epoch: p.epoch,
      signing_key: p.signingKey,
      encryption_key: p.encryptionKey,
      fingerprint: p.fingerprint,
      former_keys: JSON.stringify(p.formerKeys),
    })
    .where('party', '=', p.party)
    .execute();
}
