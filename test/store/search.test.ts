// Full-text search at the node, in-process on SQLite (src/node/search.ts): the index
// built at the first search in batches of rows, an item made in the same batch as a
// search, the index kept across a reload of the World, paging newest first.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createItem } from '../../src/node/items.js';
import type { Actor } from '../../src/node/roles.js';
import { type IndexBuilt, searchItems } from '../../src/node/search.js';
import { LiaisonNode } from '../../src/node/service.js';
import { openSetup } from '../../src/node/setup-mode.js';
import { createUser } from '../../src/node/users.js';
import { openStore } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const signingKey = generateKeyPairSync('ed25519').privateKey;
let db: TestDatabase | null = null;
let node: LiaisonNode | null = null;

afterEach(async () => {
  await node?.close();
  node = null;
  await db?.drop();
  db = null;
});

const officer: Actor = { user: 'officer', party: 'JP', roles: ['officer'] };
const page = (offset: number, limit: number) => ({ offset, limit });

async function openNode(): Promise<LiaisonNode> {
  db = await createTestDatabase('sqlite');
  const n = await LiaisonNode.open({
    party: 'JP',
    origin: 'liaison.test/JP',
    store: await openStore(db.target, 'test passphrase'),
    signingKey,
  });
  await n.transact((u) => openSetup(u));
  await createUser(n, null, {
    username: 'officer',
    clearance: 'GOKUHI',
    needToKnow: ['dprk-missile'],
    roles: ['officer'],
  });
  return n;
}

const item = (title: string, body = '') =>
  ({ marking: 'GOKUHI', categories: ['dprk-missile'], title, body }) as const;

describe('search at the node (SQLite, in-process)', () => {
  it('builds the index at the first search, in batches, and pages newest first', async () => {
    node = await openNode();
    const n = node;
    // 600 items in a few group-committed batches: more than one read of rows, equal instants.
    const made = await Promise.all(
      Array.from({ length: 600 }, (_, i) => createItem(n, officer, item(`report ${i}`, 'common'))),
    );
    const built: IndexBuilt[] = [];
    const first = await searchItems(n, officer, 'common', {}, page(0, 200), (b) => built.push(b));
    expect(built).toHaveLength(1);
    expect(built[0]?.items).toBe(600);
    const order = [...made]
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
      .map((s) => s.id);
    expect(first.map((s) => s.id)).toEqual(order.slice(0, 200));
    const last = await searchItems(n, officer, 'common', {}, page(500, 200));
    expect(last.map((s) => s.id)).toEqual(order.slice(500));
    expect((await searchItems(n, officer, 'report 599', {}, page(0, 10))).map((s) => s.id)).toEqual(
      [made[599]?.id],
    );
    // Built once: later searches do not report again.
    await searchItems(n, officer, 'common', {}, page(0, 1), (b) => built.push(b));
    expect(built).toHaveLength(1);
  });

  it('finds an item made in the same batch as the search, and keeps the index across a reload', async () => {
    node = await openNode();
    const n = node;
    await createItem(n, officer, item('ballistic launch'));
    expect(await searchItems(n, officer, 'ballistic', {}, page(0, 10))).toHaveLength(1);
    // Both units in one batch: the search meets the new item before it is committed.
    const [made, found] = await Promise.all([
      createItem(n, officer, item('ballistic again', '북한이 미사일을 발사했다')),
      searchItems(n, officer, '미사일', {}, page(0, 10)),
    ]);
    expect(found.map((s) => s.id)).toEqual([made.id]);
    await n.reload();
    const after = await createItem(n, officer, item('ミサイル発射'));
    expect((await searchItems(n, officer, 'ballistic', {}, page(0, 10))).length).toBe(2);
    expect((await searchItems(n, officer, 'ミサイル', {}, page(0, 10))).map((s) => s.id)).toEqual([
      after.id,
    ]);
  });

  it('refuses a query with no words and a filter naming nothing known', async () => {
    node = await openNode();
    await expect(searchItems(node, officer, '…!?', {}, page(0, 10))).rejects.toMatchObject({
      code: 'invalid-request',
      field: 'q',
    });
    await expect(
      searchItems(node, officer, 'x', { originator: 'XX' }, page(0, 10)),
    ).rejects.toMatchObject({ field: 'originator' });
    await expect(
      searchItems(node, officer, 'x', { marking: 'NOSUCH' }, page(0, 10)),
    ).rejects.toMatchObject({ code: 'unknown-marking', field: 'marking' });
  });
});
