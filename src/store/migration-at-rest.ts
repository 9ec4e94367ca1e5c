// Migration 0016: encryption at rest (src/store/content-keys.ts). Each item's data key,
// and the node's records key, wrapped by the node key named in `kek_id`. Rows written
// before it are sealed when the node next starts, since only then is the passphrase
// known (src/node/at-rest.ts, `sealPlaintext`).
import type { Kysely, Migration } from 'kysely';

export const atRestMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('data_keys')
      .addColumn('owner', 'text', (c) => c.primaryKey())
      .addColumn('kek_id', 'text', (c) => c.notNull())
      .addColumn('wrapped', 'text', (c) => c.notNull())
      .execute();
  },
};
