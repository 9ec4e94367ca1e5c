// TAXII 2.1 (issue 14) on real nodes: JP's node serves its items to a client written
// here from the OASIS specification (fetch, following `next` until `more` is false).
// Discovery, the API root, collections per need-to-know category, objects paged by
// limit/next and added_after; a person cleared for less sees only what they may read,
// in pages cut as if the rest did not exist; every item served is logged as a read
// (view taxii); 401, 404, 406 and 400 as TAXII error messages. Every page's objects are
// validated against the OASIS STIX schemas.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TAXII_MEDIA_TYPE } from '../../src/api/taxii-routes.js';
import { ITEM_EXTENSION_ID } from '../../src/interop/stix.js';
import { collectionId, decodeNext } from '../../src/node/taxii.js';
import { startTrio, type Trio } from '../support/federation.js';
import { BIN, http, storedEntries } from '../support/node-process.js';
import { validateBundle } from '../support/stix-schemas.js';

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  type: string | null;
  first: string | null;
  last: string | null;
  body: Json;
}

let trio: Trio;
const MISSILE = collectionId('dprk-missile');
const NUCLEAR = collectionId('dprk-nuclear');
/** JP's items by marking and category, in the order they were created. */
const made: { id: string; marking: string; category: string }[] = [];
const url = () => trio.members.JP.url;
const tok = (role: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members.JP.tokens[role];

/** One TAXII request as a client does it: Accept the TAXII media type, bearer token. */
async function taxii(path: string, token: string | undefined, accept = TAXII_MEDIA_TYPE) {
  const res = await fetch(new URL(path, url()), {
    headers: {
      accept,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    first: res.headers.get('x-taxii-date-added-first'),
    last: res.headers.get('x-taxii-date-added-last'),
    body: (text === '' ? {} : JSON.parse(text)) as Json,
  } satisfies Answer;
}

/** Every page of a collection's objects, following `next` while `more` says so. */
async function pullAll(token: string, collection: string, query: Record<string, string>) {
  const pages: Answer[] = [];
  let next: string | undefined;
  for (let guard = 0; guard < 50; guard++) {
    const q = new URLSearchParams({ ...query, ...(next === undefined ? {} : { next }) });
    const a = await taxii(`/taxii2/api/collections/${collection}/objects/?${q}`, token);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.type).toBe(TAXII_MEDIA_TYPE);
    pages.push(a);
    if (a.body.more !== true) {
      expect(a.body.next).toBeUndefined();
      return pages;
    }
    next = a.body.next as string;
    expect(typeof next).toBe('string');
  }
  throw new Error('more than 50 pages');
}

const objectsOf = (a: Answer) => (a.body.objects ?? []) as Json[];
/** The items a page served: its reports' liaison-item extension names them. */
const itemsOf = (a: Answer) =>
  objectsOf(a)
    .filter((o) => o.type === 'report')
    .map((o) => ((o.extensions as Json)[ITEM_EXTENSION_ID] as { item: string }).item);

beforeAll(async () => {
  trio = await startTrio();
  // Interleaved: HI items the clerk may read, GOKUHI ones above the clerk's clearance,
  // and HI items in a category outside the clerk's need-to-know.
  const plan: [string, string][] = [];
  for (let i = 0; i < 6; i++) {
    plan.push(['HI', 'dprk-missile']);
    if (i < 4) plan.push(['GOKUHI', 'dprk-missile']);
    if (i < 2) plan.push(['HI', 'dprk-nuclear']);
  }
  for (const [marking, category] of plan) {
    const c = await http(url(), 'POST', '/v1/items', tok('ra'), {
      marking,
      categories: [category],
      title: `TAXII ${made.length} ${marking}`,
      body: `Item ${made.length}, ${category}`,
    });
    if (c.status !== 201) throw new Error(c.text);
    made.push({ id: (c.body as { id: string }).id, marking, category });
    // Distinct dates added, so that added_after cuts between two items.
    await new Promise((r) => setTimeout(r, 5));
  }
}, 180_000);

afterAll(async () => {
  await trio?.stop();
});

describe('TAXII 2.1 server (issue 14)', () => {
  it('discovery, API root, collections (one per need-to-know category, UUIDv5 ids), collection', async () => {
    const d = await taxii('/taxii2/', tok('officer'));
    expect(d.status).toBe(200);
    expect(d.type).toBe(TAXII_MEDIA_TYPE);
    expect(d.body).toMatchObject({ default: '/taxii2/api/', api_roots: ['/taxii2/api/'] });
    const root = await taxii('/taxii2/api/', tok('officer'));
    expect(root.status).toBe(200);
    expect(root.body).toMatchObject({ versions: [TAXII_MEDIA_TYPE] });
    expect(typeof root.body.max_content_length).toBe('number');

    const officer = await taxii('/taxii2/api/collections/', tok('officer'));
    expect(officer.status).toBe(200);
    const cs = officer.body.collections as Json[];
    expect(cs.map((c) => c.id)).toEqual([MISSILE, NUCLEAR]);
    for (const c of cs) {
      expect(c.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(c).toMatchObject({
        can_read: true,
        can_write: false,
        media_types: ['application/stix+json;version=2.1'],
      });
      expect(typeof c.title).toBe('string');
    }
    const clerk = await taxii('/taxii2/api/collections/', tok('clerk'));
    expect((clerk.body.collections as Json[]).map((c) => c.id)).toEqual([MISSILE]);
    const one = await taxii(`/taxii2/api/collections/${MISSILE}/`, tok('clerk'));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: MISSILE, alias: 'dprk-missile', can_read: true });
    // Another person's collection is answered like one that does not exist.
    const notMine = await taxii(`/taxii2/api/collections/${NUCLEAR}/`, tok('clerk'));
    const none = await taxii(`/taxii2/api/collections/${collectionId('nope')}/`, tok('clerk'));
    expect(notMine.status).toBe(404);
    expect(none.status).toBe(404);
    expect(notMine.body).toMatchObject({ http_status: '404', error_code: 'not-found' });
  });

  it('objects over several pages by limit and next: every item once, none missing, whole items per page, valid STIX, each logged as a read (view taxii)', async () => {
    const jp = trio.members.JP;
    const before = (await storedEntries(jp.init, undefined, 0)).length;
    const pages = await pullAll(tok('officer'), MISSILE, { limit: '8' });
    const served = pages.flatMap(itemsOf);
    const expected = made.filter((m) => m.category === 'dprk-missile').map((m) => m.id);
    expect(served).toEqual(expected);
    expect(new Set(served).size).toBe(served.length);
    expect(pages.length).toBeGreaterThan(2);
    for (const p of pages) {
      const objects = objectsOf(p);
      expect(objects.length).toBeLessThanOrEqual(8);
      // No object twice within a page (shared identities and definitions once).
      expect(new Set(objects.map((o) => o.id)).size).toBe(objects.length);
      expect(validateBundle({ type: 'bundle', id: `bundle--${MISSILE}`, objects })).toEqual([]);
      expect(p.first).not.toBeNull();
      expect(Date.parse(p.first ?? '')).toBeLessThanOrEqual(Date.parse(p.last ?? ''));
      // A report and what it refers to are on the same page.
      for (const r of objects.filter((o) => o.type === 'report')) {
        for (const ref of [
          ...(r.object_refs as string[]),
          ...(r.object_marking_refs as string[]),
          r.created_by_ref as string,
        ])
          expect(objects.some((o) => o.id === ref)).toBe(true);
      }
    }
    const reads = (await storedEntries(jp.init, undefined, before)).filter(
      (e) => e.type === 'item.read',
    );
    expect(reads.map((e) => (e.subject as Json).item)).toEqual(expected);
    for (const e of reads)
      expect(e).toMatchObject({
        actor: { user: 'jp-officer', party: 'JP' },
        decision: 'allow',
        subject: { view: 'taxii' },
      });
  });

  it('added_after: only items added here after the instant; X-TAXII-Date-Added-Last of a page cuts after it', async () => {
    const firstPage = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/?limit=8`,
      tok('officer'),
    );
    const seen = itemsOf(firstPage);
    const after = firstPage.last ?? '';
    const rest = await pullAll(tok('officer'), MISSILE, { added_after: after, limit: '20' });
    const missile = made.filter((m) => m.category === 'dprk-missile').map((m) => m.id);
    expect(rest.flatMap(itemsOf)).toEqual(missile.slice(seen.length));
    const future = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/?added_after=2099-01-01T00:00:00.000Z`,
      tok('officer'),
    );
    expect(future.status).toBe(200);
    expect(future.body).toEqual({ more: false });
    expect(future.first).toBeNull();
  });

  it('a person cleared for less sees only what they may read, in pages cut as if the rest did not exist; tokens and dates name only what they saw', async () => {
    const jp = trio.members.JP;
    const before = (await storedEntries(jp.init, undefined, 0)).length;
    const mine = made.filter((m) => m.category === 'dprk-missile' && m.marking === 'HI');
    const hidden = made.filter((m) => !mine.includes(m)).map((m) => m.id);
    const pages = await pullAll(tok('clerk'), MISSILE, { limit: '8' });
    expect(pages.flatMap(itemsOf)).toEqual(mine.map((m) => m.id));
    // One item of 6 objects, then one report each (the marking, identities and
    // definitions shared): 3 items a page, so 6 items make 2 pages, exactly.
    expect(pages.map((p) => itemsOf(p).length)).toEqual([3, 3]);
    expect(pages.map((p) => p.body.more)).toEqual([true, false]);
    const text = JSON.stringify(pages.map((p) => p.body));
    for (const id of hidden) expect(text).not.toContain(id);
    for (const p of pages) {
      if (typeof p.body.next === 'string') {
        const c = decodeNext(p.body.next);
        expect(c.id).toBe(itemsOf(p).at(-1));
      }
    }
    // The officer's view of the same collection dates its pages otherwise: the
    // clerk's dates are those of their own items.
    const officerAll = (await pullAll(tok('officer'), MISSILE, { limit: '100' }))[0];
    expect(itemsOf(officerAll ?? ({ body: {} } as Answer)).length).toBe(10);
    // A hidden report's id is answered like an unknown one.
    const hiddenReport = objectsOf(officerAll as Answer).find(
      (o) =>
        o.type === 'report' &&
        hidden.includes(((o.extensions as Json)[ITEM_EXTENSION_ID] as { item: string }).item),
    );
    expect(hiddenReport).toBeDefined();
    const byId = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/${hiddenReport?.id}/`,
      tok('clerk'),
    );
    const unknown = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/report--00000000-0000-5000-8000-000000000000/`,
      tok('clerk'),
    );
    expect(byId.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(byId.body.error_code).toBe(unknown.body.error_code);
    // The clerk's reads: only their own items, each once per time it was served.
    const reads = (await storedEntries(jp.init, undefined, before)).filter(
      (e) => e.type === 'item.read' && (e.actor as Json).user === 'jp-clerk',
    );
    expect(reads.map((e) => (e.subject as Json).item)).toEqual(mine.map((m) => m.id));
  });

  it('an object by id, and match[type]', async () => {
    const first = made[0]?.id ?? '';
    const all = (await pullAll(tok('officer'), MISSILE, { limit: '100' }))[0] as Answer;
    const report = objectsOf(all).find(
      (o) =>
        o.type === 'report' &&
        ((o.extensions as Json)[ITEM_EXTENSION_ID] as { item: string }).item === first,
    );
    const one = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/${report?.id}/`,
      tok('officer'),
    );
    expect(one.status).toBe(200);
    expect(objectsOf(one)).toEqual([report]);
    const reports = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/?match[type]=report&limit=4`,
      tok('officer'),
    );
    expect(objectsOf(reports).map((o) => o.type)).toEqual(['report', 'report', 'report', 'report']);
    expect(reports.body.more).toBe(true);
  });

  it('refusals as TAXII error messages: 401 without a token, 403 for a role that does not read, 406 for another media type, 400 for a bad next or added_after', async () => {
    const none = await taxii('/taxii2/', undefined);
    expect(none.status).toBe(401);
    expect(none.type).toBe(TAXII_MEDIA_TYPE);
    expect(none.body).toMatchObject({ http_status: '401', error_code: 'unauthenticated' });
    expect(typeof none.body.title).toBe('string');
    const bad = await taxii(`/taxii2/api/collections/${MISSILE}/objects/`, 'lsn_no-such-token');
    expect(bad.status).toBe(401);
    const admin = await taxii('/taxii2/api/collections/', tok('admin'));
    expect(admin.status).toBe(403);
    expect(admin.body).toMatchObject({ http_status: '403', error_code: 'forbidden' });
    for (const accept of ['application/json', 'application/taxii+json;version=2.0', 'text/html']) {
      const a = await taxii('/taxii2/api/collections/', tok('officer'), accept);
      expect(a.status, accept).toBe(406);
      expect(a.body).toMatchObject({ http_status: '406' });
    }
    for (const accept of ['application/taxii+json', '*/*', 'application/taxii+json;version=2.1']) {
      const a = await taxii('/taxii2/', tok('officer'), accept);
      expect(a.status, accept).toBe(200);
    }
    const badNext = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/?next=nonsense!`,
      tok('officer'),
    );
    expect(badNext.status).toBe(400);
    expect(badNext.body).toMatchObject({ http_status: '400' });
    // Adding objects is not offered: no such route.
    const post = await http(
      url(),
      'POST',
      `/taxii2/api/collections/${MISSILE}/objects/`,
      tok('officer'),
      {},
    );
    expect(post.status).toBe(404);
    const badAfter = await taxii(
      `/taxii2/api/collections/${MISSILE}/objects/?added_after=yesterday`,
      tok('officer'),
    );
    expect(badAfter.status).toBe(400);
  });
});

/** The CLI, run without blocking this process (which serves a TAXII feed meanwhile). */
function cli(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, LIAISON_TOKEN: '', LIAISON_NODE: '', LIAISON_TAXII_TOKEN: '' } },
      (e, out, err) =>
        resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : -1, out, err }),
    );
  });
}

const TLP_GREEN = 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da';
const CERT = 'identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283';
const t0 = '2026-11-30T12:00:00.000Z';
const feedReport = (n: number, refs: string[] = [CERT]) => ({
  type: 'report',
  spec_version: '2.1',
  id: `report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bc0${n}`,
  created_by_ref: CERT,
  created: t0,
  modified: t0,
  name: `Feed report ${n}`,
  description: `Body of feed report ${n}`,
  published: t0,
  labels: ['dprk-missile'],
  object_refs: refs,
  object_marking_refs: [TLP_GREEN],
});
const INDICATOR = {
  type: 'indicator',
  spec_version: '2.1',
  id: 'indicator--1e2c5a4b-33a7-4a8e-9f45-0c6a1f0d9e11',
  created: t0,
  modified: t0,
  pattern: "[ipv4-addr:value = '198.51.100.7']",
  pattern_type: 'stix',
  valid_from: t0,
};
const IDENTITY = {
  type: 'identity',
  spec_version: '2.1',
  id: CERT,
  created: t0,
  modified: t0,
  name: 'A national CERT',
  identity_class: 'organization',
};

describe('liaison taxii pull (issue 14)', () => {
  let feed: Server;
  const asked: IncomingMessage[] = [];
  const pages: Json[] = [
    { more: true, next: 'page-2', objects: [feedReport(1), IDENTITY] },
    { more: false, objects: [feedReport(2), feedReport(3, [CERT, INDICATOR.id]), INDICATOR] },
  ];
  let feedUrl = '';

  beforeAll(async () => {
    // Another TAXII 2.1 server: discovery at /taxii2/ naming the root /feed/, two pages.
    feed = createServer((req, res) => {
      asked.push(req);
      const u = new URL(req.url ?? '/', 'http://x');
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': TAXII_MEDIA_TYPE });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== 'Bearer feed-token')
        return send(401, { title: 'unauthorized', http_status: '401' });
      if (u.pathname === '/taxii2/') return send(200, { title: 'feed', default: '/feed/' });
      if (u.pathname === '/feed/collections/c-1/objects/')
        return send(200, u.searchParams.get('next') === 'page-2' ? pages[1] : pages[0]);
      return send(404, { title: 'not found', http_status: '404' });
    });
    await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
    feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/taxii2/`;
  });
  afterAll(() => new Promise<void>((r) => feed.close(() => r())));

  it('pulls every page from another server and imports each report as an item (--marking); what an item cannot hold is refused by name, the rest imported, exit 1', async () => {
    const r = await cli([
      'taxii',
      'pull',
      feedUrl,
      '--collection',
      'c-1',
      '--taxii-token',
      'feed-token',
      '--marking',
      'HI',
      '--node',
      url(),
      '--token',
      tok('ra'),
      '--json',
    ]);
    expect(r.code, r.err).toBe(1);
    const out = JSON.parse(r.out) as {
      pages: number;
      objects: number;
      results: { report: string; item: string | null; refused: string | null }[];
    };
    expect(out.pages).toBe(2);
    expect(out.objects).toBe(5);
    expect(out.results.map((x) => x.report)).toEqual([1, 2, 3].map((n) => feedReport(n).id));
    expect(out.results[2]?.refused).toMatch(/^unsupported-stix: /);
    for (const x of out.results.slice(0, 2)) {
      expect(x.refused).toBeNull();
      const item = await http(url(), 'GET', `/v1/items/${x.item}`, tok('officer'));
      expect(item.status).toBe(200);
      expect(item.body).toMatchObject({
        marking: { code: 'HI' },
        categories: ['dprk-missile'],
        originator: 'JP',
      });
    }
    // The client spoke TAXII 2.1: its media type, the bearer token, `next` followed.
    expect(asked.every((q) => q.headers.accept === TAXII_MEDIA_TYPE)).toBe(true);
    expect(asked.map((q) => q.url)).toEqual([
      '/taxii2/',
      '/feed/collections/c-1/objects/',
      '/feed/collections/c-1/objects/?next=page-2',
    ]);
  });

  it("pulling a partner's TAXII collection into another party's node: every report refused as another originator's (RULES F1), none lost to a missing object", async () => {
    const r = await cli([
      'taxii',
      'pull',
      `${url()}/taxii2/api/`,
      '--collection',
      MISSILE,
      '--taxii-token',
      tok('officer'),
      '--limit',
      '8',
      '--node',
      trio.members.KR.url,
      '--token',
      trio.members.KR.tokens.ra,
      '--json',
    ]);
    expect(r.code, r.err).toBe(1);
    const out = JSON.parse(r.out) as { pages: number; results: { refused: string | null }[] };
    expect(out.pages).toBeGreaterThan(2);
    expect(out.results.length).toBeGreaterThanOrEqual(10);
    for (const x of out.results) expect(x.refused).toMatch(/^foreign-originator: /);
  });

  it('a bad TAXII token or URL is told, nothing imported', async () => {
    const r = await cli([
      'taxii',
      'pull',
      feedUrl,
      '--collection',
      'c-1',
      '--taxii-token',
      'wrong',
      '--node',
      url(),
      '--token',
      tok('ra'),
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/answered 401/);
    const bad = await cli(['taxii', 'pull', 'ftp://x/', '--collection', 'c', '--node', url()]);
    expect(bad.code).toBe(2);
  });
});
