// Encryption at rest in the store (docs/decisions.md, "Encryption at rest"): the node
// key (KEK) in `meta` under 'data-kek', wrapped under the passphrase; one data key
// (DEK) per owner in `data_keys`, wrapped by the KEK: an item's (owner = its id) for
// its title and body, and the node's records key (owner RECORDS) for the other rows
// that carry content (outbox payloads, alerts, alert events, change-feed effects).
//
// The keys travel with the Kysely instance: openStore installs a ContentKeysPlugin (a
// plugin that changes no query), and transactions inherit it, so every store function
// finds the keys from the `q` it is given (`keysOf`) and callers pass nothing new.
import { randomUUID } from 'node:crypto';
import {
  type Kysely,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  PostgresAdapter,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import {
  AtRestError,
  isSealedText,
  type KekRecord,
  newKey,
  openKek,
  openText,
  type PassphraseKey,
  parseKekRecord,
  passphraseKeyFor,
  sealText,
  unwrapKey,
  wrapKey,
} from '../crypto/at-rest.js';
import type { Database } from './schema.js';

type Q = Kysely<Database>;

/** The meta key of the node key's record. */
export const KEK_META = 'data-kek';
/** The owner of the records key (no item id starts with a dot). */
export const RECORDS = '.records';
/** Unwrapped data keys kept in memory (32 bytes each, plus the map's own cost). */
const CACHE_SIZE = 20_000;

/** The node's content keys in this process: the KEK once unlocked, and a cache of DEKs. */
export class ContentKeys {
  private kekValue: { readonly id: string; readonly key: Buffer } | null = null;
  private pkValue: PassphraseKey | null = null;
  private readonly deks = new Map<string, Buffer>();
  /** Owners whose data key row is known to exist, per Kysely instance (see `dataKeys`). */
  private readonly verified = new WeakMap<object, { epoch: number; seen: Set<string> }>();
  /** Bumped by `forget`: every instance's known rows are checked again. */
  private epoch = 0;

  get unlocked(): boolean {
    return this.kekValue !== null;
  }

  /** The id of the node key in use (null while locked). */
  get kekId(): string | null {
    return this.kekValue?.id ?? null;
  }

  /** The passphrase key of the record this process opened (it wraps a rotated KEK). */
  get passphraseKey(): PassphraseKey | null {
    return this.pkValue;
  }

  setKek(id: string, key: Buffer, pk: PassphraseKey): void {
    this.kekValue = { id, key };
    this.pkValue = pk;
  }

  dek(owner: string): Buffer | undefined {
    const k = this.deks.get(owner);
    if (k !== undefined) {
      // Least recently used first out: refresh its place.
      this.deks.delete(owner);
      this.deks.set(owner, k);
    }
    return k;
  }

  remember(owner: string, dek: Buffer): void {
    this.deks.set(owner, dek);
    if (this.deks.size > CACHE_SIZE) {
      const first = this.deks.keys().next();
      if (first.done !== true) this.deks.delete(first.value);
    }
  }

  /**
   * A data key row was deleted (or is about to be): its key leaves the cache and no
   * instance's row is taken as known any more, so that a writer of the same owner
   * makes and stores a new key rather than sealing under one no row keeps.
   */
  forget(owner: string): void {
    this.deks.delete(owner);
    this.epoch++;
  }

  /**
   * Owners whose data key row is known to exist in `q` (a transaction, or for the
   * store's own Kysely instance, committed): a key made in a transaction that rolled
   * back may stay in the cache, so a writer checks the row once per transaction.
   */
  verifiedIn(q: object): Set<string> {
    let v = this.verified.get(q);
    if (v === undefined || v.epoch !== this.epoch || v.seen.size > 50_000) {
      v = { epoch: this.epoch, seen: new Set() };
      this.verified.set(q, v);
    }
    return v.seen;
  }

  /** The KEK this process holds (it may be older than the store's: see `dataKeys`). */
  kek(): { readonly id: string; readonly key: Buffer } {
    const k = this.kekValue;
    if (k === null)
      throw new AtRestError(
        'cannot-open',
        "the store's content is locked: the node's passphrase opens it (node start)",
      );
    return k;
  }

  /** Reads the node key again from `q` (another instance rotated it, or a rotation rolled back). */
  async reloadKek(q: Q, read?: KekRecord): Promise<{ readonly id: string; readonly key: Buffer }> {
    const record = read ?? (await kekRecord(q));
    const pk = this.pkValue;
    if (record === undefined || pk === null)
      throw new AtRestError('bad-key-record', 'the store has no node data key, or it is locked');
    if (record.salt !== pk.salt)
      throw new AtRestError(
        'wrong-passphrase',
        "the node's passphrase changed since this instance started: restart it with the new one",
      );
    this.setKek(record.id, openKek(record, pk), pk);
    return { id: record.id, key: this.kekValue?.key ?? Buffer.alloc(0) };
  }
}

/** Carries a store's ContentKeys with its Kysely instance and its transactions. */
export class ContentKeysPlugin implements KyselyPlugin {
  constructor(readonly keys: ContentKeys) {}
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/** The content keys of the store `q` belongs to. */
export function keysOf(q: Q): ContentKeys {
  for (const p of q.getExecutor().plugins) if (p instanceof ContentKeysPlugin) return p.keys;
  throw new Error('this Kysely instance was not opened by openStore: it has no content keys');
}

export async function kekRecord(q: Q): Promise<KekRecord | undefined> {
  const row = await q
    .selectFrom('meta')
    .select('value')
    .where('key', '=', KEK_META)
    .executeTakeFirst();
  return row === undefined ? undefined : parseKekRecord(row.value);
}

/**
 * The KEK record read under a row lock until `q` (a transaction) ends, on
 * PostgreSQL: 'share' for a writer of a new data key, 'update' for a rotation, so
 * that no key is wrapped under a node key that a rotation is replacing (SQLite has
 * one writer at a time: a plain read).
 */
export async function lockedKekRecord(
  q: Q,
  mode: 'share' | 'update',
): Promise<KekRecord | undefined> {
  if (!(q.getExecutor().adapter instanceof PostgresAdapter)) return kekRecord(q);
  const lock = mode === 'share' ? sql`for share` : sql`for update`;
  const r = await sql<{
    value: string;
  }>`select value from meta where key = ${KEK_META} ${lock}`.execute(q);
  const row = r.rows[0];
  return row === undefined ? undefined : parseKekRecord(row.value);
}

/** Deletes the data key of `owner` (its content is gone) and forgets it in this process. */
export async function dropDataKey(q: Q, owner: string): Promise<void> {
  keysOf(q).forget(owner);
  await q.deleteFrom('data_keys').where('owner', '=', owner).execute();
  keysOf(q).forget(owner);
}

export async function putKekRecord(q: Q, r: KekRecord): Promise<void> {
  const value = JSON.stringify(r);
  await q
    .insertInto('meta')
    .values({ key: KEK_META, value })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
    .execute();
}

/** Inserts a KEK record unless one exists (two instances starting at once keep the first). */
export async function insertKekRecordIfAbsent(q: Q, r: KekRecord): Promise<void> {
  await q
    .insertInto('meta')
    .values({ key: KEK_META, value: JSON.stringify(r) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

/** Opens the store's node key with the passphrase and keeps it in `keys`. */
export async function unlockWith(q: Q, passphrase: string): Promise<KekRecord> {
  const record = await kekRecord(q);
  if (record === undefined)
    throw new AtRestError('bad-key-record', 'the store has no node data key yet');
  const pk = passphraseKeyFor(record, passphrase);
  keysOf(q).setKek(record.id, openKek(record, pk), pk);
  return record;
}

/** A new node key's id. */
export function newKekId(): string {
  return `kek-${randomUUID()}`;
}

/** Reads and unwraps the stored data keys of `owners` into `out` (and the cache). */
async function readKeys(
  q: Q,
  keys: ContentKeys,
  owners: readonly string[],
  out: Map<string, Buffer>,
): Promise<void> {
  let kek = keys.kek();
  for (let c = 0; c < owners.length; c += 500) {
    const rows = await q
      .selectFrom('data_keys')
      .select(['owner', 'kek_id', 'wrapped'])
      .where('owner', 'in', owners.slice(c, c + 500))
      .execute();
    for (const r of rows) {
      // Wrapped by a newer node key than this instance holds: another rotated it.
      if (r.kek_id !== kek.id) kek = await keys.reloadKek(q);
      if (r.kek_id !== kek.id)
        throw new AtRestError(
          'cannot-open',
          `the data key of ${r.owner} names an unknown node key`,
        );
      const dek = unwrapKey(kek.key, r.wrapped, r.owner);
      keys.remember(r.owner, dek);
      out.set(r.owner, dek);
    }
  }
}

/**
 * The data keys of `owners`, unwrapped (from the cache, else the store); with
 * `create` (a writer), each owner's row is made sure of in `q`, and one with none gets
 * a key, wrapped and stored.
 */
export async function dataKeys(
  q: Q,
  owners: readonly string[],
  create: boolean,
): Promise<Map<string, Buffer>> {
  const keys = keysOf(q);
  const out = new Map<string, Buffer>();
  const seen = create ? keys.verifiedIn(q) : null;
  const lookup: string[] = [];
  for (const o of new Set(owners)) {
    const k = keys.dek(o);
    if (k !== undefined && (seen === null || seen.has(o))) out.set(o, k);
    else lookup.push(o);
  }
  if (lookup.length === 0) return out;
  await readKeys(q, keys, lookup, out);
  if (seen === null) return out;
  const absent = lookup.filter((o) => !out.has(o));
  if (absent.length > 0) {
    // A new key is wrapped by the store's node key as read in the transaction that
    // stores it, under a share lock on its record (a rotation holds it for update,
    // from before it re-wraps until it commits): one that another instance rotated,
    // or a rotation here that rolled back, is read again.
    const insert = async (tx: Q) => {
      const record = await lockedKekRecord(tx, 'share');
      let kek = keys.kek();
      if (record?.id !== kek.id) kek = await keys.reloadKek(tx, record);
      const rows = absent.map((owner) => {
        // A key cached from a transaction that rolled back is stored again, not replaced.
        const dek = keys.dek(owner) ?? newKey();
        return { owner, kek_id: kek.id, wrapped: wrapKey(kek.key, dek, owner) };
      });
      for (let c = 0; c < rows.length; c += 300)
        await tx
          .insertInto('data_keys')
          .values(rows.slice(c, c + 300))
          .onConflict((oc) => oc.column('owner').doNothing())
          .execute();
    };
    if (q.isTransaction) await insert(q);
    else await q.transaction().execute(insert);
    // Read back: an instance not under this node's lock (two starting at once) may
    // have stored one first; its key is the one.
    await readKeys(q, keys, absent, out);
  }
  for (const o of lookup) if (out.has(o)) seen.add(o);
  return out;
}

const fieldAad = (item: string, field: string) => `liaison/item/${item}/${field}`;

function keyOf(keys: Map<string, Buffer>, owner: string): Buffer {
  const k = keys.get(owner);
  if (k === undefined) throw new AtRestError('cannot-open', `item ${owner} has no data key`);
  return k;
}

/** Items' title and body sealed under each item's data key (made if new). */
export async function sealItemFields<T extends { id: string; title: string; body: string }>(
  q: Q,
  rows: readonly T[],
): Promise<T[]> {
  const keys = await dataKeys(
    q,
    rows.map((r) => r.id),
    true,
  );
  return rows.map((r) => {
    const k = keyOf(keys, r.id);
    return {
      ...r,
      title: sealText(k, r.title, fieldAad(r.id, 'title')),
      body: sealText(k, r.body, fieldAad(r.id, 'body')),
    };
  });
}

/** Opens the title (and the body, where the row has it) of item rows read from the store. */
export async function openItemFields<T extends { id: string; title: string; body?: string }>(
  q: Q,
  rows: readonly T[],
): Promise<T[]> {
  if (rows.length === 0) return [];
  const keys = await dataKeys(
    q,
    rows.map((r) => r.id),
    false,
  );
  return rows.map((r) => {
    const k = keyOf(keys, r.id);
    const title = openText(k, r.title, fieldAad(r.id, 'title'), `title of ${r.id}`);
    return r.body === undefined
      ? { ...r, title }
      : { ...r, title, body: openText(k, r.body, fieldAad(r.id, 'body'), `body of ${r.id}`) };
  });
}

/**
 * Other texts of items (the names of their files), each sealed under its item's data
 * key with the field it is bound to (e.g. `attachment/0/name`).
 */
export async function sealItemTexts(
  q: Q,
  rows: readonly { readonly item: string; readonly field: string; readonly text: string }[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const keys = await dataKeys(q, [...new Set(rows.map((r) => r.item))], true);
  return rows.map((r) => sealText(keyOf(keys, r.item), r.text, fieldAad(r.item, r.field)));
}

/** Opens what sealItemTexts made; a text stored before it was sealed is read as it is. */
export async function openItemTexts(
  q: Q,
  rows: readonly { readonly item: string; readonly field: string; readonly text: string }[],
): Promise<string[]> {
  const sealed = rows.filter((r) => isSealedText(r.text));
  if (sealed.length === 0) return rows.map((r) => r.text);
  const keys = await dataKeys(q, [...new Set(sealed.map((r) => r.item))], false);
  return rows.map((r) =>
    isSealedText(r.text)
      ? openText(keyOf(keys, r.item), r.text, fieldAad(r.item, r.field), `${r.field} of ${r.item}`)
      : r.text,
  );
}

/** A row's content (canonical JSON) sealed under the records key; `where` is its AAD. */
export async function sealRecord(q: Q, text: string, where: string): Promise<string> {
  const k = keyOf(await dataKeys(q, [RECORDS], true), RECORDS);
  return sealText(k, text, `liaison/record/${where}`);
}

/** Opens what sealRecord made; a row written before encryption (JSON) is read as it is. */
export async function openRecord(q: Q, text: string, where: string): Promise<string> {
  if (!isSealedText(text)) return text;
  const k = keyOf(await dataKeys(q, [RECORDS], false), RECORDS);
  return openText(k, text, `liaison/record/${where}`, where);
}
