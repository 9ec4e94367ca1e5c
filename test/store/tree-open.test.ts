// A node opens its log's tree from the stored tiles: the right edge and at most 255
// leaf hashes, never the whole log (issue 13: "starting an instance does not replay
// the log"). Shown by removing every entry the tiles already cover before it opens.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LiaisonNode } from '../../src/node/service.js';
import { openSetup } from '../../src/node/setup-mode.js';
import { createUser } from '../../src/node/users.js';
import { openStore } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const signingKey = generateKeyPairSync('ed25519').privateKey;
let db: TestDatabase | null = null;
afterEach(async () => {
  await db?.drop();
  db = null;
});

const open = async (target: string) =>
  LiaisonNode.open({
    party: 'JP',
    origin: 'liaison.test/JP',
    store: await openStore(target, 'test passphrase'),
    signingKey,
  });

describe.each(['sqlite', 'postgres'] as const)('opening the tree on %s', (kind) => {
  it('reads the tiles and the last partial tile’s leaves, not the log', async () => {
    db = await createTestDatabase(kind);
    const node = await open(db.target);
    await node.transact((u) => openSetup(u));
    // About 700 entries: two full level-0 tiles and a partial one.
    for (let i = 0; i < 700; i++)
      await createUser(node, null, {
        username: `u${i}`,
        clearance: 'HI',
        needToKnow: [],
        roles: ['officer'],
      });
    const cp = await node.checkpoint();
    expect(cp.size).toBeGreaterThan(512);
    const proof = await node.treeRead((t) => t.inclusionProof(3, cp.size));
    await node.close();

    // Only the entries of the last, partial tile stay: the rest are covered by tiles.
    const store = await openStore(db.target, 'test passphrase');
    const covered = Math.floor(cp.size / 256) * 256;
    await store.db.deleteFrom('log_entries').where('idx', '<', covered).execute();
    await store.close();

    const again = await open(db.target);
    expect(again.tree.size).toBe(cp.size);
    expect(Buffer.from(again.tree.root()).equals(cp.root)).toBe(true);
    // Proofs of old entries come from the tiles.
    const reproved = await again.treeRead((t) => t.inclusionProof(3, cp.size));
    expect(reproved.map((h) => Buffer.from(h).toString('hex'))).toEqual(
      proof.map((h) => Buffer.from(h).toString('hex')),
    );
    // And it goes on appending where the log ends.
    await createUser(again, null, {
      username: 'later',
      clearance: 'HI',
      needToKnow: [],
      roles: ['officer'],
    });
    expect(again.tree.size).toBeGreaterThan(cp.size);
    await again.close();
  }, 120_000);
});
