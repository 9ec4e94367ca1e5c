// The node key's life in the store: made at init (or at the first start of a store
// older than encryption at rest), opened with the passphrase, rotated (every data key
// re-wrapped, no content touched), re-wrapped under a new passphrase; and the rows
// written in clear before migration 0016, sealed in batches.
import { type Kysely, sql } from 'kysely';
import {
  AtRestError,
  type KekRecord,
  newKey,
  openKek,
  type PassphraseKey,
  passphraseKey,
  passphraseKeyFor,
  protectKek,
  unwrapKey,
  wrapKey,
} from '../crypto/at-rest.js';
import {
  insertKekRecordIfAbsent,
  kekRecord,
  keysOf,
  lockedKekRecord,
  newKekId,
  putKekRecord,
  sealItemFields,
  sealRecord,
  unlockWith,
} from './content-keys.js';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

/**
 * Opens the store's content with the passphrase: the node key is made first if the
 * store has none (a new node, or an older one), then rows still in clear are sealed.
 * Returns whether the key was made now and how many rows were sealed.
 */
export async function unlockContent(
  db: Q,
  passphrase: string,
): Promise<{ created: boolean; sealed: number }> {
  let created = false;
  if ((await kekRecord(db)) === undefined) {
    const pk = passphraseKey(passphrase);
    const id = newKekId();
    const kek = newKey();
    await insertKekRecordIfAbsent(db, protectKek(id, kek, pk));
    // Two instances starting at once on a new store: the first record stays.
    const stored = await kekRecord(db);
    if (stored?.id === id) {
      keysOf(db).setKek(id, kek, pk);
      created = true;
    }
  }
  if (!created) await unlockWith(db, passphrase);
  return { created, sealed: await sealPlaintext(db) };
}

const BATCH = 500;

/**
 * Seals what was written in clear before encryption at rest, BATCH rows per
 * transaction (a crash in between leaves each row either sealed or in clear, and the
 * next start goes on). An item is sealed when it has a data key; other rows when their
 * text carries the sealed prefix (canonical JSON never does).
 */
export async function sealPlaintext(db: Q): Promise<number> {
  let n = 0;
  for (;;) {
    const done = await db.transaction().execute(async (tx) => {
      const rows = await tx
        .selectFrom('items')
        .leftJoin('data_keys', 'data_keys.owner', 'items.id')
        .select(['items.id', 'items.title', 'items.body'])
        .where('data_keys.owner', 'is', null)
        .limit(BATCH)
        .execute();
      for (const r of await sealItemFields(tx, rows))
        await tx
          .updateTable('items')
          .set({ title: r.title, body: r.body })
          .where('id', '=', r.id)
          .execute();
      return rows.length;
    });
    n += done;
    if (done < BATCH) break;
  }
  const notSealed = sql<boolean>`not like 'ea1.%'`;
  for (;;) {
    const done = await db.transaction().execute(async (tx) => {
      let k = 0;
      const outbox = await tx
        .selectFrom('outbox')
        .select(['id', 'payload'])
        .where(sql<boolean>`payload ${notSealed}`)
        .limit(BATCH)
        .execute();
      for (const r of outbox) {
        const payload = await sealRecord(tx, r.payload, `outbox/${r.id}`);
        await tx.updateTable('outbox').set({ payload }).where('id', '=', r.id).execute();
        k++;
      }
      const alerts = await tx
        .selectFrom('alerts')
        .select(['item_id', 'payload'])
        .where(sql<boolean>`payload ${notSealed}`)
        .limit(BATCH)
        .execute();
      for (const r of alerts) {
        const payload = await sealRecord(tx, r.payload, `alerts/${r.item_id}`);
        await tx.updateTable('alerts').set({ payload }).where('item_id', '=', r.item_id).execute();
        k++;
      }
      const events = await tx
        .selectFrom('alert_events')
        .select(['seq', 'text'])
        .where(sql<boolean>`text ${notSealed}`)
        .limit(BATCH)
        .execute();
      for (const r of events) {
        const text = await sealRecord(tx, r.text, `alert_events/${Number(r.seq)}`);
        await tx.updateTable('alert_events').set({ text }).where('seq', '=', r.seq).execute();
        k++;
      }
      const changes = await tx
        .selectFrom('node_changes')
        .select(['id', 'effects', 'instance', 'at'])
        .where(sql<boolean>`effects ${notSealed}`)
        .limit(BATCH)
        .execute();
      for (const r of changes) {
        const effects = await sealRecord(tx, r.effects, `node_changes/${r.instance}/${r.at}`);
        await tx.updateTable('node_changes').set({ effects }).where('id', '=', r.id).execute();
        k++;
      }
      return k;
    });
    n += done;
    if (done === 0) break;
  }
  return n;
}

/**
 * Rotates the node key in `tx`: a new KEK, wrapped under the passphrase key this
 * process opened the old one with; every data key unwrapped and wrapped again; the
 * old KEK's record replaced (gone). Content is not touched. The record is locked for
 * update from the start (writers of new data keys take it shared: src/store/
 * content-keys.ts `dataKeys`), and rows still under the old key after the pass are
 * re-wrapped again until none remain. This process keeps the old key until it reads
 * the new one (`dataKeys` does, on meeting it); the caller reloads it once `tx` has
 * committed. `afterPass` is for tests (a writer between the pass and the commit).
 */
export async function rotateKek(
  tx: Q,
  afterPass?: () => Promise<void>,
): Promise<{ readonly previous: string; readonly next: string; readonly keys: number }> {
  const keys = keysOf(tx);
  const old = await keys.reloadKek(tx, await lockedKekRecord(tx, 'update'));
  const pk = keys.passphraseKey;
  if (pk === null) throw new AtRestError('bad-key-record', 'the node key is locked');
  const next = { id: newKekId(), key: newKey() };
  let count = await rewrapAll(tx, old, next, false);
  await afterPass?.();
  count += await rewrapAll(tx, old, next, true);
  await putKekRecord(tx, protectKek(next.id, next.key, pk));
  return { previous: old.id, next: next.id, keys: count };
}

type Kek = { readonly id: string; readonly key: Buffer };

/** Re-wraps data keys from `old` to `next`: all of them, or (`leftOnly`) those still under `old`. */
async function rewrapAll(tx: Q, old: Kek, next: Kek, leftOnly: boolean): Promise<number> {
  let after = '';
  let count = 0;
  for (;;) {
    // Those left: each found is re-wrapped, so the same query comes back empty at the end.
    const query = leftOnly
      ? tx
          .selectFrom('data_keys')
          .select(['owner', 'kek_id', 'wrapped'])
          .where('kek_id', '=', old.id)
      : tx
          .selectFrom('data_keys')
          .select(['owner', 'kek_id', 'wrapped'])
          .where('owner', '>', after);
    const rows = await query.orderBy('owner').limit(BATCH).execute();
    if (rows.length === 0) break;
    const rewrapped = rows.map((r) => {
      if (r.kek_id !== old.id)
        throw new AtRestError(
          'cannot-open',
          `the data key of ${r.owner} names an unknown node key`,
        );
      return {
        owner: r.owner,
        kek_id: next.id,
        wrapped: wrapKey(next.key, unwrapKey(old.key, r.wrapped, r.owner), r.owner),
      };
    });
    await tx
      .insertInto('data_keys')
      .values(rewrapped)
      .onConflict((oc) =>
        oc.column('owner').doUpdateSet((eb) => ({
          kek_id: eb.ref('excluded.kek_id'),
          wrapped: eb.ref('excluded.wrapped'),
        })),
      )
      .execute();
    count += rows.length;
    after = rows[rows.length - 1]?.owner ?? after;
  }
  return count;
}

/**
 * Wraps the store's node key under a new passphrase (`liaison node passphrase`); a
 * store with no node key yet is left as it is (the next start makes one). Returns
 * whether there was one.
 */
export async function rewrapKekUnderPassphrase(
  db: Q,
  current: string,
  next: string,
): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    const record: KekRecord | undefined = await kekRecord(tx);
    if (record === undefined) return false;
    let kek: Buffer;
    try {
      kek = openKek(record, passphraseKeyFor(record, current));
    } catch (e) {
      // Done already by a change that stopped before replacing keys.json: let it finish.
      try {
        openKek(record, passphraseKeyFor(record, next));
        return true;
      } catch {
        throw e;
      }
    }
    const pk: PassphraseKey = passphraseKey(next);
    const fresh = protectKek(record.id, kek, pk);
    openKek(fresh, passphraseKeyFor(fresh, next));
    await putKekRecord(tx, fresh);
    return true;
  });
}
