// The officer's day at the terminal (issue 12), on three real nodes: the list commands
// show titles and page; markings read the same in every command; times are in the
// agreement's zone or this machine's, the zone named, and ISO 8601 with --json; a
// suspended notice does not count down; counts are plural; a bad flag is named in words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addPerson,
  startTrio,
  type Trio,
  terminateGsomia,
  waitFor,
} from '../support/federation.js';
import { http, liaison } from '../support/node-process.js';

type Json = Record<string, unknown>;
let trio: Trio;
const GSOMIA = 'gsomia-jp-kr-2016';
const TITLES = ['Launch report alpha', 'Launch report bravo', 'Track summary charlie'];
const LONG = `Assessment of the second launch window ${'and its consequences '.repeat(4)}`;
const ids: string[] = [];
let longId = '';

/** `liaison …` against a member, as a person there, in Seoul (or another zone). */
function cli(
  p: 'JP' | 'KR' | 'US',
  role: 'officer' | 'ra' | 'admin' | 'clerk',
  args: readonly string[],
  tz = 'Asia/Seoul',
) {
  const m = trio.members[p];
  return liaison([...args, '--node', m.url, '--token', m.tokens[role]], { TZ: tz });
}

/** Exit 2 or 1 with one line that names the flag and no raw validator text. */
function expectWords(r: ReturnType<typeof liaison>, flag: string, what: RegExp): void {
  expect(r.code, r.err).not.toBe(0);
  expect(r.out).toBe('');
  expect(r.err).toContain(flag);
  expect(r.err).toMatch(what);
  expect(r.err).not.toMatch(/must NOT|body\/|querystring\/|must be equal to|\n\s+at /);
  expect(r.err.trim().split('\n')).toHaveLength(1);
}

beforeAll(async () => {
  trio = await startTrio();
  const jp = trio.members.JP;
  for (const [title, marking] of [
    [TITLES[0], 'GOKUHI'],
    [TITLES[1], 'GOKUHI'],
    [TITLES[2], 'HI'],
    [LONG, 'HI'],
  ] as const) {
    const r = await http(jp.url, 'POST', '/v1/items', jp.tokens.ra, {
      marking,
      categories: ['dprk-missile'],
      title,
      body: 'text',
    });
    if (r.status !== 201) throw new Error(r.text);
    ids.push((r.body as { id: string }).id);
  }
  longId = ids[3] as string;
  for (const id of ids) {
    const r = await http(jp.url, 'POST', `/v1/items/${id}/release`, jp.tokens.ra, { to: 'KR' });
    if (r.status !== 202) throw new Error(r.text);
  }
  await waitFor('KR to receive the four items', async () => {
    const inbox = (await http(trio.members.KR.url, 'GET', '/v1/inbox', trio.members.KR.tokens.ra))
      .body as Json[];
    return inbox.length >= 4;
  });
}, 180_000);

afterAll(async () => {
  await trio?.stop();
});

describe('lists show titles and page', () => {
  it('item list: a title column, cut to fit, markings in the one form, created in the local zone', () => {
    const r = cli('JP', 'ra', ['item', 'list']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(
      /^item\s+title\s+marking here\s+originator\s+categories\s+created \(Asia\/Seoul\)$/,
    );
    for (const t of TITLES) expect(lines.find((l) => l.includes(t))).toBeDefined();
    const long = lines.find((l) => l.includes(longId)) ?? '';
    expect(long).toContain('Assessment of the second launch window');
    expect(long).toContain('…');
    expect(long).not.toContain(LONG.trim());
    expect(lines.find((l) => l.includes(TITLES[0] as string))).toContain('JP 極秘 (SECRET)');
    expect(lines.find((l) => l.includes(TITLES[2] as string))).toContain('JP 秘 (CONFIDENTIAL)');
    // The whole title is in --json, and instants are ISO 8601 there.
    const json = JSON.parse(cli('JP', 'ra', ['item', 'list', '--json']).out) as Json[];
    expect(json.find((i) => i.id === longId)?.title).toBe(LONG);
    for (const i of json) expect(i.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });

  it('inbox: the title beside its item, the received time in the machine zone named, paging with a hint', () => {
    const seoul = cli('KR', 'ra', ['inbox']);
    expect(seoul.code, seoul.err).toBe(0);
    const head = seoul.out.split('\n')[0] ?? '';
    expect(head).toMatch(
      /^item\s+title\s+from\s+marking here\s+originator\s+received \(Asia\/Seoul\)$/,
    );
    const row = seoul.out.split('\n').find((l) => l.includes(ids[0] as string)) ?? '';
    expect(row).toContain(TITLES[0]);
    expect(row).toContain('KR 군사II급비밀 (SECRET)');
    expect(row).toContain('JP 極秘 (SECRET)');
    // The same instant in another zone: a different wall clock, that zone named.
    const json = JSON.parse(cli('KR', 'ra', ['inbox', '--json']).out) as Json[];
    const at = json.find((e) => e.item === ids[0])?.receivedAt as string;
    expect(at).toMatch(/Z$/);
    const wall = (tz: string) =>
      new Intl.DateTimeFormat('sv-SE', {
        timeZone: tz,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .format(new Date(at))
        .replace(',', '');
    expect(row).toContain(wall('Asia/Seoul'));
    const ny = cli('KR', 'ra', ['inbox'], 'America/New_York');
    expect(ny.out.split('\n')[0]).toContain('received (America/New_York)');
    expect(ny.out.split('\n').find((l) => l.includes(ids[0] as string))).toContain(
      wall('America/New_York'),
    );
    // Paging: a full page says where the next starts; the next page goes on from there.
    const p1 = cli('KR', 'ra', ['inbox', '--limit', '2']);
    const rows1 = p1.out.split('\n').filter((l) => /^kr-|^jp-/.test(l));
    expect(rows1).toHaveLength(2);
    expect(p1.out.trimEnd().split('\n').at(-1)).toBe('more: --offset 2');
    const p2 = cli('KR', 'ra', ['inbox', '--limit', '2', '--offset', '2']);
    const rows2 = p2.out.split('\n').filter((l) => /^jp-/.test(l));
    expect(rows2).toHaveLength(2);
    expect(rows2.some((l) => rows1.includes(l))).toBe(false);
    const past = cli('KR', 'ra', ['inbox', '--offset', '100']);
    expect(past.out.trim()).toBe('nothing after --offset 100');
    // Fewer than a page: no hint.
    expect(cli('KR', 'ra', ['inbox']).out).not.toContain('more:');
  });

  it('outbox: the title of the item each message is about, paging', () => {
    const r = cli('JP', 'ra', ['outbox']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/\btitle\b.*\bqueued \(Asia\/Seoul\)/);
    const row = r.out.split('\n').find((l) => l.includes(ids[2] as string)) ?? '';
    expect(row).toContain(TITLES[2]);
    const one = cli('JP', 'ra', ['outbox', '--limit', '1']);
    expect(one.out).toContain('more: --offset 1');
    const json = JSON.parse(cli('JP', 'ra', ['outbox', '--json', '--limit', '200']).out) as Json[];
    expect(json.find((e) => e.item === ids[2])?.title).toBe(TITLES[2]);
  });

  it("consent list: the item's title and the requester's note, both ways", async () => {
    const asked = cli('KR', 'ra', [
      'consent',
      'request',
      '--item',
      ids[2] as string,
      '--to',
      'US',
      '--note',
      'needed for the trilateral brief on Friday',
    ]);
    expect(asked.code, asked.err).toBe(0);
    expect(asked.out).toContain(TITLES[2]);
    const out = cli('KR', 'ra', ['consent', 'list', '--direction', 'outgoing']);
    expect(out.out).toContain(TITLES[2]);
    expect(out.out).toContain('note    needed for the trilateral brief on Friday');
    // Waited for through the API (a CLI call a tenth of a second would load the machine).
    await waitFor('the request at JP', async () => {
      const r = await http(
        trio.members.JP.url,
        'GET',
        '/v1/consents/requests?direction=incoming',
        trio.members.JP.tokens.ra,
      );
      return (r.body as { title: string }[]).some((c) => c.title === TITLES[2]);
    });
    const atJp = cli('JP', 'ra', ['consent', 'list', '--direction', 'incoming']);
    expect(atJp.out).toMatch(/INCOMING|incoming/);
    expect(atJp.out).toContain('note    needed for the trilateral brief on Friday');
    expect(atJp.out).toMatch(
      /requested \d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)? Asia\/Seoul \(UTC\+09:00\)/,
    );
    const json = JSON.parse(
      cli('JP', 'ra', ['consent', 'list', '--json', '--direction', 'incoming']).out,
    ) as Json[];
    expect(json[0]).toMatchObject({
      title: TITLES[2],
      note: 'needed for the trilateral brief on Friday',
    });
    expect(json[0]?.requestedAt).toMatch(/Z$/);
  });
});

describe('release to several parties in one call (issue 14 point 6)', () => {
  it('--to US,KR decides each party on its own, prints each answer in order, and exits 1 when one is refused', async () => {
    const jp = trio.members.JP;
    const made = await http(jp.url, 'POST', '/v1/items', jp.tokens.ra, {
      marking: 'HI',
      categories: ['dprk-missile'],
      title: 'Bulk release delta',
      body: 'text',
    });
    expect(made.status, made.text).toBe(201);
    const id = (made.body as { id: string }).id;
    // KR first, alone: then KR already holds it when both are asked for.
    const first = cli('JP', 'ra', ['item', 'release', id, '--to', 'KR']);
    expect(first.code, first.err).toBe(0);
    const r = cli('JP', 'ra', ['item', 'release', id, '--to', 'US,KR']);
    expect(r.code, r.err).toBe(1);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^US: queued envelope \S+, marked .+ there$/);
    expect(lines[1]).toMatch(/^KR: refused: already-held \(/);
    await waitFor('US to receive it', async () =>
      (
        (await http(trio.members.US.url, 'GET', '/v1/inbox', trio.members.US.tokens.ra))
          .body as Json[]
      ).some((e) => e.item === id),
    );
    // --json: one object per party, with its decision and reasons; nothing queued twice.
    const j = cli('JP', 'ra', ['item', 'release', id, '--to', 'KR,US', '--json']);
    expect(j.code).toBe(1);
    const results = JSON.parse(j.out) as { to: string; decision: string; envelope: unknown }[];
    expect(results.map((x) => [x.to, x.decision, x.envelope])).toEqual([
      ['KR', 'deny', null],
      ['US', 'deny', null],
    ]);
  });

  it('a party named twice or left empty is refused before anything is decided', () => {
    const twice = cli('JP', 'ra', ['item', 'release', ids[0] as string, '--to', 'US,US']);
    expect(twice.code, twice.err).toBe(2);
    expect(twice.err).toMatch(/US is named twice/);
    expectWords(
      cli('JP', 'ra', ['item', 'release', ids[0] as string, '--to', 'US,']),
      '--to',
      /a party name is empty in 'US,'/,
    );
  });

  it('the API answers each party, and a person who may not read the item hears only codes', async () => {
    const jp = trio.members.JP;
    const r = await http(jp.url, 'POST', `/v1/items/${ids[0]}/releases`, jp.tokens.ra, {
      to: ['KR', 'ZZ'],
    });
    expect(r.status, r.text).toBe(200);
    const { results } = r.body as { results: { to: string; reasons: { code: string }[] }[] };
    expect(results.map((x) => [x.to, x.reasons[0]?.code])).toEqual([
      ['KR', 'already-held'],
      ['ZZ', 'unknown-party'],
    ]);
    // A releasing authority not cleared for the item (HI, the item GOKUHI): each party
    // refused, told the reason codes with their general meaning, nothing of the item.
    const low = await addPerson(jp, 'jp-low-ra', 'HI', ['dprk-missile'], ['releasing-authority']);
    const c = await http(jp.url, 'POST', `/v1/items/${ids[0]}/releases`, low, { to: ['US'] });
    expect(c.status, c.text).toBe(200);
    const told = (c.body as { results: { envelope: unknown; reasons: Json[] }[] }).results;
    expect(told[0]?.envelope).toBeNull();
    expect(told[0]?.reasons[0]).toMatchObject({ code: 'clearance-insufficient' });
    expect(c.text).not.toContain('GOKUHI');
    expect(c.text).not.toContain(TITLES[0] as string);
  });
});

describe('agreements: times in their own zone, notices in words', () => {
  it('agreement list and show name the zone and print instants in it', () => {
    const list = cli('JP', 'admin', ['agreement', 'list'], 'UTC');
    expect(list.code, list.err).toBe(0);
    const row = list.out.split('\n').find((l) => l.startsWith(GSOMIA)) ?? '';
    expect(row).toContain('Asia/Seoul');
    // The GSOMIA's boundaries are at midnight in Seoul, whatever the machine's zone.
    expect(row).toMatch(/-11-23 00:00\s+\d{4}-08-25 00:00/);
    const show = cli('JP', 'admin', ['agreement', 'show', GSOMIA], 'America/New_York');
    expect(show.out).toContain("times in Asia/Seoul (the agreement's zone)");
    expect(show.out).toMatch(/in force from 2016-11-23 00:00 \+09:00/);
    expect(show.out).toMatch(/term ends: \d{4}-11-23 00:00 \+09:00 \(in \d+ days?\)/);
    const json = JSON.parse(
      cli('JP', 'admin', ['agreement', 'show', GSOMIA, '--json']).out,
    ) as Json;
    expect(json.timezone).toBe('Asia/Seoul');
    expect(json.entryIntoForce).toBe('2016-11-22T15:00:00Z');
  });

  it('a suspended notice says so and what resuming does, with no countdown; a terminated agreement shows no pending notice', async () => {
    const give = cli('JP', 'admin', ['agreement', 'notice', GSOMIA, '--action', 'give']);
    expect(give.code, give.err).toBe(0);
    const active = cli('JP', 'admin', ['agreement', 'show', GSOMIA]);
    expect(active.out).toMatch(/notice: notice by JP: the agreement ends at .* \(in \d+ days\)/);
    const suspend = cli('JP', 'admin', ['agreement', 'notice', GSOMIA, '--action', 'suspend']);
    expect(suspend.code, suspend.err).toBe(0);
    const show = cli('JP', 'admin', ['agreement', 'show', GSOMIA]);
    const line = show.out.split('\n').find((l) => l.startsWith('notice:')) ?? '';
    expect(line).toMatch(/SUSPENDED: it terminates nothing while suspended; if resumed before/);
    expect(line).not.toMatch(/\bin \d+ (day|hour|minute)/);
    const list = cli('JP', 'admin', ['agreement', 'list']);
    const row = list.out.split('\n').find((l) => l.startsWith(GSOMIA)) ?? '';
    expect(row).toMatch(/JP, SUSPENDED$/);
    expect(list.out).toContain(`${GSOMIA}: notice by JP SUSPENDED`);
    expect(list.out).not.toMatch(/SUSPENDED[^\n]*\bin \d+ days/);
    // Ended by both parties a moment from now, with JP's notice still suspended.
    const end = Date.now() + 3_000;
    await terminateGsomia(trio, end);
    await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now()) + 500));
    const after = cli('JP', 'admin', ['agreement', 'list']);
    const ended = after.out.split('\n').find((l) => l.startsWith(GSOMIA)) ?? '';
    expect(ended).toMatch(/terminated \d{4}-\d\d-\d\d \d\d:\d\d/);
    expect(ended).toMatch(/—$/);
    expect(after.out).toContain(`${GSOMIA}: terminated`);
    expect(after.out).toContain('by mutual termination');
    expect(after.out).not.toMatch(new RegExp(`${GSOMIA}: notice`));
    const shown = cli('JP', 'admin', ['agreement', 'show', GSOMIA]);
    expect(shown.out).toMatch(/: TERMINATED .* BY MUTUAL TERMINATION/);
    expect(shown.out).not.toMatch(/^notice:/m);
    expect(shown.out).not.toMatch(/pending/);
  });
});

describe('errors name the flag in words', () => {
  it('the node’s refusals of a field come back as the flag that gave it', () => {
    const base = ['item', 'create', '--title', 't', '--body', 'b'];
    expectWords(
      cli('JP', 'ra', [...base, '--marking', 'NOPE', '--category', 'dprk-missile']),
      '--marking',
      /unknown marking 'NOPE' for JP \(known: U, HI, GOKUHI/,
    );
    expectWords(
      cli('JP', 'ra', [...base, '--marking', 'GO KU', '--category', 'dprk-missile']),
      '--marking',
      /must be letters, digits/,
    );
    expectWords(
      cli('JP', 'ra', [
        ...base,
        '--marking',
        'HI',
        '--category',
        'dprk-missile',
        '--precedence',
        'urgent',
      ]),
      '--precedence',
      /must be one of: FLASH, IMMEDIATE, PRIORITY, ROUTINE/,
    );
    expectWords(
      cli('JP', 'ra', [
        'item',
        'create',
        '--marking',
        'HI',
        '--category',
        'dprk-missile',
        '--title',
        'x'.repeat(501),
      ]),
      '--title',
      /must be at most 500 characters/,
    );
    expectWords(
      cli('JP', 'ra', ['item', 'release', ids[0] as string, '--to', 'ZZ']),
      '--to',
      /unknown party 'ZZ'/,
    );
    expectWords(
      cli('KR', 'ra', [
        'consent',
        'request',
        '--item',
        ids[2] as string,
        '--to',
        'US',
        '--note',
        'n'.repeat(2001),
      ]),
      '--note',
      /must be at most 2000 characters/,
    );
    expectWords(
      cli('JP', 'ra', ['consent', 'grant', 'creq-x', '--reason', '']),
      '--reason',
      /must not be empty/,
    );
    expectWords(
      cli('JP', 'ra', ['consent', 'grant', 'creq-x', '--reason', 'ok', '--expires', '2020-01-01']),
      '--expires',
      /is not an instant/,
    );
    expectWords(cli('JP', 'ra', ['item', 'read', 'no-such-id']), "'no-such-id'", /no such item/);
    // --json carries the field.
    const j = cli('JP', 'ra', [
      ...base,
      '--marking',
      'GO KU',
      '--category',
      'dprk-missile',
      '--json',
    ]);
    expect(JSON.parse(j.err)).toMatchObject({
      error: { code: 'invalid-request', field: 'marking' },
    });
  });

  it('paging flags are checked before the node is asked', () => {
    for (const cmd of [['item', 'list'], ['inbox'], ['outbox'], ['consent', 'list']]) {
      const a = liaison([...cmd, '--limit', '0', '--node', '127.0.0.1:9']);
      expect(a.code, cmd.join(' ')).toBe(2);
      expect(a.err).toMatch(/--limit must be a whole number from 1 to 200, not '0'/);
      const b = liaison([...cmd, '--offset', 'x', '--node', '127.0.0.1:9']);
      expect(b.code).toBe(2);
      expect(b.err).toMatch(/--offset must be a whole number from 0 to 1000000, not 'x'/);
    }
  });
});
