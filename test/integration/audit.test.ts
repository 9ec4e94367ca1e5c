// `liaison audit verify --data DIR` detects what an administrator could do directly
// in the database (an edit, a deletion, an insertion, a reordering) and names the
// first bad entry; on SQLite and on PostgreSQL.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/crypto/canonical-json.js';
import { leafHash } from '../../src/log/merkle.js';
import { openSqlite } from '../../src/store/db.js';
import { createTestDatabase, PG_ADMIN, type TestDatabase } from '../support/databases.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  liaison,
  startNodeProcess,
} from '../support/node-process.js';

interface Sql {
  run(sql: string, params?: unknown[]): Promise<void>;
  rows<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function connect(kind: 'sqlite' | 'postgres', target: string): Promise<Sql> {
  if (kind === 'sqlite') {
    const db = openSqlite(target);
    const conv = (sql: string) => sql.replace(/\$\d+/g, '?');
    return {
      run: async (sql, p = []) => {
        db.prepare(conv(sql)).run(...p);
      },
      rows: async <T>(sql: string, p: unknown[] = []) => db.prepare(conv(sql)).all(...p) as T[],
      close: async () => {
        db.close();
      },
    };
  }
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  return {
    run: async (sql, p = []) => {
      await c.query(sql, p);
    },
    rows: async <T>(sql: string, p: unknown[] = []) => (await c.query(sql, p)).rows as T[],
    close: () => c.end(),
  };
}

describe.each(['sqlite', 'postgres'] as const)('audit verify on %s', (kind) => {
  let source: TestDatabase | null = null;
  let init: InitializedNode;
  const copies: string[] = [];
  let k = 0;

  beforeAll(async () => {
    if (kind === 'postgres') source = await createTestDatabase('postgres');
    init = initNodeDir('JP', source?.target);
    const node = await startNodeProcess(init.dir);
    const admin = init.adminToken;
    await http(node.url, 'POST', '/v1/users', admin, {
      username: 'o',
      clearance: 'KIMITSU',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
    const token = (
      (await http(node.url, 'POST', '/v1/users/o/tokens', admin, { label: 't' })).body as {
        token: string;
      }
    ).token;
    for (let i = 0; i < 8; i++) {
      const it = await http(node.url, 'POST', '/v1/items', token, {
        marking: 'GOKUHI',
        categories: ['dprk-missile'],
        title: `r${i}`,
        body: '',
      });
      await http(node.url, 'GET', `/v1/items/${(it.body as { id: string }).id}`, token);
      await http(node.url, 'GET', '/v1/log/checkpoint', admin);
    }
    await node.stop();
  }, 60_000);

  afterAll(async () => {
    if (kind === 'postgres') {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      for (const name of copies) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    }
    await source?.drop();
  });

  /** A copy of the node's data directory (and database) to tamper with. */
  async function copy(): Promise<{ dir: string; sql: Sql }> {
    const dir = `${init.dir}-copy${++k}`;
    cpSync(init.dir, dir, { recursive: true });
    if (kind === 'sqlite') return { dir, sql: await connect('sqlite', join(dir, 'store.sqlite')) };
    const name = `${new URL(source?.target ?? '').pathname.slice(1)}_c${k}`;
    copies.push(name);
    const admin = new pg.Client({ connectionString: PG_ADMIN });
    await admin.connect();
    await admin.query(
      `CREATE DATABASE ${name} TEMPLATE ${new URL(source?.target ?? '').pathname.slice(1)}`,
    );
    await admin.end();
    const url = new URL(source?.target ?? '');
    url.pathname = `/${name}`;
    const cfgPath = join(dir, 'config.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { database: string };
    writeFileSync(cfgPath, JSON.stringify({ ...cfg, database: url.toString() }));
    return { dir, sql: await connect('postgres', url.toString()) };
  }

  function verify(dir: string) {
    const r = liaison(['audit', 'verify', '--data', dir, '--json']);
    return {
      code: r.code,
      report: JSON.parse(r.out) as {
        ok: boolean;
        firstBadEntry: number | null;
        problems: { message: string }[];
        entries: number;
      },
    };
  }

  /** An entry in the middle that names a category (an item.created). */
  async function victim(sql: Sql): Promise<{ idx: number; data: string }> {
    const rows = await sql.rows<{ idx: number; data: string }>(
      "SELECT idx, data FROM log_entries WHERE data LIKE '%item.created%' ORDER BY idx",
    );
    const v = rows[3];
    if (v === undefined) throw new Error('no victim');
    return { idx: Number(v.idx), data: v.data };
  }

  it('an untouched log verifies', async () => {
    const { dir, sql } = await copy();
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.entries).toBeGreaterThan(20);
  });

  it('detects an edit and names the entry', async () => {
    const { dir, sql } = await copy();
    const v = await victim(sql);
    await sql.run('UPDATE log_entries SET data = $1 WHERE idx = $2', [
      v.data.replace('GOKUHI', 'HI'),
      v.idx,
    ]);
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(1);
    expect(report.firstBadEntry).toBe(v.idx);
    expect(report.problems[0]?.message).toMatch(/was edited/);
  });

  it('detects an edit that also rewrote the leaf hash, and names the entry', async () => {
    const { dir, sql } = await copy();
    const v = await victim(sql);
    const data = canonicalJson({
      ...(JSON.parse(v.data) as object),
      subject: { item: 'forged', marking: 'HI', categories: ['dprk-missile'], releasableTo: null },
    });
    await sql.run('UPDATE log_entries SET data = $1, leaf_hash = $2 WHERE idx = $3', [
      data,
      leafHash(Buffer.from(data)),
      v.idx,
    ]);
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(1);
    expect(report.firstBadEntry).toBe(v.idx);
    // The checkpoints signed before the edit no longer match, or cover entries that fail.
    expect(
      report.problems.some((p) =>
        /checkpoint of size \d+ (does not match|covers entries that did not verify)/.test(
          p.message,
        ),
      ),
    ).toBe(true);
  });

  it('detects a deletion and names the missing entry', async () => {
    const { dir, sql } = await copy();
    const v = await victim(sql);
    await sql.run('DELETE FROM log_entries WHERE idx = $1', [v.idx]);
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(1);
    expect(report.firstBadEntry).toBe(v.idx);
    expect(report.problems[0]?.message).toMatch(/missing/);
  });

  it('detects an insertion (later entries renumbered) and names where it went in', async () => {
    const { dir, sql } = await copy();
    const v = await victim(sql);
    const prev = (
      await sql.rows<{ leaf_hash: Uint8Array }>(
        'SELECT leaf_hash FROM log_entries WHERE idx = $1',
        [v.idx - 1],
      )
    )[0];
    await sql.run('UPDATE log_entries SET idx = idx + 1000000 WHERE idx >= $1', [v.idx]);
    await sql.run('UPDATE log_entries SET idx = idx - 999999 WHERE idx >= 1000000');
    const fake = canonicalJson({
      ...(JSON.parse(v.data) as object),
      index: v.idx,
      prev: Buffer.from(prev?.leaf_hash ?? []).toString('hex'),
      subject: { item: 'inserted', marking: 'HI', categories: ['x'], releasableTo: null },
    });
    await sql.run('INSERT INTO log_entries (idx, leaf_hash, data, at) VALUES ($1, $2, $3, $4)', [
      v.idx,
      leafHash(Buffer.from(fake)),
      fake,
      0,
    ]);
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(1);
    expect(report.firstBadEntry).toBe(v.idx);
    expect(report.problems[0]?.message).toMatch(/moved, inserted or deleted/);
  });

  it('detects a reordering and names the first entry out of place', async () => {
    const { dir, sql } = await copy();
    const v = await victim(sql);
    await sql.run('UPDATE log_entries SET idx = -1 WHERE idx = $1', [v.idx]);
    await sql.run('UPDATE log_entries SET idx = $1 WHERE idx = $2', [v.idx, v.idx + 1]);
    await sql.run('UPDATE log_entries SET idx = $1 WHERE idx = -1', [v.idx + 1]);
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(1);
    expect(report.firstBadEntry).toBe(v.idx);
  });

  it('detects a forged checkpoint', async () => {
    const { dir, sql } = await copy();
    const cp = (
      await sql.rows<{ size: number; note: string }>(
        'SELECT size, note FROM checkpoints ORDER BY size DESC',
      )
    )[0];
    await sql.run('UPDATE checkpoints SET note = $1 WHERE size = $2', [
      // Change the first character of the root hash line to a different one (a fixed
      // replacement would be a no-op whenever the root already starts with it).
      cp?.note.replace(
        /^(.*\n.*\n)(.)/,
        (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'),
      ),
      cp?.size,
    ]);
    await sql.close();
    const { code, report } = verify(dir);
    expect(code).toBe(1);
    expect(report.problems.some((p) => /checkpoint of size/.test(p.message))).toBe(true);
  });
});
