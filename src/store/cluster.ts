// Several instances of one node on one PostgreSQL database (docs/deploy.md):
// - writes take one transaction-scoped advisory lock, so the whole node has one
//   order (the log's, and the change feed's);
// - each batch that changes the World or a cache leaves a row in `node_changes`,
//   which the other instances apply in id order (ids are taken under the lock, so
//   they become visible in order, with gaps only where a batch rolled back);
// - leases give one instance at a time a job (a peer's delivery lane, a timer).
// On SQLite there is one process: the lock is the database's own.
import { type Kysely, sql } from 'kysely';
import { openRecord, sealRecord } from './content-keys.js';
import type { Dialect } from './migrations.js';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

/** The advisory lock's key: "LIAIS" in ASCII (it must fit in 2^53), one per database. */
const WRITE_LOCK = 0x4c_4941_4953;

/** Takes the node's write lock until the transaction ends (PostgreSQL; SQLite needs none). */
export async function lockWrites(tx: Q, dialect: Dialect): Promise<void> {
  if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(tx);
}

export interface ChangeRow {
  readonly id: number;
  readonly effects: string;
  readonly tags: string;
  readonly instance: string;
}

export async function insertChange(
  tx: Q,
  c: { effects: string; tags: string; instance: string; at: number },
): Promise<number> {
  // Effects carry items' titles: sealed at rest, the AAD naming the writer and instant.
  const effects = await sealRecord(tx, c.effects, `node_changes/${c.instance}/${c.at}`);
  const r = await tx
    .insertInto('node_changes')
    .values({ ...c, effects })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

/** Changes after `id`, in order, at most `limit`. */
export async function changesAfter(q: Q, id: number, limit: number): Promise<ChangeRow[]> {
  const rows = await q
    .selectFrom('node_changes')
    .select(['id', 'effects', 'tags', 'instance', 'at'])
    .where('id', '>', id)
    .orderBy('id')
    .limit(limit)
    .execute();
  const out: ChangeRow[] = [];
  for (const r of rows)
    out.push({
      id: r.id,
      tags: r.tags,
      instance: r.instance,
      effects: await openRecord(q, r.effects, `node_changes/${r.instance}/${r.at}`),
    });
  return out;
}

/** The newest change's id (0 for none) and the oldest one kept (null for none). */
export async function changeRange(q: Q): Promise<{ last: number; first: number | null }> {
  const r = await q
    .selectFrom('node_changes')
    .select((eb) => [eb.fn.max('id').as('last'), eb.fn.min('id').as('first')])
    .executeTakeFirst();
  return { last: Number(r?.last ?? 0), first: r?.first == null ? null : Number(r.first) };
}

/**
 * In one round trip, what a catching-up instance compares with what it knows: the
 * log's size, the newest change's id (0 for none) and the largest checkpoint's size
 * (0 for none). Only what moved is then read in full.
 */
export async function feedHeads(
  q: Q,
): Promise<{ logSize: number; lastChange: number; checkpointSize: number }> {
  const r = await sql<{ idx: string | null; change: string | null; cp: string | null }>`
    select (select max(idx) from log_entries) as idx,
           (select max(id) from node_changes) as change,
           (select max(size) from checkpoints) as cp`.execute(q);
  const row = r.rows[0];
  return {
    logSize: row?.idx == null ? 0 : Number(row.idx) + 1,
    lastChange: Number(row?.change ?? 0),
    checkpointSize: Number(row?.cp ?? 0),
  };
}

/** Forgets changes committed before `at` (an instance that falls that far behind reloads). */
export async function pruneChanges(tx: Q, at: number): Promise<void> {
  await tx.deleteFrom('node_changes').where('at', '<', at).execute();
}

/**
 * Takes or renews lease `name` for `holder` until `now + ttlMs`, if it is free,
 * expired, or already this holder's. Returns whether `holder` holds it now.
 */
export async function acquireLease(
  q: Q,
  name: string,
  holder: string,
  now: number,
  ttlMs: number,
): Promise<boolean> {
  const expires = now + ttlMs;
  const r = await q
    .insertInto('leases')
    .values({ name, holder, expires_at: expires })
    .onConflict((oc) =>
      oc
        .column('name')
        .doUpdateSet({ holder, expires_at: expires })
        .where((eb) =>
          eb.or([eb('leases.holder', '=', holder), eb('leases.expires_at', '<=', now)]),
        ),
    )
    .returning('holder')
    .executeTakeFirst();
  return r?.holder === holder;
}

/** Gives lease `name` up, if `holder` holds it. */
export async function releaseLease(q: Q, name: string, holder: string): Promise<void> {
  await q.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
}

/** Who holds which lease now (for /metrics and the tests). */
export async function leaseHolders(
  q: Q,
  now: number,
): Promise<{ name: string; holder: string; expiresAt: number }[]> {
  const rows = await q
    .selectFrom('leases')
    .select(['name', 'holder', 'expires_at'])
    .where('expires_at', '>', now)
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ name: r.name, holder: r.holder, expiresAt: r.expires_at }));
}
