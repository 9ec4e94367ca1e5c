// Attachments' rows: blobs (a file's bytes in chunks, found by SHA-256 once complete),
// uploads (who may name a hash in an item) and each item's list of files. The node
// streams through these a chunk at a time (src/node/attachments.ts).
import type { Kysely, Selectable } from 'kysely';
import { dropDataKey, openItemTexts, sealItemTexts } from './content-keys.js';
import type { Database, ItemAttachmentTable } from './schema.js';

type Q = Kysely<Database>;

export type ItemAttachmentRow = Selectable<ItemAttachmentTable>;

/** Starts a blob (no hash yet: its chunks are being written). */
export async function beginBlob(q: Q, id: string, at: number): Promise<void> {
  await q
    .insertInto('attachment_blobs')
    .values({ id, sha256: null, size: 0, chunks: 0, created_at: at })
    .execute();
}

/** Starts a blob unless it exists (a transfer resumed after a failure finds its chunks). */
export async function ensureBlob(q: Q, id: string, at: number): Promise<void> {
  await q
    .insertInto('attachment_blobs')
    .values({ id, sha256: null, size: 0, chunks: 0, created_at: at })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

export async function putChunk(q: Q, blob: string, seq: number, data: Uint8Array): Promise<void> {
  await q
    .insertInto('attachment_chunks')
    .values({ blob_id: blob, seq, data })
    .onConflict((oc) => oc.columns(['blob_id', 'seq']).doUpdateSet({ data }))
    .execute();
}

/** The chunk numbers a blob holds, in order (a resumed transfer asks for the rest). */
export async function chunkSeqs(q: Q, blob: string): Promise<number[]> {
  const rows = await q
    .selectFrom('attachment_chunks')
    .select('seq')
    .where('blob_id', '=', blob)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.seq);
}

export async function getChunk(q: Q, blob: string, seq: number): Promise<Uint8Array | undefined> {
  const r = await q
    .selectFrom('attachment_chunks')
    .select('data')
    .where('blob_id', '=', blob)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return r?.data;
}

/**
 * Marks a blob complete under its hash. If a complete blob already has that hash, this
 * one is dropped and that one kept (content addressing): returns the id kept.
 */
export async function completeBlob(
  q: Q,
  id: string,
  sha256: string,
  size: number,
  chunks: number,
): Promise<string> {
  return q.transaction().execute(async (tx) => {
    const have = await blobBySha(tx, sha256);
    if (have?.id === id) return id;
    if (have !== undefined) {
      await dropBlob(tx, id);
      return have.id;
    }
    await tx
      .updateTable('attachment_blobs')
      .set({ sha256, size, chunks })
      .where('id', '=', id)
      .execute();
    return id;
  });
}

export async function blobBySha(
  q: Q,
  sha256: string,
): Promise<{ id: string; size: number; chunks: number } | undefined> {
  const r = await q
    .selectFrom('attachment_blobs')
    .select(['id', 'size', 'chunks'])
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  return r === undefined ? undefined : { id: r.id, size: Number(r.size), chunks: r.chunks };
}

/** Records that `party` delivered the file `sha256` here, whole and checked. */
export async function recordDelivery(q: Q, party: string, sha256: string, at: number) {
  await q
    .insertInto('attachment_deliveries')
    .values({ party, sha256, at })
    .onConflict((oc) => oc.columns(['party', 'sha256']).doNothing())
    .execute();
}

/** The file `sha256` as `party` delivered it here, if it did and the file is still here. */
export async function deliveredBy(
  q: Q,
  party: string,
  sha256: string,
): Promise<{ id: string; size: number; chunks: number } | undefined> {
  const d = await q
    .selectFrom('attachment_deliveries')
    .select('sha256')
    .where('party', '=', party)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  return d === undefined ? undefined : blobBySha(q, sha256);
}

export async function dropBlob(q: Q, id: string): Promise<void> {
  const sha = await q
    .selectFrom('attachment_blobs')
    .select('sha256')
    .where('id', '=', id)
    .executeTakeFirst();
  // Whoever delivered the file is no longer told it is here.
  if (typeof sha?.sha256 === 'string')
    await q.deleteFrom('attachment_deliveries').where('sha256', '=', sha.sha256).execute();
  await q.deleteFrom('attachment_chunks').where('blob_id', '=', id).execute();
  await q.deleteFrom('attachment_blobs').where('id', '=', id).execute();
  // Its chunks' data key (src/node/attachments.ts `putSealed`), no longer needed.
  await dropDataKey(q, `blob:${id}`);
}

export async function insertUpload(
  q: Q,
  row: { id: string; user_id: string; sha256: string; size: number; created_at: number },
): Promise<void> {
  await q.insertInto('attachment_uploads').values(row).execute();
}

/** The size of a file this person uploaded with this hash, or undefined (never theirs). */
export async function uploadedBy(q: Q, user: string, sha256: string): Promise<number | undefined> {
  const r = await q
    .selectFrom('attachment_uploads')
    .select('size')
    .where('user_id', '=', user)
    .where('sha256', '=', sha256)
    .executeTakeFirst();
  return r?.size === undefined ? undefined : Number(r.size);
}

export async function insertItemAttachments(
  q: Q,
  rows: readonly ItemAttachmentRow[],
): Promise<void> {
  if (rows.length === 0) return;
  // A file's name is content (it is searched as such): sealed under its item's key.
  const names = await sealItemTexts(
    q,
    rows.map((r) => ({ item: r.item_id, field: nameField(r.idx), text: r.name })),
  );
  await q
    .insertInto('item_attachments')
    .values(rows.map((r, i) => ({ ...r, name: names[i] ?? '' })))
    .execute();
}

const nameField = (idx: number) => `attachment/${idx}/name`;

/** Rows read back with their names opened. */
async function opened<T extends { item_id: string; idx: number; name: string }>(
  q: Q,
  rows: readonly T[],
): Promise<T[]> {
  const names = await openItemTexts(
    q,
    rows.map((r) => ({ item: r.item_id, field: nameField(r.idx), text: r.name })),
  );
  return rows.map((r, i) => ({ ...r, name: names[i] ?? '' }));
}

/** An item's files, in order. */
export async function itemAttachments(q: Q, item: string): Promise<ItemAttachmentRow[]> {
  const rows = await q
    .selectFrom('item_attachments')
    .selectAll()
    .where('item_id', '=', item)
    .orderBy('idx')
    .execute();
  return (await opened(q, rows)).map((r) => ({ ...r, size: Number(r.size) }));
}

/** The file names of these items (for the search index), by item. */
export async function attachmentNames(
  q: Q,
  items: readonly string[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (items.length === 0) return out;
  // Padded to a power of two, so that few statements are ever compiled (as itemTexts).
  const padded = [...items];
  while ((padded.length & (padded.length - 1)) !== 0) padded.push(items[0] ?? '');
  const rows = await q
    .selectFrom('item_attachments')
    .select(['item_id', 'idx', 'name'])
    .where('item_id', 'in', padded)
    .orderBy('item_id')
    .orderBy('idx')
    .execute();
  for (const r of await opened(q, rows)) {
    const l = out.get(r.item_id);
    if (l === undefined) out.set(r.item_id, [r.name]);
    else l.push(r.name);
  }
  return out;
}

/**
 * Drops uploads older than `uploadsBefore`, then every blob no item names and no upload
 * grants that was started before `blobsBefore` (a finished orphan, or a transfer
 * abandoned half-way). Returns how many blobs went.
 */
export async function expireOrphans(
  q: Q,
  uploadsBefore: number,
  blobsBefore: number,
): Promise<number> {
  await q.deleteFrom('attachment_uploads').where('created_at', '<', uploadsBefore).execute();
  const orphans = await q
    .selectFrom('attachment_blobs as b')
    .select('b.id')
    .where('b.created_at', '<', blobsBefore)
    .where(({ or, eb, not, exists, selectFrom }) =>
      or([
        eb('b.sha256', 'is', null),
        not(
          exists(
            selectFrom('item_attachments as a')
              .select('a.sha256')
              .whereRef('a.sha256', '=', 'b.sha256'),
          ),
        ),
      ]),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('attachment_uploads as u')
            .select('u.sha256')
            .whereRef('u.sha256', '=', 'b.sha256'),
        ),
      ),
    )
    .limit(100)
    .execute();
  for (const o of orphans) await q.transaction().execute((tx) => dropBlob(tx, o.id));
  return orphans.length;
}
