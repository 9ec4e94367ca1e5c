// STIX 2.1 export and import (issue 14) on real nodes: JP, KR and US on loopback, peered,
// JP's item released to KR. An export is a read (decided, logged, refused like GET
// /v1/items/{id}); an import is a creation (RULES P1, logged with its source). Every
// bundle a node or the CLI writes is validated against the OASIS schemas.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MARKING_EXTENSION_ID, STIX_MEDIA_TYPE } from '../../src/interop/stix.js';
import { addPerson, type Party, startTrio, type Trio, waitFor } from '../support/federation.js';
import { http, liaison, type Reply, storedEntries } from '../support/node-process.js';
import { validateBundle } from '../support/stix-schemas.js';

type Json = Record<string, unknown>;
type Bundle = { type: string; id: string; objects: Json[] };
let trio: Trio;
let dir: string;
let report = '';
let lowJp = '';
const url = (p: Party) => trio.members[p].url;
const tok = (p: Party, role: 'officer' | 'ra' | 'clerk' | 'auditor' | 'admin') =>
  trio.members[p].tokens[role];
const err = (r: Reply) =>
  (r.body as { error: { code: string; message: string; field?: string; reasons?: Json[] } }).error;
const TITLE = 'Launch report (STIX)';
const BODY = '07:10 JST 発射、ロフテッド軌道。\nApogee about 2,000 km.';

/** The export as the node sends it: status, media type and text. */
async function exportOf(p: Party, token: string, id: string, accept?: string) {
  const res = await fetch(`${url(p)}/v1/items/${id}/stix`, {
    headers: { authorization: `Bearer ${token}`, ...(accept === undefined ? {} : { accept }) },
  });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

async function bundleOf(p: Party, token: string, id: string): Promise<Bundle> {
  const r = await exportOf(p, token, id);
  if (r.status !== 200) throw new Error(`export: ${r.status} ${r.text}`);
  return JSON.parse(r.text) as Bundle;
}

const importAt = (p: Party, token: string, bundle: unknown, marking?: string) =>
  http(
    url(p),
    'POST',
    `/v1/items/import${marking === undefined ? '' : `?marking=${marking}`}`,
    token,
    bundle,
  );

const at = (p: Party, token: string) => ['--node', url(p), '--token', token];
const file = (name: string, content: unknown): string => {
  const f = join(dir, name);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'liaison-stix-'));
  trio = await startTrio();
  lowJp = await addPerson(trio.members.JP, 'jp-officer-u', 'U', ['dprk-missile'], ['officer']);
  const c = await http(url('JP'), 'POST', '/v1/items', tok('JP', 'ra'), {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title: TITLE,
    body: BODY,
    releasableTo: ['KR'],
    precedence: 'PRIORITY',
  });
  if (c.status !== 201) throw new Error(c.text);
  report = (c.body as { id: string }).id;
  const r = await http(url('JP'), 'POST', `/v1/items/${report}/release`, tok('JP', 'ra'), {
    to: 'KR',
  });
  if (r.status !== 202) throw new Error(r.text);
  await waitFor('KR to hold the report', async () => {
    const items = (await http(url('KR'), 'GET', '/v1/items', tok('KR', 'officer'))).body as Json[];
    return items.some((i) => i.id === report);
  });
}, 180_000);

afterAll(async () => {
  await trio?.stop();
});

describe('STIX export over the API (issue 14)', () => {
  it('GET /v1/items/{id}/stix: the bundle as application/stix+json;version=2.1, valid, the same twice, and logged as a read (view stix)', async () => {
    const jp = trio.members.JP;
    const before = (await storedEntries(jp.init, undefined, 0)).length;
    const first = await exportOf('JP', tok('JP', 'officer'), report);
    expect(first.status).toBe(200);
    expect(first.type).toBe(STIX_MEDIA_TYPE);
    const bundle = JSON.parse(first.text) as Bundle;
    expect(validateBundle(bundle)).toEqual([]);
    expect(bundle.objects[0]).toMatchObject({ type: 'report', name: TITLE, description: BODY });
    expect((await exportOf('JP', tok('JP', 'officer'), report)).text).toBe(first.text);
    const plain = await exportOf('JP', tok('JP', 'officer'), report, 'application/json');
    expect(plain.type).toBe('application/json; charset=utf-8');
    expect(plain.text).toBe(first.text);
    const reads = (await storedEntries(jp.init, undefined, before)).filter(
      (e) => e.type === 'item.read' && (e.subject as Json).item === report,
    );
    expect(reads).toHaveLength(3);
    for (const e of reads) {
      expect(e).toMatchObject({
        actor: { user: 'jp-officer', party: 'JP' },
        decision: 'allow',
        subject: { item: report, marking: 'GOKUHI', view: 'stix' },
      });
    }
  });

  it('whoever may not read the item gets the read route’s own refusal, learns nothing of the item, and the refusal is logged; an unknown id is 404 both ways; an auditor lacks the role', async () => {
    const jp = trio.members.JP;
    for (const token of [tok('JP', 'clerk'), lowJp]) {
      const before = (await storedEntries(jp.init, undefined, 0)).length;
      const read = await http(url('JP'), 'GET', `/v1/items/${report}`, token);
      const exp = await exportOf('JP', token, report);
      expect(exp.status).toBe(read.status);
      expect(exp.status).toBe(403);
      expect(JSON.parse(exp.text)).toEqual(read.body);
      for (const secret of [TITLE, 'GOKUHI', '極秘', 'dprk-missile', 'PRIORITY', 'bundle'])
        expect(exp.text, secret).not.toContain(secret);
      const denied = (await storedEntries(jp.init, undefined, before)).filter(
        (e) => e.type === 'item.read',
      );
      expect(denied.map((e) => [e.decision, (e.subject as Json).view])).toEqual([
        ['deny', 'item'],
        ['deny', 'stix'],
      ]);
    }
    const missing = 'jp-00000000-0000-4000-8000-000000000000';
    const read = await http(url('JP'), 'GET', `/v1/items/${missing}`, tok('JP', 'officer'));
    const exp = await exportOf('JP', tok('JP', 'officer'), missing);
    expect([exp.status, JSON.parse(exp.text)]).toEqual([404, read.body]);
    const auditor = await exportOf('JP', tok('JP', 'auditor'), report);
    expect(auditor.status).toBe(403);
    expect((JSON.parse(auditor.text) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('at the recipient (KR): KR’s marking with JP’s beside it; KR may not import JP’s item as its own (RULES F1); back at JP it takes JP’s marking', async () => {
    const bundle = await bundleOf('KR', tok('KR', 'officer'), report);
    expect(validateBundle(bundle)).toEqual([]);
    const marking = bundle.objects.find((o) => o.type === 'marking-definition') as Json;
    expect((marking.extensions as Json)[MARKING_EXTENSION_ID]).toEqual({
      extension_type: 'property-extension',
      party: 'KR',
      code: 'II',
      name: '군사II급비밀',
      gloss: 'SECRET',
      originator: { party: 'JP', code: 'GOKUHI', name: '極秘', gloss: 'SECRET' },
    });
    const clerk = await exportOf('KR', tok('KR', 'clerk'), report);
    expect(clerk.status).toBe(403);
    const atKr = await importAt('KR', tok('KR', 'ra'), bundle, 'I');
    expect(atKr.status).toBe(403);
    expect(err(atKr).code).toBe('foreign-originator');
    expect(err(atKr).field).toBe(`objects.1.extensions.${MARKING_EXTENSION_ID}.originator.party`);
    // As TAXII sends it: the STIX media type.
    const res = await fetch(`${url('JP')}/v1/items/import`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tok('JP', 'ra')}`,
        'content-type': STIX_MEDIA_TYPE,
      },
      body: JSON.stringify(bundle),
    });
    expect(res.status).toBe(201);
    const back = (await res.json()) as Json;
    expect(back).toMatchObject({
      title: TITLE,
      originator: 'JP',
      marking: { party: 'JP', code: 'GOKUHI' },
      categories: ['dprk-missile'],
      releasableTo: ['KR'],
      precedence: 'PRIORITY',
    });
    expect(back.id).not.toBe(report);
  });

  it('the same version is the same bundle; a reclassification keeps the report’s id and moves modified', async () => {
    const c = await http(url('JP'), 'POST', '/v1/items', tok('JP', 'ra'), {
      marking: 'HI',
      categories: ['dprk-nuclear'],
      title: 'Test site activity',
      body: 'Vehicles at the north portal.',
    });
    const id = (c.body as { id: string }).id;
    const v1 = await bundleOf('JP', tok('JP', 'ra'), id);
    const again = await http(url('JP'), 'POST', `/v1/items/${id}/reclassify`, tok('JP', 'ra'), {
      marking: 'GOKUHI',
    });
    expect(again.status).toBe(200);
    const v2 = await bundleOf('JP', tok('JP', 'ra'), id);
    expect(validateBundle(v2)).toEqual([]);
    expect(v2.id).not.toBe(v1.id);
    const [r1, r2] = [v1.objects[0] as Json, v2.objects[0] as Json];
    expect(r2.id).toBe(r1.id);
    expect(r2.created).toBe(r1.created);
    expect(String(r2.modified) > String(r1.modified)).toBe(true);
    expect(r2.object_marking_refs).not.toEqual(r1.object_marking_refs);
  });

  it('an importer is decided like a creator (RULES P1): the clerk, cleared HI, may not import a GOKUHI bundle, and the refusal is logged with the bundle it came from', async () => {
    const jp = trio.members.JP;
    const bundle = await bundleOf('JP', tok('JP', 'officer'), report);
    const before = (await storedEntries(jp.init, undefined, 0)).length;
    const r = await importAt('JP', tok('JP', 'clerk'), bundle);
    expect(r.status).toBe(403);
    expect(err(r).code).toBe('clearance-insufficient');
    expect(err(r).reasons?.map((x) => x.rule)).toContain('P1');
    const logged = (await storedEntries(jp.init, undefined, before)).filter(
      (e) => e.type === 'item.created',
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({
      actor: { user: 'jp-clerk' },
      decision: 'deny',
      subject: {
        item: null,
        marking: 'GOKUHI',
        imported: { format: 'stix-2.1', bundle: bundle.id, object: bundle.objects[0]?.id },
      },
    });
    const auditor = await importAt('JP', tok('JP', 'auditor'), bundle);
    expect([auditor.status, err(auditor).code]).toEqual([403, 'forbidden']);
  });
});

describe('STIX with the CLI (issue 14)', () => {
  it('item export --stix --out, then item import: the new item keeps marking, title, body, categories, precedence and releasability; its creation is logged with its source', async () => {
    const jp = trio.members.JP;
    const out = join(dir, 'report.stix.json');
    const e = liaison([
      'item',
      'export',
      report,
      '--stix',
      '--out',
      out,
      ...at('JP', tok('JP', 'ra')),
    ]);
    expect(e.code, e.err).toBe(0);
    expect(e.out).toMatch(/^wrote .*report\.stix\.json: bundle--[0-9a-f-]+, 6 objects\n$/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as Bundle;
    expect(validateBundle(bundle)).toEqual([]);
    const printed = liaison(['item', 'export', report, ...at('JP', tok('JP', 'ra'))]);
    expect(JSON.parse(printed.out)).toEqual(bundle);

    const before = (await storedEntries(jp.init, undefined, 0)).length;
    const i = liaison(['item', 'import', out, ...at('JP', tok('JP', 'ra'))]);
    expect(i.code, i.err).toBe(0);
    const id = i.out.trim();
    expect(id).toMatch(/^jp-/);
    const item = (await http(url('JP'), 'GET', `/v1/items/${id}`, tok('JP', 'ra'))).body as Json;
    expect(item).toMatchObject({
      title: TITLE,
      body: BODY,
      originator: 'JP',
      marking: { party: 'JP', code: 'GOKUHI', name: '極秘', en: 'SECRET' },
      categories: ['dprk-missile'],
      releasableTo: ['KR'],
      precedence: 'PRIORITY',
    });
    const created = (await storedEntries(jp.init, undefined, before)).find(
      (e) => e.type === 'item.created',
    );
    expect(created).toMatchObject({
      actor: { user: 'jp-ra', party: 'JP' },
      subject: {
        item: id,
        marking: 'GOKUHI',
        imported: {
          format: 'stix-2.1',
          bundle: bundle.id,
          object: bundle.objects[0]?.id,
          item: report,
        },
      },
    });
    expect(created?.decision).toBeUndefined();
  });

  it('an item with files: each a file and an artifact, embedded when small and by URL when large; import keeps them (an importer must hold what is by URL)', async () => {
    const upload = async (token: string, bytes: Buffer) => {
      const res = await fetch(`${url('JP')}/v1/attachments`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
        body: bytes,
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { sha256: string }).sha256;
    };
    const small = Buffer.from('track: 38.2N 124.7E → 41.0N 131.5E\n');
    const large = Buffer.alloc(9 * 1024 * 1024, 0x5a);
    const ra = tok('JP', 'ra');
    const files = [
      { name: 'track.txt', type: 'text/plain', sha256: await upload(ra, small) },
      { name: 'imagery.raw', type: 'application/octet-stream', sha256: await upload(ra, large) },
    ];
    const c = await http(url('JP'), 'POST', '/v1/items', ra, {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title: 'Launch report with files',
      body: 'See the track and the imagery.',
      attachments: files,
    });
    expect(c.status, c.text).toBe(201);
    const id = (c.body as { id: string }).id;
    const out = join(dir, 'with-files.stix.json');
    const e = liaison(['item', 'export', id, '--stix', '--out', out, ...at('JP', ra)]);
    expect(e.code, e.err).toBe(0);
    const bundle = JSON.parse(readFileSync(out, 'utf8')) as Bundle;
    expect(validateBundle(bundle)).toEqual([]);
    const fileObjects = bundle.objects.filter((o) => o.type === 'file');
    const artifacts = bundle.objects.filter((o) => o.type === 'artifact');
    expect(fileObjects.map((f) => [f.name, f.size])).toEqual([
      ['track.txt', small.length],
      ['imagery.raw', large.length],
    ]);
    expect(artifacts[0]?.payload_bin).toBe(small.toString('base64'));
    expect(artifacts[1]).toMatchObject({
      url: `${url('JP')}/v1/items/${id}/attachments/${files[1]?.sha256}`,
      hashes: { 'SHA-256': files[1]?.sha256 },
    });
    expect(artifacts[1]?.payload_bin).toBeUndefined();
    // The URL is the node's download route: the bytes are there for whoever may read.
    const fetched = await fetch(String(artifacts[1]?.url), {
      headers: { authorization: `Bearer ${ra}` },
    });
    expect(Buffer.from(await fetched.arrayBuffer()).equals(large)).toBe(true);

    // Back in as a new item by the one who uploaded both: the same files, by hash.
    const i = liaison(['item', 'import', out, ...at('JP', ra)]);
    expect(i.code, i.err).toBe(0);
    const copy = (await http(url('JP'), 'GET', `/v1/items/${i.out.trim()}`, ra)).body as Json;
    expect(copy.attachments).toEqual([
      { ...files[0], size: small.length },
      { ...files[1], size: large.length },
    ]);
    // Someone who never uploaded the large file: refused, naming the file and what to do.
    const officer = liaison(['item', 'import', out, '--json', ...at('JP', tok('JP', 'officer'))]);
    expect(officer.code).toBe(1);
    expect(JSON.parse(officer.err)).toMatchObject({
      error: {
        code: 'unsupported-stix',
        message: expect.stringMatching(/'imagery\.raw' by url: this node fetches nothing/),
      },
    });
  });

  /** One line on stderr, no stack trace. */
  const oneLine = (r: ReturnType<typeof liaison>) => {
    expect(r.out).toBe('');
    expect(r.err).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  };

  it('refusals name the file, the place in the bundle and the problem: bad files exit 2 before anything is sent, the node’s refusals exit 1', async () => {
    const bundle = await bundleOf('JP', tok('JP', 'ra'), report);
    const who = at('JP', tok('JP', 'ra'));

    const two = file('two-reports.json', {
      ...bundle,
      objects: [
        ...bundle.objects,
        { ...bundle.objects[0], id: 'report--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01' },
      ],
    });
    const r1 = liaison(['item', 'import', two, ...who]);
    expect(r1.code).toBe(2);
    oneLine(r1);
    expect(r1.err).toContain(`${two}: objects.6: a second report (the first is objects.0)`);

    const notJson = file('not.json', '{"type": "bundle",');
    const r2 = liaison(['item', 'import', notJson, ...who]);
    expect(r2.code).toBe(2);
    oneLine(r2);
    expect(r2.err).toContain(`${notJson}: not JSON`);

    // A report from elsewhere under TLP:AMBER: no marking of ours until --marking gives one.
    const report0 = bundle.objects[0] as Json;
    const { extensions: _, ...plainReport } = report0;
    const tlp = file('tlp.json', {
      type: 'bundle',
      id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
      objects: [
        {
          ...plainReport,
          labels: ['dprk-missile'],
          object_refs: [bundle.objects[2]?.id],
          object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
        },
        bundle.objects[2],
      ],
    });
    const r3 = liaison(['item', 'import', tlp, ...who]);
    expect(r3.code).toBe(1);
    oneLine(r3);
    expect(r3.err).toMatch(
      /objects\.0\.object_marking_refs: carries only TLP:AMBER, no Liaison marking of JP: give the marking the item takes here \(--marking/,
    );
    const r4 = liaison(['item', 'import', tlp, '--marking', 'HI', '--json', ...who]);
    expect(r4.code, r4.err).toBe(0);
    expect(JSON.parse(r4.out)).toMatchObject({
      marking: { code: 'HI' },
      categories: ['dprk-missile'],
    });

    const out = file('gokuhi.json', bundle);
    const r5 = liaison(['item', 'import', out, '--marking', 'HI', ...who]);
    expect(r5.code).toBe(1);
    oneLine(r5);
    expect(r5.err).toMatch(/--marking: HI is below the bundle's JP 極秘 \(SECRET\)/);

    // Valid STIX with a file by URL that the importer never uploaded: the node fetches
    // nothing, and says where it is and what to do.
    const artifact = {
      type: 'artifact',
      spec_version: '2.1',
      id: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
      mime_type: 'text/plain',
      url: 'https://elsewhere.example/track.txt',
      hashes: { 'SHA-256': 'ab'.repeat(32) },
    };
    const withFile = file('attachment.json', {
      ...bundle,
      objects: [
        { ...report0, object_refs: [...(report0.object_refs as string[]), artifact.id] },
        ...bundle.objects.slice(1),
        artifact,
      ],
    });
    const r6 = liaison(['item', 'import', withFile, '--json', ...who]);
    expect(r6.code).toBe(1);
    const e6 = (JSON.parse(r6.err) as { error: { code: string; message: string; field: string } })
      .error;
    expect(e6).toMatchObject({ code: 'unsupported-stix', field: 'objects.6' });
    expect(e6.message).toMatch(
      /^objects\.6: 'attachment-abababababab' by url: this node fetches nothing; upload the file first/,
    );
  });
});
