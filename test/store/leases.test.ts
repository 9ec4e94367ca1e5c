// Leases (src/store/cluster.ts) on both databases: taken when free, renewed by the
// holder, refused to others until they expire, taken over after, released; and the
// instances' use of them (src/node/leases.ts): one holder at a time, takeover after
// expiry, a fence in a unit that only the true holder passes.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Leases } from '../../src/node/leases.js';
import { LiaisonNode } from '../../src/node/service.js';
import { acquireLease, leaseHolders, releaseLease } from '../../src/store/cluster.js';
import { openStore, type Store } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

let db: TestDatabase | null = null;
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  await db?.drop();
  db = null;
});

async function store(kind: 'sqlite' | 'postgres'): Promise<Store> {
  db ??= await createTestDatabase(kind);
  const s = await openStore(db.target, 'test passphrase');
  open.push(s);
  return s;
}

describe.each(['sqlite', 'postgres'] as const)('leases on %s', (kind) => {
  it('free: taken; held: renewed by its holder only; expired: taken over; released: free', async () => {
    const q = (await store(kind)).db;
    const TTL = 5_000;
    expect(await acquireLease(q, 'deliver:KR:normal', 'a', 1_000, TTL)).toBe(true);
    // Another instance, before the expiry: refused, and the lease is unchanged.
    expect(await acquireLease(q, 'deliver:KR:normal', 'b', 2_000, TTL)).toBe(false);
    expect(await leaseHolders(q, 2_000)).toEqual([
      { name: 'deliver:KR:normal', holder: 'a', expiresAt: 6_000 },
    ]);
    // The holder renews: the expiry moves on.
    expect(await acquireLease(q, 'deliver:KR:normal', 'a', 3_000, TTL)).toBe(true);
    expect(await acquireLease(q, 'deliver:KR:normal', 'b', 7_999, TTL)).toBe(false);
    // Expired (expires_at <= now): the other instance takes it over.
    expect(await acquireLease(q, 'deliver:KR:normal', 'b', 8_000, TTL)).toBe(true);
    expect(await acquireLease(q, 'deliver:KR:normal', 'a', 8_001, TTL)).toBe(false);
    expect(await leaseHolders(q, 8_001)).toEqual([
      { name: 'deliver:KR:normal', holder: 'b', expiresAt: 13_000 },
    ]);
    // Leases are independent of each other.
    expect(await acquireLease(q, 'leader', 'a', 8_001, TTL)).toBe(true);
    expect((await leaseHolders(q, 8_002)).map((l) => [l.name, l.holder])).toEqual([
      ['deliver:KR:normal', 'b'],
      ['leader', 'a'],
    ]);
    // Only the holder releases; then the lease is free at once.
    await releaseLease(q, 'deliver:KR:normal', 'a');
    expect(await acquireLease(q, 'deliver:KR:normal', 'a', 8_002, TTL)).toBe(false);
    await releaseLease(q, 'deliver:KR:normal', 'b');
    expect(await acquireLease(q, 'deliver:KR:normal', 'a', 8_003, TTL)).toBe(true);
    // An expired lease is not listed as held.
    expect((await leaseHolders(q, 13_002)).map((l) => l.name)).toEqual(['deliver:KR:normal']);
    expect(await leaseHolders(q, 20_000)).toEqual([]);
  });

  it('many instances asking for a free lease at once: exactly one holds it', async () => {
    const stores = [await store(kind), await store(kind), await store(kind)];
    const tries = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        acquireLease((stores[i % stores.length] as Store).db, 'leader', `i${i}`, 10_000, 5_000),
      ),
    );
    expect(tries.filter(Boolean)).toHaveLength(1);
    const holders = await leaseHolders((stores[0] as Store).db, 10_000);
    expect(holders).toHaveLength(1);
    expect(holders[0]?.holder).toBe(`i${tries.indexOf(true)}`);
  });
});

describe('leases between two instances of a node (PostgreSQL)', () => {
  const signingKey = generateKeyPairSync('ed25519').privateKey;

  /** An instance with a clock of its own, so that a test can move it on. */
  async function instance(name: string, clock: { t: number }): Promise<LiaisonNode> {
    db ??= await createTestDatabase('postgres');
    const node = await LiaisonNode.open({
      party: 'JP',
      origin: 'liaison.test/JP',
      store: await openStore(db.target, 'test passphrase'),
      signingKey,
      instance: name,
      now: () => clock.t,
    });
    open.push(node);
    return node;
  }

  const until = async (what: string, f: () => boolean, ms = 5_000) => {
    const end = Date.now() + ms;
    while (!f()) {
      if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('one holder; the other takes over once it expires, and the fence stops the former holder', async () => {
    const clockA = { t: 1_000_000 };
    const clockB = { t: 1_000_000 };
    const a = await instance('a', clockA);
    const b = await instance('b', clockB);
    const seen: string[] = [];
    const giveUpA = Leases.of(a).want('leader', (held) => seen.push(`a ${held}`));
    await until('a holds the lease', () => Leases.of(a).held('leader'));
    const giveUpB = Leases.of(b).want('leader', (held) => seen.push(`b ${held}`));
    // B tries every second; A renews every second: B never gets it.
    await new Promise((r) => setTimeout(r, 1_300));
    expect(Leases.of(b).held('leader')).toBe(false);
    expect(await b.transact((u) => Leases.of(b).fence(u, 'leader'))).toBe(false);
    expect(await a.transact((u) => Leases.of(a).fence(u, 'leader'))).toBe(true);
    // A stalls (its clock stands still) while B's time passes the expiry: B takes over.
    clockB.t += 6_000;
    await until('b takes the lease over', () => Leases.of(b).held('leader'), 3_000);
    // A, still believing it holds the lease, is stopped by the fence (and learns it lost).
    expect(await a.transact((u) => Leases.of(a).fence(u, 'leader'))).toBe(false);
    expect(Leases.of(a).held('leader')).toBe(false);
    expect((await leaseHolders(a.store.db, clockB.t)).map((l) => l.holder)).toEqual(['b']);
    // B stops cleanly: the lease is released, and A takes it at its next try.
    clockA.t = clockB.t;
    await giveUpB();
    expect(await leaseHolders(a.store.db, clockA.t)).toEqual([]);
    await until('a takes the released lease', () => Leases.of(a).held('leader'), 2_000);
    await giveUpA();
    expect(seen).toEqual(['a true', 'b true', 'a false', 'a true']);
  }, 20_000);
});
