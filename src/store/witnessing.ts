// Witnessing by default (docs/wire.md §10): what a witness holds of its partners' logs
// (their latest checkpoint it cosigned, the alarms it raised) and what this node holds
// of partners' cosignatures of its own log.
import type { Kysely, Selectable } from 'kysely';
import type { Database, PeerCheckpointTable, WitnessAlarmTable } from './schema.js';

type Q = Kysely<Database>;

export type WitnessAlarmRow = Selectable<WitnessAlarmTable>;

/** The largest checkpoint of a peer this node has seen and cosigned, if any. */
export function latestPeerCheckpoint(
  q: Q,
  peer: string,
): Promise<Selectable<PeerCheckpointTable> | undefined> {
  return q
    .selectFrom('peer_checkpoints')
    .selectAll()
    .where('peer', '=', peer)
    .orderBy('size', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The latest checkpoint of each peer this node has cosigned, by peer. */
export async function latestPeerCheckpoints(
  q: Q,
): Promise<{ peer: string; size: number; root: Uint8Array; seen_at: number }[]> {
  const latest = await q
    .selectFrom('peer_checkpoints')
    .select('peer')
    .select((eb) => eb.fn.max<number>('size').as('size'))
    .groupBy('peer')
    .orderBy('peer')
    .execute();
  const out: { peer: string; size: number; root: Uint8Array; seen_at: number }[] = [];
  for (const l of latest) {
    const row = await q
      .selectFrom('peer_checkpoints')
      .select(['peer', 'size', 'root', 'seen_at'])
      .where('peer', '=', l.peer)
      .where('size', '=', Number(l.size))
      .executeTakeFirst();
    if (row !== undefined) out.push(row);
  }
  return out;
}

/** Whether this checkpoint of a peer (size and root) raised an alarm before. */
export async function alarmRaised(
  q: Q,
  peer: string,
  size: number,
  root: Uint8Array,
): Promise<boolean> {
  const row = await q
    .selectFrom('witness_alarms')
    .select('peer')
    .where('peer', '=', peer)
    .where('size', '=', size)
    .where('root', '=', root)
    .executeTakeFirst();
  return row !== undefined;
}

export async function insertWitnessAlarm(q: Q, row: WitnessAlarmRow): Promise<void> {
  await q.insertInto('witness_alarms').values(row).execute();
}

/** The newest alarms, newest first. */
export function witnessAlarms(q: Q, limit: number): Promise<WitnessAlarmRow[]> {
  return q.selectFrom('witness_alarms').selectAll().orderBy('at', 'desc').limit(limit).execute();
}

/** How many alarms were raised, by peer and kind. */
export async function witnessAlarmCounts(
  q: Q,
): Promise<{ peer: string; kind: string; count: number }[]> {
  const rows = await q
    .selectFrom('witness_alarms')
    .select(['peer', 'kind'])
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .groupBy(['peer', 'kind'])
    .execute();
  return rows.map((r) => ({ peer: r.peer, kind: r.kind, count: Number(r.count) }));
}

/** The largest size of this node's log each witness cosigned, and when that arrived. */
export async function latestCosignatures(
  q: Q,
): Promise<{ witness: string; size: number; at: number }[]> {
  const latest = await q
    .selectFrom('cosignatures')
    .select('witness')
    .select((eb) => eb.fn.max<number>('size').as('size'))
    .groupBy('witness')
    .orderBy('witness')
    .execute();
  const out: { witness: string; size: number; at: number }[] = [];
  for (const l of latest) {
    const row = await q
      .selectFrom('cosignatures')
      .select(['witness', 'size', 'at'])
      .where('witness', '=', l.witness)
      .where('size', '=', Number(l.size))
      .executeTakeFirst();
    if (row !== undefined) out.push(row);
  }
  return out;
}

/** Every cosignature of this node's checkpoints partners sent, by size. */
export function allCosignatures(
  q: Q,
): Promise<{ size: number; witness: string; line: string; at: number }[]> {
  return q.selectFrom('cosignatures').selectAll().orderBy('size').orderBy('witness').execute();
}

/** The largest size of this node's log `witness` cosigned, if any. */
export async function latestCosignedSize(q: Q, witness: string): Promise<number | undefined> {
  const row = await q
    .selectFrom('cosignatures')
    .select((eb) => eb.fn.max<number>('size').as('size'))
    .where('witness', '=', witness)
    .executeTakeFirst();
  return row?.size === undefined || row.size === null ? undefined : Number(row.size);
}
