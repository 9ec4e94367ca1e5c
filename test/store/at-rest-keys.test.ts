// Data keys against deletion and node key rotation (src/store/content-keys.ts,
// at-rest-keys.ts; docs/decisions.md #143, #145), on SQLite and PostgreSQL: a key
// whose row was deleted is not used again from memory, and a key made while a
// rotation is under way ends up wrapped by the new node key; both read back after a
// reopen (the process's memory gone).
import { afterEach, describe, expect, it } from 'vitest';
import { open, seal } from '../../src/crypto/at-rest.js';
import { rotateKek } from '../../src/store/at-rest-keys.js';
import { dropBlob, ensureBlob } from '../../src/store/attachments.js';
import { dataKeys, keysOf } from '../../src/store/content-keys.js';
import { openStore, type Store } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const PASS = 'data key test passphrase';
let db: TestDatabase | null = null;
const stores: Store[] = [];

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await db?.drop();
  db = null;
});

async function store(target: string): Promise<Store> {
  const s = await openStore(target, PASS);
  stores.push(s);
  return s;
}

async function reopen(s: Store, target: string): Promise<Store> {
  await s.close();
  stores.splice(stores.indexOf(s), 1);
  return store(target);
}

async function keyOf(q: Store['db'], owner: string, create: boolean): Promise<Buffer> {
  const k = (await dataKeys(q, [owner], create)).get(owner);
  if (k === undefined) throw new Error(`no data key for ${owner}`);
  return k;
}

const BYTES = Buffer.from('the bytes of a received file');

describe.each(['sqlite', 'postgres'] as const)('data keys on %s', (kind) => {
  it('seals under a new key once the owner was dropped, readable after a reopen', async () => {
    db = await createTestDatabase(kind);
    let s = await store(db.target);
    const id = 'in-7f3a';
    const owner = `blob:${id}`;
    await ensureBlob(s.db, id, 0);
    const first = seal(await keyOf(s.db, owner, true), BYTES, 'chunk/0');
    // The file did not hash to what was named: dropped (as completeBlob does, in a
    // transaction of its own), then the same file arrives again.
    await s.db.transaction().execute((tx) => dropBlob(tx, id));
    expect(
      await s.db.selectFrom('data_keys').select('owner').where('owner', '=', owner).execute(),
    ).toEqual([]);
    await ensureBlob(s.db, id, 1);
    const again = seal(await keyOf(s.db, owner, true), BYTES, 'chunk/0');
    // And once more, dropped on the store's own instance.
    await dropBlob(s.db, id);
    const third = seal(await keyOf(s.db, owner, true), BYTES, 'chunk/0');

    s = await reopen(s, db.target);
    const k = await keyOf(s.db, owner, false);
    expect(open(k, third, 'chunk/0', 'third')).toEqual(BYTES);
    expect(() => open(k, again, 'chunk/0', 'again')).toThrow();
    expect(() => open(k, first, 'chunk/0', 'first')).toThrow();
  });

  it('re-wraps a data key made between the rotation pass and its commit', async () => {
    db = await createTestDatabase(kind);
    let s = await store(db.target);
    const before = seal(await keyOf(s.db, 'jp-1', true), BYTES, 'a');
    const previous = keysOf(s.db).kekId;
    let late: Buffer | null = null;
    const r = await s.db.transaction().execute((tx) =>
      rotateKek(tx, async () => {
        // A writer that read the node key before the new one replaced it.
        late = seal(await keyOf(tx, 'blob:late', true), BYTES, 'b');
      }),
    );
    expect(r.previous).toBe(previous);
    const rows = await s.db.selectFrom('data_keys').select(['owner', 'kek_id']).execute();
    expect(rows.map((x) => x.kek_id)).toEqual(rows.map(() => r.next));
    s = await reopen(s, db.target);
    expect(keysOf(s.db).kekId).toBe(r.next);
    expect(open(await keyOf(s.db, 'jp-1', false), before, 'a', 'before')).toEqual(BYTES);
    if (late === null) throw new Error('the writer did not run');
    expect(open(await keyOf(s.db, 'blob:late', false), late, 'b', 'late')).toEqual(BYTES);
  });
});

describe('a data key made on another connection while a rotation commits (postgres)', () => {
  it('waits for the rotation and is wrapped by the new node key', async () => {
    db = await createTestDatabase('postgres');
    let s = await store(db.target);
    await keyOf(s.db, 'jp-1', true);
    const trx = await s.db.startTransaction().execute();
    let r: Awaited<ReturnType<typeof rotateKek>>;
    try {
      r = await rotateKek(trx);
    } catch (e) {
      await trx.rollback().execute();
      throw e;
    }
    // An upload on the store's own instance (another pooled connection), outside any unit.
    const writer = keyOf(s.db, 'blob:upload', true).then((k) => seal(k, BYTES, 'c'));
    // Given time to finish first if nothing holds it (it waits for the commit).
    const done = await Promise.race([
      writer.then(() => true),
      new Promise((res) => setTimeout(() => res(false), 300)),
    ]);
    await trx.commit().execute();
    const sealed = await writer;
    s = await reopen(s, db.target);
    expect(open(await keyOf(s.db, 'blob:upload', false), sealed, 'c', 'upload')).toEqual(BYTES);
    const row = await s.db
      .selectFrom('data_keys')
      .select('kek_id')
      .where('owner', '=', 'blob:upload')
      .executeTakeFirstOrThrow();
    expect(row.kek_id).toBe(r.next);
    expect(done).toBe(false);
  });
});
