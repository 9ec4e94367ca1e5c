// The node's store and log on both databases, in-process: migrations, every write
// with its log entry in one transaction, group commit, reload, failure recovery.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES, LiaisonError } from '../../src/core/index.js';
import { auditLog } from '../../src/log/audit.js';
import { parseVerifierKey } from '../../src/log/note.js';
import { addAgreement } from '../../src/node/agreements.js';
import { authenticate, revokeToken } from '../../src/node/auth.js';
import { createItem, readItem } from '../../src/node/items.js';
import type { Actor } from '../../src/node/roles.js';
import { LiaisonNode } from '../../src/node/service.js';
import { openSetup } from '../../src/node/setup-mode.js';
import { createUser, issueToken } from '../../src/node/users.js';
import { openStore } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const signingKey = generateKeyPairSync('ed25519').privateKey;
let db: TestDatabase | null = null;

afterEach(async () => {
  await db?.drop();
  db = null;
});

async function openNode(target: string): Promise<LiaisonNode> {
  const node = await LiaisonNode.open({
    party: 'JP',
    origin: 'liaison.test/JP',
    store: await openStore(target, 'test passphrase'),
    signingKey,
  });
  // In setup, the node itself (actor null) may create its people.
  await node.transact((u) => openSetup(u));
  return node;
}

async function entries(node: LiaisonNode) {
  const rows = await node.store.db
    .selectFrom('log_entries')
    .select(['idx', 'leaf_hash', 'data'])
    .orderBy('idx')
    .execute();
  return rows.map((r) => ({ index: r.idx, leafHash: r.leaf_hash, data: r.data }));
}

describe.each(['sqlite', 'postgres'] as const)('node store on %s', (kind) => {
  it('migrates once (opening twice is harmless) and round-trips every table through a reload', async () => {
    db = await createTestDatabase(kind);
    const node = await openNode(db.target);
    await addAgreement(
      node,
      null,
      BUILT_IN_TEMPLATES.get('gsomia-jp-kr-2016') ?? (undefined as never),
    );
    await createUser(node, null, {
      username: 'officer',
      clearance: 'GOKUHI',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
    const actor: Actor = { user: 'officer', party: 'JP', roles: ['officer'] };
    const item = await createItem(node, actor, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 't',
      body: 'b',
    });
    const root = Buffer.from(node.tree.root()).toString('hex');
    const size = node.tree.size;
    await node.close();
    const again = await openNode(db.target);
    expect(again.tree.size).toBe(size);
    expect(Buffer.from(again.tree.root()).toString('hex')).toBe(root);
    expect(again.world.items.get(item.id)?.marking.code).toBe('GOKUHI');
    expect(again.world.users.get('officer')?.clearance.code).toBe('GOKUHI');
    expect(again.world.agreements.has('gsomia-jp-kr-2016')).toBe(true);
    await again.close();
  });

  it('logs every change in the same transaction; reads are logged allowed or denied', async () => {
    db = await createTestDatabase(kind);
    const node = await openNode(db.target);
    await createUser(node, null, {
      username: 'hi',
      clearance: 'HI',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
    await createUser(node, null, {
      username: 'top',
      clearance: 'KIMITSU',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
    const top: Actor = { user: 'top', party: 'JP', roles: ['officer'] };
    const item = await createItem(node, top, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 't',
      body: 'b',
    });
    expect((await readItem(node, top, item.id)).title).toBe('t');
    await expect(
      readItem(node, { user: 'hi', party: 'JP', roles: ['officer'] }, item.id),
    ).rejects.toMatchObject({
      code: 'clearance-insufficient',
      family: 'policy',
    });
    const log = await entries(node);
    const types = log.map(
      (e) => JSON.parse(e.data) as { type: string; decision?: string; reasons?: string[] },
    );
    expect(types.map((t) => t.type)).toEqual([
      'user.created',
      'user.created',
      'item.created',
      'item.read',
      'item.read',
    ]);
    expect(types[3]).toMatchObject({ decision: 'allow', reasons: ['allowed'] });
    expect(types[4]).toMatchObject({ decision: 'deny', reasons: ['clearance-insufficient'] });
    // No item body or title ever reaches the log.
    expect(log.some((e) => e.data.includes('"title"') || e.data.includes('"body"'))).toBe(false);
    await node.close();
  });

  it('group-commits concurrent units, each seeing the ones before it, with a contiguous log', async () => {
    db = await createTestDatabase(kind);
    const node = await openNode(db.target);
    await createUser(node, null, {
      username: 'u',
      clearance: 'KIMITSU',
      needToKnow: ['c'],
      roles: ['officer'],
    });
    const actor: Actor = { user: 'u', party: 'JP', roles: ['officer'] };
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        createItem(node, actor, { marking: 'HI', categories: ['c'], title: `t${i}`, body: '' }),
      ),
    );
    const reads = await Promise.all(created.map((c) => readItem(node, actor, c.id)));
    expect(reads.every((r) => r.decision.decision === 'allow')).toBe(true);
    const log = await entries(node);
    expect(log.map((e) => e.index)).toEqual(Array.from({ length: 101 }, (_, i) => i));
    const cp = await node.checkpoint();
    const verifier = parseVerifierKey(node.verifierKey);
    const report = await auditLog(log, [{ size: cp.size, note: cp.note }], verifier);
    expect(report).toMatchObject({ ok: true, verifiedSize: 101 });
    await node.close();
  });

  it('a unit that fails mid-batch rolls back alone; the others commit; memory matches the store', async () => {
    db = await createTestDatabase(kind);
    const node = await openNode(db.target);
    const good = Array.from({ length: 5 }, (_, i) =>
      createUser(node, null, {
        username: `user${i}`,
        clearance: 'HI',
        needToKnow: [],
        roles: ['officer'],
      }),
    );
    const bad = node.transact(async (u) => {
      u.log({
        type: 'user.created',
        actor: { user: null, party: 'JP' },
        subject: { user: 'ghost' },
      });
      // Violates the users table: the whole batch must roll back, then retry alone.
      await u.tx
        .insertInto('users')
        .values({
          id: 'user0',
          username: 'user0',
          party: 'JP',
          clearance: 'HI',
          need_to_know: '[]',
          clearance_expires: null,
          roles: '[]',
          created_at: 0,
          disabled: 0,
        })
        .execute();
    });
    const results = await Promise.allSettled([...good, bad]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results[5]?.status).toBe('rejected');
    const log = await entries(node);
    expect(log).toHaveLength(5);
    expect(node.tree.size).toBe(5);
    expect(node.world.users.size).toBe(5);
    await node.close();
  });

  it('tokens are stored hashed; expired and revoked tokens are refused with their own codes', async () => {
    db = await createTestDatabase(kind);
    let clock = 1_000_000;
    const node = await LiaisonNode.open({
      party: 'JP',
      origin: 'liaison.test/JP',
      store: await openStore(db.target, 'test passphrase'),
      signingKey,
      now: () => clock,
    });
    await node.transact((u) => openSetup(u));
    await createUser(node, null, {
      username: 'a',
      clearance: 'HI',
      needToKnow: [],
      roles: ['admin'],
    });
    const t1 = await issueToken(node, null, 'a', 'one', clock + 1000);
    const t2 = await issueToken(node, null, 'a', 'two');
    const stored = await node.store.db.selectFrom('tokens').select('hash').execute();
    expect(stored.some((r) => r.hash.includes(t1.token) || r.hash === t1.token)).toBe(false);
    await expect(authenticate(node, t1.token)).resolves.toMatchObject({ actor: { user: 'a' } });
    clock += 1000;
    await expect(authenticate(node, t1.token)).rejects.toMatchObject({ code: 'token-expired' });
    await revokeToken(node, { user: 'a', party: 'JP', roles: ['admin'] }, t2.id);
    await expect(authenticate(node, t2.token)).rejects.toBeInstanceOf(LiaisonError);
    await expect(authenticate(node, t2.token)).rejects.toMatchObject({ code: 'token-revoked' });
    await expect(authenticate(node, 'lsn_nonsense')).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    await node.close();
  });
});
