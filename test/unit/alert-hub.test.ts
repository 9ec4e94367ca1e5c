// The alert fan-out (src/alerts/hub.ts) on in-process nodes: events numbered in commit
// order; each socket gets `ready`, then every later event it may read, in order; a
// stream that resumes mid-flow gets exactly the events after its id, replayed then
// live, none twice; the replay is bounded by time; and two instances on one PostgreSQL
// database (sharing an in-process bus) push each other's events, over the bus or,
// without it, by polling. Officers see opaque ids (src/alerts/stream-token.ts); the
// test reads the numbers in them with the node's key, as only the node can.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertHub, KEEP_MS, startOf } from '../../src/alerts/hub.js';
import { StreamTokens, TOKEN_LENGTH } from '../../src/alerts/stream-token.js';
import { LocalBus } from '../../src/bus/bus.js';
import { createItem } from '../../src/node/items.js';
import type { Actor } from '../../src/node/roles.js';
import { LiaisonNode } from '../../src/node/service.js';
import { openSetup } from '../../src/node/setup-mode.js';
import { createUser } from '../../src/node/users.js';
import { openStore } from '../../src/store/db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

type Frame = Record<string, unknown> & { type: string; id?: string; after?: string };
const signingKey = generateKeyPairSync('ed25519').privateKey;
const tokens = StreamTokens.of(signingKey);
/** The event number an officer's opaque id holds (the test has the node's key). */
const seqOf = (token: string | undefined): number | undefined =>
  token === undefined ? undefined : tokens.open(token)?.seq;
const officer = (user: string): Actor => ({ user, party: 'JP', roles: ['officer'] });
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function openNode(target: string, instance?: string): Promise<LiaisonNode> {
  const node = await LiaisonNode.open({
    party: 'JP',
    origin: 'liaison.test/JP',
    store: await openStore(target, 'test passphrase'),
    signingKey,
    ...(instance === undefined ? {} : { instance }),
  });
  cleanup.push(() => node.close());
  return node;
}

/** A node in setup with a cleared officer ('top'), an uncleared one ('low') and an item. */
async function seeded(node: LiaisonNode): Promise<string> {
  await node.transact((u) => openSetup(u));
  for (const [username, clearance] of [
    ['top', 'KIMITSU'],
    ['low', 'HI'],
  ] as const)
    await createUser(node, null, {
      username,
      clearance,
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
  const item = await createItem(node, officer('top'), {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title: 't',
    body: 'b',
  });
  return item.id;
}

function hubOf(node: LiaisonNode): AlertHub {
  const hub = new AlertHub(node);
  hub.start();
  cleanup.push(async () => hub.stop());
  return hub;
}

/**
 * A connected officer: every frame it is sent, parsed. `after`: resume after this
 * event number (sealed as the node would have, just now) or after this token.
 */
function socket(hub: AlertHub, user: string, after: number | string | null = null) {
  const frames: Frame[] = [];
  const remove = hub.add(
    { actor: officer(user), send: (b) => frames.push(JSON.parse(b.toString('utf8')) as Frame) },
    typeof after === 'number' ? tokens.seal({ seq: after, at: Date.now() }) : after,
  );
  const ready = () => frames.find((f) => f.type === 'ready');
  return {
    frames,
    remove,
    /** The numbers in the events' ids, in the order received. */
    ids: () => frames.filter((f) => f.type !== 'ready').map((f) => seqOf(f.id)),
    ready,
    /** The number `ready` says the stream starts after. */
    start: () => seqOf(ready()?.after),
  };
}

const send = (node: LiaisonNode, hub: AlertHub, item: string, n: number) =>
  node.transact((u) => hub.record(u, item, 'alert', JSON.stringify({ type: 'alert', n })));

async function until(what: string, f: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function pushedEntries(node: LiaisonNode) {
  const rows = await node.store.db
    .selectFrom('log_entries')
    .select(['data'])
    .orderBy('idx')
    .execute();
  return rows
    .map((r) => JSON.parse(r.data) as { type: string; subject: Record<string, unknown> })
    .filter((e) => e.type === 'alert.pushed')
    .map((e) => e.subject);
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('where a stream starts', () => {
  const held = { first: 41, last: 100 };
  const cutoff = 1_000_000;
  const at = cutoff + 5;
  /** The last event before the cutoff: 60. */
  const floor = async () => 60;
  it('from now, or after the position asked for', async () => {
    expect(await startOf(null, held, cutoff, floor)).toEqual({ at: 100, missed: false });
    expect(await startOf({ seq: 70, at }, held, cutoff, floor)).toEqual({ at: 70, missed: false });
    expect(await startOf({ seq: 40, at }, held, cutoff, floor)).toEqual({ at: 40, missed: false });
    expect(await startOf({ seq: 100, at }, held, cutoff, floor)).toEqual({
      at: 100,
      missed: false,
    });
    expect(await startOf({ seq: 0, at }, { first: 0, last: 0 }, cutoff, floor)).toEqual({
      at: 0,
      missed: false,
    });
  });
  it('no further back than the cutoff (by time, not count) or the table; an unknown token starts now', async () => {
    // Reached before the cutoff: the events of the last hour, whatever their number.
    expect(await startOf({ seq: 50, at: cutoff - 1 }, held, cutoff, floor)).toEqual({
      at: 60,
      missed: true,
    });
    expect(await startOf({ seq: 10, at }, held, cutoff, floor)).toEqual({ at: 40, missed: true });
    expect(await startOf({ seq: 101, at }, held, cutoff, floor)).toEqual({
      at: 100,
      missed: true,
    });
    expect(await startOf(undefined, held, cutoff, floor)).toEqual({ at: 100, missed: true });
    expect(await startOf({ seq: 3, at }, { first: 0, last: 0 }, cutoff, floor)).toEqual({
      at: 0,
      missed: true,
    });
  });
});

describe('stream positions as officers see them', () => {
  it('a token opens to its position at this node only; each is fresh; anything else opens to nothing', () => {
    const t1 = tokens.seal({ seq: 42, at: 1_700_000_000_000 });
    const t2 = tokens.seal({ seq: 42, at: 1_700_000_000_000 });
    expect(t1).not.toBe(t2);
    expect(t1).toHaveLength(TOKEN_LENGTH);
    expect(tokens.open(t1)).toEqual({ seq: 42, at: 1_700_000_000_000 });
    // An event's id is one per event, unlike a fresh token, and differs per event.
    const e = { seq: 42, at: 1_700_000_000_000 };
    expect(tokens.eventId(e)).toBe(tokens.eventId(e));
    expect(tokens.eventId(e)).not.toBe(t1);
    expect(tokens.eventId({ seq: 43, at: e.at })).not.toBe(tokens.eventId(e));
    expect(tokens.open(tokens.eventId(e))).toEqual(e);
    const other = StreamTokens.of(generateKeyPairSync('ed25519').privateKey);
    expect(other.open(t1)).toBeNull();
    // One character changed, cut short, or not base64url: refused.
    const flipped = `${t1.slice(0, 20)}${t1[20] === 'A' ? 'B' : 'A'}${t1.slice(21)}`;
    expect(tokens.open(flipped)).toBeNull();
    expect(tokens.open(t1.slice(1))).toBeNull();
    expect(tokens.open(`${t1.slice(1)}+`)).toBeNull();
  });
});

describe('the fan-out on one node (SQLite)', () => {
  it('pushes each event, with its id, in order, to the officers who may read it; logged', async () => {
    const db = await createTestDatabase('sqlite');
    const node = await openNode(db.target);
    const item = await seeded(node);
    const hub = hubOf(node);
    const top = socket(hub, 'top');
    const low = socket(hub, 'low');
    await until('both ready', () => top.ready() !== undefined && low.ready() !== undefined);
    expect(top.ready()).toEqual({
      type: 'ready',
      party: 'JP',
      user: 'top',
      after: expect.any(String),
      missed: false,
    });
    expect(top.start()).toBe(0);
    for (const n of [1, 2, 3]) await send(node, hub, item, n);
    await until('three events', () => top.ids().length === 3);
    expect(top.frames.slice(1).map(({ id: _, ...f }) => f)).toEqual([
      { type: 'alert', n: 1 },
      { type: 'alert', n: 2 },
      { type: 'alert', n: 3 },
    ]);
    expect(top.ids()).toEqual([1, 2, 3]);
    expect(low.ids()).toEqual([]);
    expect(await pushedEntries(node)).toEqual(
      [1, 2, 3].map((id) => ({ item, event: 'alert', id, users: ['top'] })),
    );
  });

  it('a stream resuming while events keep coming gets each later event once, in order', async () => {
    const db = await createTestDatabase('sqlite');
    const node = await openNode(db.target);
    const item = await seeded(node);
    const hub = hubOf(node);
    // More than two pages (500 events a unit) to replay, while events keep being
    // committed one by one: the stream catches up over several units, then joins.
    await Promise.all(range(1, 1200).map((n) => send(node, hub, item, n)));
    const resumed = socket(hub, 'top', 12);
    const fresh = socket(hub, 'top');
    for (const n of range(1201, 1300)) await send(node, hub, item, n);
    await until(
      'the last event',
      () => resumed.ids().at(-1) === 1300 && fresh.ids().at(-1) === 1300,
    );
    expect(resumed.ready()).toMatchObject({ missed: false });
    expect(resumed.start()).toBe(12);
    expect(resumed.ids()).toEqual(range(13, 1300));
    // From now: after where it started, nothing before, nothing twice.
    const start = fresh.start() as number;
    expect(start).toBeLessThan(1300);
    expect(fresh.ids()).toEqual(range(start + 1, 1300));
    const logged = await pushedEntries(node);
    const resumedIds = logged.filter((s) => s.resumed === true).map((s) => s.id);
    expect(resumedIds.slice(0, 3)).toEqual([13, 14, 15]);
    // Each event logged once per kind of push (live to some, resumed to others), no more.
    const keys = logged.map((s) => `${s.id}:${s.resumed === true}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a reader not cleared for the alert gets nothing on replay either', async () => {
    const db = await createTestDatabase('sqlite');
    const node = await openNode(db.target);
    const item = await seeded(node);
    const hub = hubOf(node);
    for (let n = 1; n <= 5; n++) await send(node, hub, item, n);
    const low = socket(hub, 'low', 0);
    const top = socket(hub, 'top', 0);
    await until('the replay', () => top.ids().length === 5);
    expect(low.ready()).toMatchObject({ missed: false });
    expect(low.start()).toBe(0);
    expect(low.ids()).toEqual([]);
  });

  it('an officer learns nothing of events they may not read: not from ids, not from ready', async () => {
    const db = await createTestDatabase('sqlite');
    const node = await openNode(db.target);
    const item = await seeded(node);
    const hub = hubOf(node);
    // Before and after five events 'low' may not read, 'low' connects: each `ready`
    // is a fresh token, as unlike each other as two at the same position.
    const before = socket(hub, 'low');
    const again = socket(hub, 'low');
    await until('ready', () => before.ready() !== undefined && again.ready() !== undefined);
    for (let n = 1; n <= 5; n++) await send(node, hub, item, n);
    const after = socket(hub, 'low');
    await until('ready', () => after.ready() !== undefined);
    const readies = [before, again, after].map((s) => s.ready()?.after as string);
    expect(new Set(readies).size).toBe(3);
    for (const r of readies) expect(r).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(readies.map((r) => r.length)).toEqual([TOKEN_LENGTH, TOKEN_LENGTH, TOKEN_LENGTH]);
    // Resumed from its first `ready`, 'low' gets nothing and is told nothing was missed.
    const resumed = socket(hub, 'low', readies[0] as string);
    await until('ready', () => resumed.ready() !== undefined);
    expect(resumed.ready()).toMatchObject({ missed: false });
    expect(resumed.ids()).toEqual([]);
    // A token this node did not make starts from now, and says so.
    const forged = socket(hub, 'top', 'A'.repeat(TOKEN_LENGTH));
    await until('ready', () => forged.ready() !== undefined);
    expect(forged.ready()).toMatchObject({ missed: true });
    expect(forged.start()).toBe(5);
    // 'top' sees the events, with ids that are not numbers.
    const top = socket(hub, 'top', 0);
    await until('the replay', () => top.ids().length === 5);
    for (const f of top.frames.slice(1)) expect(typeof f.id).toBe('string');
  });

  it('a position older than an hour resumes with the last hour, and says some were missed', async () => {
    const db = await createTestDatabase('sqlite');
    let now = Date.now();
    const node = await LiaisonNode.open({
      party: 'JP',
      origin: 'liaison.test/JP',
      store: await openStore(db.target, 'test passphrase'),
      signingKey,
      now: () => now,
    });
    cleanup.push(() => node.close());
    const item = await seeded(node);
    const hub = hubOf(node);
    for (let n = 1; n <= 3; n++) await send(node, hub, item, n);
    const seen = socket(hub, 'top', 0);
    await until('three', () => seen.ids().length === 3);
    const lastId = seen.frames.at(-1)?.id as string;
    seen.remove();
    // Event 4 twenty minutes on, event 5 an hour after it: the token of event 3, and
    // event 4, are now older than an hour.
    now += 20 * 60_000;
    await send(node, hub, item, 4);
    now += KEEP_MS + 1_000;
    await send(node, hub, item, 5);
    const resumed = socket(hub, 'top', lastId);
    await until('the replay', () => resumed.ids().length === 1);
    expect(resumed.ready()).toMatchObject({ missed: true });
    expect(resumed.ids()).toEqual([5]);
  });

  it('a socket removed gets nothing more', async () => {
    const db = await createTestDatabase('sqlite');
    const node = await openNode(db.target);
    const item = await seeded(node);
    const hub = hubOf(node);
    const s = socket(hub, 'top');
    await until('ready', () => s.ready() !== undefined);
    await send(node, hub, item, 1);
    await until('one event', () => s.ids().length === 1);
    s.remove();
    expect(hub.size).toBe(0);
    await send(node, hub, item, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.ids()).toEqual([1]);
  });
});

describe('two instances on one PostgreSQL database', () => {
  async function pair(bus: 'shared' | 'none') {
    const db: TestDatabase = await createTestDatabase('postgres');
    cleanup.push(() => db.drop());
    const a = await openNode(db.target, 'a');
    const b = await openNode(db.target, 'b');
    if (bus === 'shared') {
      const local = new LocalBus();
      a.connectBus(local);
      b.connectBus(local);
    }
    const item = await seeded(a);
    return { a, b, item, hubA: hubOf(a), hubB: hubOf(b) };
  }

  it('an event committed on one is pushed by the other to its sockets, in the one order', async () => {
    const { a, b, item, hubA, hubB } = await pair('shared');
    const onA = socket(hubA, 'top');
    const onB = socket(hubB, 'top');
    const lowB = socket(hubB, 'low');
    await until('ready', () => onA.ready() !== undefined && onB.ready() !== undefined);
    // Both instances commit events; ids follow the one commit order.
    await Promise.all(
      range(1, 20).map((n) => (n % 2 === 0 ? send(a, hubA, item, n) : send(b, hubB, item, n))),
    );
    await until('all twenty on both', () => onA.ids().length === 20 && onB.ids().length === 20);
    expect(onA.ids()).toEqual(range(1, 20));
    expect(onB.ids()).toEqual(range(1, 20));
    // One id per event, whichever instance pushed it.
    expect(onB.frames.slice(1).map((f) => f.id)).toEqual(onA.frames.slice(1).map((f) => f.id));
    expect(lowB.ids()).toEqual([]);
    // Each instance logged its own pushes.
    const logged = await pushedEntries(a);
    expect(logged.filter((s) => s.id === 1)).toHaveLength(2);
  });

  it('without the bus, the other instance finds the events by polling within a second or so', async () => {
    const { a, item, hubA, hubB } = await pair('none');
    const onB = socket(hubB, 'top');
    await until('ready', () => onB.ready() !== undefined);
    const t0 = Date.now();
    await send(a, hubA, item, 1);
    await until('the event on B', () => onB.ids().length === 1, 3000);
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it('a stream resuming on the other instance gets exactly the events after its id', async () => {
    const { a, b, item, hubA, hubB } = await pair('shared');
    const onA = socket(hubA, 'top');
    await until('ready', () => onA.ready() !== undefined);
    for (let n = 1; n <= 10; n++) await send(a, hubA, item, n);
    await until('ten on A', () => onA.ids().length === 10);
    onA.remove();
    const lastSeen = 7;
    const more = Promise.all(range(11, 40).map((n) => send(b, hubB, item, n)));
    const onB = socket(hubB, 'top', onA.frames[lastSeen]?.id as string);
    await more;
    await until('all on B', () => onB.ids().at(-1) === 40);
    expect(onB.ids()).toEqual(range(8, 40));
  });
});
