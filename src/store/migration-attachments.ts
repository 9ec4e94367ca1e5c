// Migration 0017: attachments (src/store/attachments.ts, docs/decisions.md #147): a
// file's bytes in 1 MiB chunks under a blob, found by the SHA-256 of the whole file once
// complete; an upload grants its uploader the right to name that hash in an item; an
// item lists its files.
import type { Kysely, Migration, RawBuilder } from 'kysely';

export function attachmentsMigration(bytes: RawBuilder<unknown>): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('attachment_blobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sha256', 'text', (c) => c.unique())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('chunks', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('attachment_chunks')
        .addColumn('blob_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data', bytes, (c) => c.notNull())
        .addPrimaryKeyConstraint('attachment_chunks_pk', ['blob_id', 'seq'])
        .execute();
      await db.schema
        .createTable('attachment_uploads')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('attachment_uploads_user')
        .on('attachment_uploads')
        .columns(['user_id', 'sha256'])
        .execute();
      await db.schema
        .createTable('item_attachments')
        .addColumn('item_id', 'text', (c) => c.notNull())
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('item_attachments_pk', ['item_id', 'idx'])
        .execute();
      await db.schema
        .createIndex('item_attachments_sha256')
        .on('item_attachments')
        .column('sha256')
        .execute();
    },
  };
}

/**
 * Migration 0018 (decision #164): which peer delivered which file. A peer learns that a
 * file is here only if it delivered it, and an item from it may name only files it did.
 */
export const attachmentDeliveriesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('attachment_deliveries')
      .addColumn('party', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('attachment_deliveries_pk', ['party', 'sha256'])
      .execute();
  },
};
