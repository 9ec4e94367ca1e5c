// Opens the node's store: SQLite (better-sqlite3, WAL) by default, or PostgreSQL
// for `postgres://` URLs, through the same Kysely code, and migrates it.

import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import { userInfo } from 'node:os';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { LiaisonError } from '../core/errors.js';
import { messageOf } from '../core/guards.js';
import { unlockContent } from './at-rest-keys.js';
import { ContentKeys, ContentKeysPlugin } from './content-keys.js';
import { type Dialect, NumberedMigrations } from './migrations.js';
import type { Database } from './schema.js';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** Where it is, for people (a path, or the URL without its password). */
  readonly location: string;
  /** The keys of the content encrypted at rest: locked until the node's passphrase opens them. */
  readonly content: ContentKeys;
  close(): Promise<void>;
}

class StoreError extends LiaisonError<'store-unavailable'> {
  override readonly name = 'StoreError';
  readonly family = 'store';
  constructor(message: string) {
    super('store-unavailable', message);
  }
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * A postgres:// URL with no user name means the operating system's user, as for
 * psql (libpq); node-postgres would take $USER, which services often lack.
 */
function withDefaultUser(url: string): string {
  try {
    const u = new URL(url);
    if (u.username !== '' || process.env.PGUSER !== undefined) return url;
    u.username = userInfo().username;
    return u.toString();
  } catch {
    return url;
  }
}

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//.test(s);
}

/**
 * better-sqlite3's objects are never left to the garbage collector: on Node 24,
 * better-sqlite3 12 can abort the process (`RemoveEnvironmentCleanupHook: (env) !=
 * nullptr`) when the collector finalizes a Database or a Statement. Every one this
 * process creates stays referenced here; a node creates a few thousand at most (one
 * per distinct SQL text; IN lists and multi-row inserts vary in length).
 */
const retained: object[] = [];

/** Opens an SQLite file whose database and statements are never collected (see above). */
export function openSqlite(
  path: string,
  options?: SqliteDatabase.Options,
): SqliteDatabase.Database {
  const db = new SqliteDatabase(path, options);
  retained.push(db);
  const prepare = db.prepare.bind(db);
  Object.defineProperty(db, 'prepare', {
    value: (sql: string) => {
      const statement = prepare(sql);
      retained.push(statement);
      return statement;
    },
  });
  return db;
}

/**
 * better-sqlite3 compiles a statement on every `prepare`; Kysely prepares on every
 * query. Reusing compiled statements by their SQL text removes that cost.
 */
function withStatementCache(db: SqliteDatabase.Database) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      db.close();
      cache.clear();
    },
    prepare: (sql: string) => {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

/**
 * The URL of database `name` on the PostgreSQL server of `serverUrl`, created if it
 * does not exist (the scale demo gives each party's node its own database).
 */
export async function ensurePostgresDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new StoreError(`database name '${name}': use lower-case letters, digits and _`);
  const client = new pg.Client({ connectionString: withDefaultUser(serverUrl) });
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
  } catch (e) {
    throw new StoreError(`cannot create database ${name} at ${redact(serverUrl)}: ${messageOf(e)}`);
  } finally {
    await client.end().catch(() => {});
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Opens (creating if needed) and migrates a store. `target`: a file path or a
 * postgres:// URL. With the node's `passphrase`, the content encrypted at rest is
 * opened too (its node key made if the store has none, rows in clear sealed); without
 * it, item content can be neither read nor written (the log, an audit, can).
 */
export async function openStore(target: string, passphrase?: string): Promise<Store> {
  let store: Store;
  const content = new ContentKeys();
  const plugins = [new ContentKeysPlugin(content)];
  if (isPostgresUrl(target)) {
    // bigint columns hold epoch milliseconds and log indexes: well inside 2^53.
    const types = new pg.TypeOverrides();
    types.setTypeParser(INT8_OID, Number);
    types.setTypeParser(NUMERIC_OID, Number);
    const pool = new pg.Pool({ connectionString: withDefaultUser(target), max: 8, types });
    // An idle connection that the server closes (a restart, an administrator) is
    // dropped by the pool and replaced on demand; it must not bring the node down.
    pool.on('error', () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins });
    store = {
      db,
      dialect: 'postgres',
      location: redact(target),
      content,
      close: () => db.destroy(),
    };
  } else {
    let sqlite: SqliteDatabase.Database;
    try {
      // The store is for the node's operator only: created 0600 (SQLite gives its WAL
      // and shared-memory files the database file's mode), and tightened if it was not.
      closeSync(openSync(target, 'a', 0o600));
      chmodSync(target, 0o600);
      sqlite = openSqlite(target);
      for (const f of [`${target}-wal`, `${target}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    } catch (e) {
      throw new StoreError(`cannot open the store '${target}': ${messageOf(e)}`);
    }
    // exec, not pragma(): pragma() prepares a statement that would become garbage.
    sqlite.exec('PRAGMA journal_mode = WAL');
    // FULL: a committed transaction survives a power cut, not only a crash.
    sqlite.exec('PRAGMA synchronous = FULL');
    sqlite.exec('PRAGMA foreign_keys = ON');
    sqlite.exec('PRAGMA busy_timeout = 5000');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
      plugins,
    });
    store = { db, dialect: 'sqlite', location: target, content, close: () => db.destroy() };
  }
  try {
    const { error } = await new Migrator({
      db: store.db,
      provider: new NumberedMigrations(store.dialect),
    }).migrateToLatest();
    if (error !== undefined) throw error;
  } catch (e) {
    await store.close().catch(() => {});
    throw new StoreError(`cannot prepare the store at ${store.location}: ${messageOf(e)}`);
  }
  if (passphrase !== undefined) {
    try {
      const { sealed } = await unlockContent(store.db, passphrase);
      // Rows just sealed left their text in clear in free pages and the WAL: rebuild
      // the file (PostgreSQL: docs/deploy.md says to run VACUUM FULL once).
      if (sealed > 0 && store.dialect === 'sqlite') {
        await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
        await sql`VACUUM`.execute(store.db);
        await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(store.db);
      }
    } catch (e) {
      await store.close().catch(() => {});
      throw e;
    }
  }
  return store;
}
