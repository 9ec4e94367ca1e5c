// The transparency log's storage: sealed entries (index, leaf hash, canonical JSON)
// and the checkpoints signed over them. Entries are only ever appended.
import type { Kysely, Selectable } from 'kysely';
import type { CheckpointTable, Database } from './schema.js';

type Q = Kysely<Database>;

export type CheckpointRow = Selectable<CheckpointTable>;

export interface EntryRow {
  readonly index: number;
  readonly leafHash: Uint8Array;
  /** The entry's canonical JSON. */
  readonly data: string;
}

const INSERT_CHUNK = 500;

export async function appendEntries(
  q: Q,
  entries: readonly { readonly index: number; readonly leaf: Uint8Array; readonly data: string }[],
  at: number,
): Promise<void> {
  for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
    await q
      .insertInto('log_entries')
      .values(
        entries.slice(i, i + INSERT_CHUNK).map((p) => ({
          idx: p.index,
          leaf_hash: p.leaf,
          data: p.data,
          at,
        })),
      )
      .execute();
  }
}

/** Entries from index `start` on, at most `limit`, by index. */
export async function entriesFrom(q: Q, start: number, limit: number): Promise<EntryRow[]> {
  const rows = await q
    .selectFrom('log_entries')
    .select(['idx', 'leaf_hash', 'data'])
    .where('idx', '>=', start)
    .orderBy('idx')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ index: r.idx, leafHash: r.leaf_hash, data: r.data }));
}

/**
 * Entries in stored order, by position rather than by index, so that an auditor sees
 * gaps and duplicates as they are.
 */
export async function* entriesAsStored(q: Q, page = 20_000): AsyncGenerator<EntryRow> {
  for (let offset = 0; ; offset += page) {
    const rows = await q
      .selectFrom('log_entries')
      .select(['idx', 'leaf_hash', 'data'])
      .orderBy('idx')
      .limit(page)
      .offset(offset)
      .execute();
    for (const r of rows) yield { index: r.idx, leafHash: r.leaf_hash, data: r.data };
    if (rows.length < page) return;
  }
}

/** How many entries the log holds (its entries are 0 … size−1). */
export async function logSize(q: Q): Promise<number> {
  const r = await q
    .selectFrom('log_entries')
    .select((eb) => eb.fn.max('idx').as('last'))
    .executeTakeFirst();
  return r?.last == null ? 0 : Number(r.last) + 1;
}

/** The leaf hashes of entries from … to−1, by index. */
export async function leafHashRange(q: Q, from: number, to: number): Promise<Uint8Array[]> {
  if (to <= from) return [];
  const rows = await q
    .selectFrom('log_entries')
    .select(['leaf_hash'])
    .where('idx', '>=', from)
    .where('idx', '<', to)
    .orderBy('idx')
    .execute();
  return rows.map((r) => r.leaf_hash);
}

/** The leaf hashes of every entry from index `from` on, by index, a page at a time. */
export async function* leafHashes(q: Q, from = 0, page = 50_000): AsyncGenerator<Uint8Array> {
  for (let start = from; ; start += page) {
    const rows = await q
      .selectFrom('log_entries')
      .select(['idx', 'leaf_hash'])
      .where('idx', '>=', start)
      .orderBy('idx')
      .limit(page)
      .execute();
    for (const r of rows) yield r.leaf_hash;
    if (rows.length < page) return;
  }
}

export async function entryAt(q: Q, index: number): Promise<string | undefined> {
  const row = await q
    .selectFrom('log_entries')
    .select(['data'])
    .where('idx', '=', index)
    .executeTakeFirst();
  return row?.data;
}

/**
 * The newest `limit` entries whose canonical JSON names `item` as a subject's item,
 * newest first.
 */
export async function entriesNamingItem(
  q: Q,
  item: string,
  limit: number,
): Promise<{ index: number; data: string }[]> {
  const rows = await q
    .selectFrom('log_entries')
    .select(['idx', 'data'])
    .where('data', 'like', `%"item":${JSON.stringify(item).replace(/[%_\\]/g, '\\$&')}%`)
    .orderBy('idx', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ index: r.idx, data: r.data }));
}

export async function insertCheckpoint(q: Q, cp: CheckpointRow): Promise<void> {
  await q.insertInto('checkpoints').values(cp).execute();
}

export function latestCheckpoint(q: Q): Promise<CheckpointRow | undefined> {
  return q
    .selectFrom('checkpoints')
    .selectAll()
    .orderBy('size', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export function checkpointOfSize(q: Q, size: number): Promise<CheckpointRow | undefined> {
  return q.selectFrom('checkpoints').selectAll().where('size', '=', size).executeTakeFirst();
}

/** Every checkpoint this node signed, by size. */
export function checkpoints(q: Q): Promise<CheckpointRow[]> {
  return q.selectFrom('checkpoints').selectAll().orderBy('size').execute();
}

/** The cosignature lines partners sent for checkpoints of these sizes, by witness. */
export async function cosignaturesOfSizes(
  q: Q,
  sizes: readonly number[],
): Promise<{ size: number; witness: string; line: string }[]> {
  const out: { size: number; witness: string; line: string }[] = [];
  for (let i = 0; i < sizes.length; i += 500) {
    const rows = await q
      .selectFrom('cosignatures')
      .select(['size', 'witness', 'line'])
      .where('size', 'in', sizes.slice(i, i + 500))
      .orderBy('witness')
      .execute();
    out.push(...rows);
  }
  return out;
}
