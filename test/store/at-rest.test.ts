// Encryption at rest in the store (src/store/content-keys.ts, at-rest-keys.ts), on
// SQLite and PostgreSQL: a store written before migration 0016 (rows in clear, no
// node key) is sealed at its first opening with the passphrase, in batches, and reads
// back the same; a store without the passphrase reads no content; listing many items
// costs little more with the data keys cached.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sealPlaintext } from '../../src/store/at-rest-keys.js';
import { keysOf } from '../../src/store/content-keys.js';
import { openStore, type Store } from '../../src/store/db.js';
import { insertItems, itemRow, itemTexts } from '../../src/store/items.js';
import { loadWorld } from '../../src/store/world.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const PASS = 'store test passphrase';
let db: TestDatabase | null = null;
const open: Store[] = [];

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await db?.drop();
  db = null;
});

async function store(target: string, passphrase?: string): Promise<Store> {
  const s = await openStore(target, passphrase);
  open.push(s);
  return s;
}

const row = (i: number) => ({
  id: `jp-old-${String(i).padStart(4, '0')}`,
  originator: 'JP',
  marking: 'GOKUHI',
  categories: '["dprk-missile"]',
  releasable_to: null,
  title: `旧い項目 ${i} 미사일`,
  body: `body in clear ${i}`,
  created_at: 1_700_000_000_000 + i,
  created_by: null,
  manifest: null,
});

describe.each(['sqlite', 'postgres'] as const)('encryption at rest on %s', (kind) => {
  it('seals the rows an older store kept in clear at the first opening with the passphrase', async () => {
    db = await createTestDatabase(kind);
    // An older node: rows written in clear (as before 0016), no node key.
    const old = await store(db.target);
    const rows = Array.from({ length: 1203 }, (_, i) => row(i));
    for (let c = 0; c < rows.length; c += 200)
      await old.db
        .insertInto('items')
        .values(rows.slice(c, c + 200))
        .execute();
    await old.db
      .insertInto('outbox')
      .values({
        id: 'env-1',
        peer: 'KR',
        seq: 1,
        type: 'item',
        payload: '{"body":{"title":"旧い項目 0 미사일"}}',
        state: 'pending',
        attempts: 0,
        next_attempt_at: 0,
        last_error: null,
        receipt: null,
        created_at: 0,
        settled_at: null,
        item_id: 'jp-old-0000',
      })
      .execute();
    // Without the passphrase, no content opens.
    await expect(itemRow(old.db, 'jp-old-0001')).rejects.toThrow(/sealed|no data key|locked/);
    await old.close();
    open.length = 0;

    const s = await store(db.target, PASS);
    const raw = await s.db.selectFrom('items').select(['id', 'title', 'body']).execute();
    expect(raw).toHaveLength(1203);
    expect(raw.every((r) => r.title.startsWith('ea1.') && r.body.startsWith('ea1.'))).toBe(true);
    const payload = await s.db.selectFrom('outbox').select('payload').executeTakeFirstOrThrow();
    expect(payload.payload.startsWith('ea1.')).toBe(true);
    expect(await itemRow(s.db, 'jp-old-0007')).toMatchObject({
      title: '旧い項目 7 미사일',
      body: 'body in clear 7',
    });
    const world = await loadWorld(s.db);
    expect(world.items.get('jp-old-1202')?.title).toBe('旧い項目 1202 미사일');
    // Nothing left in clear: a second pass seals nothing; on SQLite the file was
    // rebuilt, so no free page or WAL frame keeps the old text.
    expect(await sealPlaintext(s.db)).toBe(0);
    if (kind === 'sqlite') {
      const bytes = Buffer.concat(
        [db.target, `${db.target}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
      );
      expect(bytes.includes(Buffer.from('旧い項目'))).toBe(false);
      expect(bytes.includes(Buffer.from('body in clear'))).toBe(false);
      expect(bytes.includes(Buffer.from('jp-old-0007'))).toBe(true);
    }
  });

  it('a data key made in a transaction that rolled back is stored again by the next writer', async () => {
    db = await createTestDatabase(kind);
    const s = await store(db.target, PASS);
    await expect(
      s.db.transaction().execute(async (tx) => {
        await insertItems(tx, [row(1)]);
        // Read back in the same transaction: its key is now in the cache.
        expect((await itemRow(tx, row(1).id))?.title).toBe(row(1).title);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await s.db.selectFrom('data_keys').select('owner').execute()).toEqual([]);
    await s.db.transaction().execute((tx) => insertItems(tx, [row(1)]));
    await s.close();
    open.length = 0;
    // A fresh process (empty cache) reads it: the key's row was stored.
    const again = await store(db.target, PASS);
    expect((await itemRow(again.db, row(1).id))?.body).toBe(row(1).body);
  });

  it('a wrong passphrase opens nothing; listing many items is cheap with the keys cached', async () => {
    db = await createTestDatabase(kind);
    const s = await store(db.target, PASS);
    await insertItems(
      s.db,
      Array.from({ length: 2000 }, (_, i) => row(i)),
    );
    await s.close();
    open.length = 0;
    await expect(openStore(db.target, 'not the passphrase')).rejects.toThrow(/wrong passphrase/);
    const again = await store(db.target, PASS);
    const ids = Array.from({ length: 512 }, (_, i) => row(i).id);
    const t0 = performance.now();
    const cold = await itemTexts(again.db, ids);
    const t1 = performance.now();
    const warm = await itemTexts(again.db, ids);
    const t2 = performance.now();
    expect(cold.map((r) => r.title)).toEqual(warm.map((r) => r.title));
    expect(warm[3]?.title).toBe('旧い項目 3 미사일');
    expect(keysOf(again.db).dek('jp-old-0003')).toBeDefined();
    // Measured, not asserted (no timing asserts in tests): printed for BENCHMARKS.md.
    console.log(
      `${kind}: 512 items' texts, keys unwrapped ${(t1 - t0).toFixed(1)} ms, cached ${(t2 - t1).toFixed(1)} ms`,
    );
  });
});
