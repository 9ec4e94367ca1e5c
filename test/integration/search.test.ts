// Full-text search on real node processes (docs/decisions.md #136): items in English,
// Japanese and Korean found through GET /v1/search and `liaison item search`; a person
// never finds what they may not read (not in the results, not in the paging, and a
// word only a hidden item holds answers exactly as a word nobody wrote); the page
// shown is logged, the words searched for are not; an item released by a partner is
// found where it arrived; on PostgreSQL, an item made at one instance is found at the
// other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { addPerson, type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import {
  http,
  type InitializedNode,
  initNodeDir,
  liaison,
  type NodeProcess,
  startNodeProcess,
  storedEntries,
} from '../support/node-process.js';

type Summary = { id: string; title: string; originator: string; marking: { code: string } };

let trio: Trio;
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, who: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members[p].tokens[who];

async function create(
  p: Party,
  marking: string,
  categories: string[],
  title: string,
  body: string,
  precedence?: string,
): Promise<string> {
  const r = await http(url(p), 'POST', '/v1/items', tok(p, 'ra'), {
    marking,
    categories,
    title,
    body,
    ...(precedence === undefined ? {} : { precedence }),
  });
  if (r.status !== 201) throw new Error(`create ${title}: ${r.text}`);
  return (r.body as { id: string }).id;
}

async function search(p: Party, token: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(
    Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]),
  );
  return http(url(p), 'GET', `/v1/search?${qs}`, token);
}

async function found(p: Party, token: string, query: Record<string, string | number>) {
  const r = await search(p, token, query);
  expect(r.status, r.text).toBe(200);
  return (r.body as Summary[]).map((s) => s.id);
}

const items: Record<string, string> = {};
let narrow = '';

beforeAll(async () => {
  trio = await startTrio();
  // Cleared for SECRET, but only for missiles: the nuclear item is out of need-to-know.
  narrow = await addPerson(trio.members.JP, 'jp-narrow', 'GOKUHI', ['dprk-missile'], ['officer']);
  items.en = await create(
    'JP',
    'GOKUHI',
    ['dprk-missile'],
    'Launch report',
    'Two short-range ballistic missiles launched from Sunan at 05:32 JST.',
  );
  items.ja = await create(
    'JP',
    'GOKUHI',
    ['dprk-missile'],
    '北朝鮮ミサイル発射',
    '弾道ミサイル2発が日本海に落下した。',
  );
  items.ko = await create(
    'JP',
    'GOKUHI',
    ['dprk-missile'],
    '북한 미사일 보고',
    '북한이 동해상으로 탄도 미사일을 발사했다.',
    'IMMEDIATE',
  );
  // Above the officer's clearance (機密, TOP SECRET): words only it holds.
  items.top = await create(
    'JP',
    'KIMITSU',
    ['dprk-missile'],
    'Zanzibarite plan',
    'zanzibarite missile ミサイル 미사일 極秘作戦',
  );
  // Out of jp-narrow's need-to-know.
  items.nuclear = await create(
    'JP',
    'GOKUHI',
    ['dprk-nuclear'],
    'Quokkanite test site',
    'quokkanite missile activity at the test site',
  );
  // Readable by the clerk (秘, CONFIDENTIAL).
  items.low = await create('JP', 'HI', ['dprk-missile'], 'Missile notice', 'routine notice');
}, 180_000);

afterAll(async () => {
  await trio?.stop();
});

describe('full-text search', () => {
  it('finds items in English, Japanese and Korean (API), newest first, with filters', async () => {
    const officer = tok('JP', 'officer');
    expect(await found('JP', officer, { q: 'ballistic' })).toEqual([items.en]);
    expect(await found('JP', officer, { q: 'ミサイル発射' })).toEqual([items.ja]);
    expect(await found('JP', officer, { q: '日本海' })).toEqual([items.ja]);
    expect(await found('JP', officer, { q: '미사일' })).toEqual([items.ko]);
    expect(await found('JP', officer, { q: '발사' })).toEqual([items.ko]);
    // Upper case, full width and a prefix: ＢＡＬＬＩＳＴ is ballist…
    expect(await found('JP', officer, { q: 'ＢＡＬＬＩＳＴ Sunan' })).toEqual([items.en]);
    // Newest first; the officer is cleared for 極秘, not for 機密.
    expect(await found('JP', officer, { q: 'missile' })).toEqual([
      items.low,
      items.nuclear,
      items.en,
    ]);
    expect(await found('JP', officer, { q: 'missile', category: 'dprk-nuclear' })).toEqual([
      items.nuclear,
    ]);
    expect(await found('JP', officer, { q: 'missile', marking: 'HI' })).toEqual([items.low]);
    expect(await found('JP', officer, { q: '미사일', precedence: 'IMMEDIATE' })).toEqual([
      items.ko,
    ]);
    expect(await found('JP', officer, { q: 'missile', originator: 'KR' })).toEqual([]);
    expect(await found('JP', officer, { q: 'missile', from: '2999-01-01T00:00:00Z' })).toEqual([]);
    expect(await found('JP', officer, { q: 'missile', to: '2000-01-01T00:00:00+09:00' })).toEqual(
      [],
    );
    expect(await found('JP', officer, { q: 'missile', limit: 1, offset: 1 })).toEqual([
      items.nuclear,
    ]);
  });

  it('refuses a query with no words, a bad instant and an unknown marking, naming the field', async () => {
    const officer = tok('JP', 'officer');
    for (const [query, field] of [
      [{ q: '・、。--' }, 'q'],
      [{ q: 'missile', from: 'yesterday' }, 'from'],
      [{ q: 'missile', marking: 'NOSUCH' }, 'marking'],
    ] as const) {
      const r = await search('JP', officer, query);
      expect(r.status, r.text).toBe(400);
      expect((r.body as { error: { field: string } }).error.field).toBe(field);
    }
    expect((await search('JP', officer, { q: '' })).status).toBe(400);
    expect((await http(url('JP'), 'GET', '/v1/search?q=missile')).status).toBe(401);
  });

  it('never shows what the person may not read: a hidden word answers as a word nobody wrote', async () => {
    const officer = tok('JP', 'officer');
    const hidden = await search('JP', officer, { q: 'zanzibarite' });
    const nowhere = await search('JP', officer, { q: 'nowherewordxyz' });
    expect(hidden.status).toBe(200);
    expect(hidden.text).toBe('[]');
    expect(hidden.text).toBe(nowhere.text);
    expect(await found('JP', officer, { q: '極秘作戦' })).toEqual([]);
    // jp-narrow: the nuclear item is out of need-to-know.
    expect(await found('JP', narrow, { q: 'quokkanite' })).toEqual([]);
    expect(await found('JP', narrow, { q: 'missile' })).toEqual([items.low, items.en]);
    // Paging counts only what the person may read: the second is items.en, not a hidden one.
    expect(await found('JP', narrow, { q: 'missile', limit: 1, offset: 1 })).toEqual([items.en]);
    expect(await found('JP', narrow, { q: 'missile', limit: 1, offset: 2 })).toEqual([]);
    // The clerk (秘) finds only the 秘 item; the releasing authority (機密) every one.
    expect(await found('JP', tok('JP', 'clerk'), { q: 'missile' })).toEqual([items.low]);
    expect(await found('JP', tok('JP', 'ra'), { q: 'zanzibarite' })).toEqual([items.top]);
  });

  it('logs the page shown (ids and filters), never the words searched for, nothing for an empty page', async () => {
    const jp = trio.members.JP;
    const before = (await storedEntries(jp.init, undefined, 0)).length;
    expect(
      await found('JP', tok('JP', 'ra'), { q: 'ballistic', category: 'dprk-missile' }),
    ).toEqual([items.en]);
    expect(await found('JP', narrow, { q: 'quokkanite' })).toEqual([]);
    const entries = await storedEntries(jp.init, undefined, before);
    const listings = entries.filter((e) => e.type === 'listing.viewed');
    expect(listings).toHaveLength(1);
    expect(listings[0]).toMatchObject({
      actor: { user: 'jp-ra', party: 'JP' },
      subject: { view: 'search', items: [items.en], filters: { category: 'dprk-missile' } },
    });
    const all = JSON.stringify(await storedEntries(jp.init, undefined, 0));
    for (const word of ['ballistic', 'quokkanite', 'zanzibarite', 'nowherewordxyz'])
      expect(all).not.toContain(word);
  });

  it('liaison item search: a table, --json, filters as flags', () => {
    const jp = trio.members.JP;
    const target = ['--node', jp.url, '--token', tok('JP', 'officer')];
    const table = liaison(['item', 'search', 'ミサイル', '発射', ...target]);
    expect(table.code, table.err).toBe(0);
    expect(table.out).toContain(items.ja);
    expect(table.out).toContain('北朝鮮ミサイル発射');
    expect(table.out).toContain('JP 極秘 (SECRET)');
    const json = liaison([
      'item',
      'search',
      '미사일',
      '--precedence',
      'immediate',
      '--json',
      ...target,
    ]);
    expect(json.code, json.err).toBe(0);
    expect((JSON.parse(json.out) as Summary[]).map((s) => s.id)).toEqual([items.ko]);
    const paged = liaison(['item', 'search', 'missile', '--limit', '1', ...target]);
    expect(paged.out).toContain(items.low);
    expect(paged.out).toContain('more: --offset 1');
    const none = liaison(['item', 'search', 'zanzibarite', ...target]);
    expect(none.code).toBe(0);
    expect(none.out.trim()).toBe('no items you may read match');
    const bad = liaison(['item', 'search', 'missile', '--from', 'yesterday', ...target]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--from');
  });

  it('an item released by JP is found at KR, whose index was built before it arrived', async () => {
    const krOfficer = tok('KR', 'officer');
    expect(await found('KR', krOfficer, { q: 'ballistic' })).toEqual([]);
    const sent = await http(url('JP'), 'POST', `/v1/items/${items.en}/release`, tok('JP', 'ra'), {
      to: 'KR',
    });
    expect(sent.status, sent.text).toBe(202);
    await waitFor('the item at KR', async () => {
      const r = await http(url('KR'), 'GET', `/v1/items/${items.en}`, krOfficer);
      return r.status === 200;
    });
    expect(await found('KR', krOfficer, { q: 'ballistic', originator: 'JP' })).toEqual([items.en]);
    // KR holds it at 군사II급비밀: the marking filter takes KR's code or JP's.
    expect(await found('KR', krOfficer, { q: 'ballistic', marking: 'II' })).toEqual([items.en]);
    expect(await found('KR', krOfficer, { q: 'ballistic', marking: 'GOKUHI' })).toEqual([items.en]);
    // What JP did not release is not at KR at all.
    expect(await found('KR', krOfficer, { q: 'ミサイル' })).toEqual([]);
    expect(await found('KR', tok('KR', 'clerk'), { q: 'ballistic' })).toEqual([]);
  });
});

const NATS = process.env.LIAISON_TEST_NATS ?? 'nats://127.0.0.1:4222';

describe('full-text search with two instances (PostgreSQL + NATS)', () => {
  let db: TestDatabase;
  let init: InitializedNode;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    init = initNodeDir('JP', db.target);
    const instance = (name: string) =>
      startNodeProcess(init.dir, undefined, ['--nats', NATS, '--instance', name]);
    [a, b] = await Promise.all([instance('a'), instance('b')]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it('an item made at one instance is found at the other at once', async () => {
    const u = await http(a.url, 'POST', '/v1/users', init.adminToken, {
      username: 'jp-officer',
      clearance: 'GOKUHI',
      needToKnow: ['dprk-missile'],
      roles: ['officer'],
    });
    expect(u.status, u.text).toBe(201);
    const t = await http(a.url, 'POST', '/v1/users/jp-officer/tokens', init.adminToken, {
      label: 't',
    });
    const token = (t.body as { token: string }).token;
    const q = (at: NodeProcess, words: string) =>
      http(at.url, 'GET', `/v1/search?q=${encodeURIComponent(words)}`, token);
    // Both instances build their index (empty) first.
    expect((await q(a, 'missile')).text).toBe('[]');
    expect((await q(b, 'missile')).text).toBe('[]');
    const made = await http(a.url, 'POST', '/v1/items', token, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'ミサイル発射の報告',
      body: 'Two ballistic missiles; 북한이 미사일을 발사했다',
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    // B catches up under the node's lock before it searches: no waiting for the bus.
    for (const words of ['ミサイル発射', 'ballistic', '미사일'])
      expect(((await q(b, words)).body as Summary[]).map((s) => s.id)).toEqual([id]);
    expect(((await q(a, 'ballistic')).body as Summary[]).map((s) => s.id)).toEqual([id]);
    // And again, now from B's index.
    expect(((await q(b, 'ballistic')).body as Summary[]).map((s) => s.id)).toEqual([id]);
  });
});
