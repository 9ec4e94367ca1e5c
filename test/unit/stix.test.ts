import { createHash } from 'node:crypto';
// STIX 2.1 export and import of items (issue 14): the pure mapping of src/interop.
// Every bundle exported here is validated against the OASIS schemas (read from the
// shared specification) and each Liaison extension against its schema in docs/stix/.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PARTIES, type MarkingRef, markingRef } from '../../src/core/index.js';
import { StixInvalid } from '../../src/interop/errors.js';
import {
  ITEM_EXTENSION_ID,
  type ItemForStix,
  LIAISON_NAMESPACE,
  MARKING_EXTENSION_ID,
  STIX_SCO_NAMESPACE,
  type StixBundle,
  toStixBundle,
  uuidv5,
} from '../../src/interop/stix.js';
import { parseStixBundle } from '../../src/interop/stix-import.js';
import { type ImportHere, itemFromStix } from '../../src/interop/stix-marking.js';
import { bundleJsonAccepts, validateBundle } from '../support/stix-schemas.js';

type Json = Record<string, unknown>;

function scheme(party: string) {
  const p = BUILT_IN_PARTIES.get(party);
  if (p === undefined) throw new Error(`no party ${party}`);
  return p.scheme;
}
function mark(party: string, code: string): MarkingRef {
  const m = scheme(party).byCode.get(code);
  if (m === undefined) throw new Error(`no marking ${party} ${code}`);
  return markingRef(m);
}
const here = (party: string): ImportHere => ({ party, scheme: scheme(party) });
const JAPAN = { id: 'JP', name: 'Japan' };
const KOREA = { id: 'KR', name: 'Republic of Korea' };
const T0 = Date.parse('2026-12-01T09:30:00.250Z');

const item: ItemForStix = {
  id: 'jp-2b1f4c1e-8d0a-4e59-a3d2-0c6f1b7e9a10',
  version: 1,
  title: 'Launch report',
  body: '07:10 JST 発射、ロフテッド軌道。\nApogee about 2,000 km.',
  originator: JAPAN,
  holder: JAPAN,
  marking: mark('JP', 'GOKUHI'),
  originatorMarking: mark('JP', 'GOKUHI'),
  categories: ['dprk-missile'],
  releasableTo: ['KR', 'US'],
  precedence: 'PRIORITY',
  createdAt: T0,
  modifiedAt: T0,
  attachments: [],
};
/** The same item as KR holds it, released to KR under GSOMIA (II beside GOKUHI). */
const atKr: ItemForStix = { ...item, holder: KOREA, marking: mark('KR', 'II') };

const clone = (b: StixBundle): { type: string; id: string; objects: Json[] } =>
  JSON.parse(JSON.stringify(b));
/** A file whose bytes the export embeds. */
const embedded = (name: string, mimeType: string | null, content: Uint8Array) => ({
  name,
  mimeType,
  sha256: createHash('sha256').update(content).digest('hex'),
  size: content.length,
  content,
  url: null,
});

const ofType = (b: { objects: readonly Json[] }, type: string) =>
  b.objects.filter((o) => o.type === type);

/** The refusal a bundle gets: its code, where, and the message. */
function refusal(f: () => unknown): { code: string; path: string; message: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof StixInvalid) return { code: e.code, path: e.path, message: e.message };
    throw e;
  }
  throw new Error('not refused');
}
const importAt = (party: string, bundle: unknown, override: string | null = null) =>
  itemFromStix(parseStixBundle(bundle), here(party), override);

describe('STIX 2.1 export (issue 14)', () => {
  it('UUIDv5 is RFC 9562’s; the project namespace is UUIDv5 of https://liaison.local/stix', () => {
    // RFC 9562 Appendix A.4: "www.example.com" in the DNS namespace.
    expect(uuidv5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
    expect(uuidv5('6ba7b811-9dad-11d1-80b4-00c04fd430c8', 'https://liaison.local/stix')).toBe(
      LIAISON_NAMESPACE,
    );
    // Consumers know the extensions by these ids (docs/stix.md): they never change.
    expect([LIAISON_NAMESPACE, MARKING_EXTENSION_ID, ITEM_EXTENSION_ID]).toEqual([
      'c6d04f1c-f593-5575-9aa2-0826474b8553',
      'extension-definition--9d338a06-b333-59e4-b4cc-68c4cd39b596',
      'extension-definition--28d2d029-8641-5d6b-b29b-18b66d2497f6',
    ]);
  });

  it('an item is a report with its marking-definition, its originator’s identity and the two extension definitions; no artifact without attachments', () => {
    const b = toStixBundle(item);
    expect(b.type).toBe('bundle');
    expect(b.objects.map((o) => o.type)).toEqual([
      'report',
      'marking-definition',
      'identity',
      'identity',
      'extension-definition',
      'extension-definition',
    ]);
    for (const o of b.objects) {
      expect(o.spec_version).toBe('2.1');
      expect(o.id).toMatch(new RegExp(`^${o.type}--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab]`));
    }
    const [report, marking] = b.objects as unknown as [Json, Json];
    expect(report).toMatchObject({
      name: 'Launch report',
      description: item.body,
      created: '2026-12-01T09:30:00.250Z',
      modified: '2026-12-01T09:30:00.250Z',
      published: '2026-12-01T09:30:00.250Z',
      object_marking_refs: [marking.id],
      extensions: {
        [ITEM_EXTENSION_ID]: {
          extension_type: 'property-extension',
          item: item.id,
          version: 1,
          originator: 'JP',
          precedence: 'PRIORITY',
          categories: ['dprk-missile'],
          releasable_to: { parties: ['KR', 'US'] },
        },
      },
    });
    const identity = ofType(b, 'identity').find((o) => o.name === 'Japan');
    expect(report.created_by_ref).toBe(identity?.id);
    expect(report.object_refs).toEqual([identity?.id]);
    expect(marking).toMatchObject({
      name: 'JP 極秘 (SECRET)',
      created_by_ref: identity?.id,
      extensions: {
        [MARKING_EXTENSION_ID]: {
          extension_type: 'property-extension',
          party: 'JP',
          code: 'GOKUHI',
          name: '極秘',
          gloss: 'SECRET',
          originator: { party: 'JP', code: 'GOKUHI', name: '極秘', gloss: 'SECRET' },
        },
      },
    });
    expect(ofType(b, 'artifact')).toEqual([]);
    expect(validateBundle(b)).toEqual([]);
  });

  it('the same item version gives the same bundle; a new version keeps the report’s id and moves modified', () => {
    expect(JSON.stringify(toStixBundle(item))).toBe(JSON.stringify(toStixBundle({ ...item })));
    const v2 = toStixBundle({
      ...item,
      version: 2,
      marking: mark('JP', 'KIMITSU'),
      originatorMarking: mark('JP', 'KIMITSU'),
      modifiedAt: T0 + 3_600_000,
    });
    const v1 = toStixBundle(item);
    expect(v2.id).not.toBe(v1.id);
    expect(v2.objects[0]?.id).toBe(v1.objects[0]?.id);
    expect(v2.objects[0]?.created).toBe(v1.objects[0]?.created);
    expect(v2.objects[0]?.modified).toBe('2026-12-01T10:30:00.250Z');
    expect(v2.objects[1]?.id).not.toBe(v1.objects[1]?.id);
    expect(validateBundle(v2)).toEqual([]);
  });

  it('at a recipient: the holder’s marking in its own scheme with the originator’s beside it, both parties as identities, and a report of its own', () => {
    const b = toStixBundle(atKr);
    const marking = ofType(b, 'marking-definition')[0] as Json;
    expect(marking.name).toBe('KR 군사II급비밀 (SECRET); originator JP 極秘 (SECRET)');
    expect(marking.extensions).toEqual({
      [MARKING_EXTENSION_ID]: {
        extension_type: 'property-extension',
        party: 'KR',
        code: 'II',
        name: '군사II급비밀',
        gloss: 'SECRET',
        originator: { party: 'JP', code: 'GOKUHI', name: '極秘', gloss: 'SECRET' },
      },
    });
    const ids = new Map(ofType(b, 'identity').map((o) => [o.name, o.id]));
    expect([...ids.keys()].sort()).toEqual(['Japan', 'Liaison', 'Republic of Korea']);
    expect(marking.created_by_ref).toBe(ids.get('Republic of Korea'));
    expect(b.objects[0]?.created_by_ref).toBe(ids.get('Japan'));
    // Another node's copy carries another marking: another object, not a second version.
    expect(b.objects[0]?.id).not.toBe(toStixBundle(item).objects[0]?.id);
    expect(validateBundle(b)).toEqual([]);
  });

  it('attachments become files (name, size, type) whose artifacts hold the bytes or a URL, under the item’s marking, with STIX’s deterministic ids', () => {
    const pdf = new TextEncoder().encode('%PDF-1.7 track plot');
    const big = 'ab'.repeat(32);
    const b = toStixBundle({
      ...item,
      attachments: [
        embedded('plot.pdf', 'application/pdf', pdf),
        embedded('raw.bin', null, new Uint8Array([0, 1, 2, 255])),
        {
          name: 'imagery.tif',
          mimeType: 'image/tiff',
          sha256: big,
          size: 300 << 20,
          content: null,
          url: `https://jp.example/v1/items/${item.id}/attachments/${big}`,
        },
      ],
    });
    const artifacts = ofType(b, 'artifact');
    const files = ofType(b, 'file');
    expect(artifacts).toHaveLength(3);
    expect(files.map((f) => [f.name, f.size, f.content_ref])).toEqual([
      ['plot.pdf', pdf.length, artifacts[0]?.id],
      ['raw.bin', 4, artifacts[1]?.id],
      ['imagery.tif', 300 << 20, artifacts[2]?.id],
    ]);
    const [first] = artifacts as [Json];
    const sha = 'SHA-256';
    expect(first).toMatchObject({
      mime_type: 'application/pdf',
      payload_bin: Buffer.from(pdf).toString('base64'),
      object_marking_refs: [b.objects[1]?.id],
    });
    expect(artifacts[2]).toMatchObject({
      url: expect.stringContaining(big),
      hashes: { [sha]: big },
    });
    expect(artifacts[2]?.payload_bin).toBeUndefined();
    const hashes = first.hashes as Record<string, string>;
    expect(first.id).toBe(
      `artifact--${uuidv5(STIX_SCO_NAMESPACE, `{"hashes":{"${sha}":"${hashes[sha]}"}}`)}`,
    );
    expect(files[0]?.id).toBe(
      `file--${uuidv5(STIX_SCO_NAMESPACE, `{"hashes":{"${sha}":"${hashes[sha]}"},"name":"plot.pdf"}`)}`,
    );
    expect(((b.objects[0]?.object_refs ?? []) as string[]).slice(1)).toEqual(
      files.map((f) => f.id),
    );
    expect(validateBundle(b)).toEqual([]);
  });

  it('every party’s every marking, releasable to none or to all, validates against the OASIS schemas', () => {
    for (const [party, p] of BUILT_IN_PARTIES) {
      for (const m of p.scheme.markings) {
        for (const releasableTo of [null, [], ['JP', 'KR', 'US']]) {
          const b = toStixBundle({
            ...item,
            originator: { id: party, name: p.name },
            holder: { id: party, name: p.name },
            marking: markingRef(m),
            originatorMarking: markingRef(m),
            releasableTo,
            body: '',
          });
          expect(validateBundle(b), `${party} ${m.code}`).toEqual([]);
        }
      }
    }
  });
});

describe('STIX 2.1 import (issue 14)', () => {
  it('an export reads back as the item: title, body, marking, categories, precedence, releasability and attachments', () => {
    const attachments = [
      embedded('track.txt', 'text/plain', new TextEncoder().encode('track')),
      embedded('plot.pdf', 'application/pdf', new TextEncoder().encode('%PDF-1.7 plot')),
    ];
    const b = toStixBundle({ ...item, attachments });
    const back = importAt('JP', clone(b));
    expect(back).toEqual({
      title: item.title,
      body: item.body,
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      releasableTo: ['KR', 'US'],
      precedence: 'PRIORITY',
      attachments,
      source: { bundle: b.id, object: b.objects[0]?.id, item: item.id },
    });
  });

  it('a recipient’s export, back at the originator, takes the originator’s marking', () => {
    expect(importAt('JP', clone(toStixBundle(atKr))).marking).toBe('GOKUHI');
  });

  it('another party’s item is refused at any node but its originator’s, whatever --marking says (RULES F1)', () => {
    const r = refusal(() => importAt('KR', clone(toStixBundle(atKr)), 'I'));
    expect(r.code).toBe('foreign-originator');
    expect(r.path).toBe(`objects.1.extensions.${MARKING_EXTENSION_ID}.originator.party`);
    expect(r.message).toMatch(/JP originated this item \(JP 極秘 \(SECRET\)\).*RULES F1/);
  });

  it('--marking may keep or raise the bundle’s marking, never lower it; an unknown one is named', () => {
    const b = clone(toStixBundle(item));
    expect(importAt('JP', b, 'KIMITSU').marking).toBe('KIMITSU');
    expect(importAt('JP', b, 'TOKUTEI').marking).toBe('TOKUTEI');
    const lower = refusal(() => importAt('JP', b, 'HI'));
    expect(lower).toMatchObject({ code: 'marking-lowered', path: 'marking' });
    expect(lower.message).toMatch(/HI is below the bundle's JP 極秘 \(SECRET\).*RULES C1/);
    expect(refusal(() => importAt('JP', b, 'SECRET'))).toMatchObject({
      code: 'unknown-marking',
      path: 'marking',
    });
  });

  /** A bundle from elsewhere: a report under TLP:AMBER, its categories in labels. */
  const foreign = () => ({
    type: 'bundle',
    id: 'bundle--5d0092c5-5f74-4287-9642-33f4c354e56d',
    objects: [
      {
        type: 'report',
        spec_version: '2.1',
        id: 'report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3',
        created_by_ref: 'identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283',
        created: '2026-11-30T12:00:00.000Z',
        modified: '2026-11-30T12:00:00.000Z',
        name: 'Phishing wave against ministries',
        description: 'Lures imitating the ministry’s travel office.',
        published: '2026-11-30T12:00:00Z',
        report_types: ['threat-report'],
        labels: ['cyber-phishing'],
        object_refs: ['identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283'],
        object_marking_refs: ['marking-definition--f88d31f6-486f-44da-b317-01333bde0b82'],
      },
      {
        type: 'identity',
        spec_version: '2.1',
        id: 'identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283',
        created: '2026-11-30T12:00:00.000Z',
        modified: '2026-11-30T12:00:00.000Z',
        name: 'A national CERT',
        identity_class: 'organization',
      },
    ],
  });

  it('a bundle from elsewhere needs --marking (TLP or none is no marking of ours), and its labels are its categories', () => {
    expect(validateBundle(foreign())).toEqual([]);
    const r = refusal(() => importAt('JP', foreign()));
    expect(r).toMatchObject({ code: 'marking-required', path: 'objects.0.object_marking_refs' });
    expect(r.message).toMatch(/carries only TLP:AMBER, no Liaison marking of JP: .*--marking/);
    const bare = foreign();
    delete (bare.objects[0] as Json).object_marking_refs;
    expect(refusal(() => importAt('JP', bare)).message).toMatch(/carries no marking/);
    expect(importAt('JP', foreign(), 'HI')).toMatchObject({
      title: 'Phishing wave against ministries',
      marking: 'HI',
      categories: ['cyber-phishing'],
      precedence: 'ROUTINE',
      releasableTo: undefined,
      source: { item: null },
    });
    const unlabelled = foreign();
    delete (unlabelled.objects[0] as Json).labels;
    expect(refusal(() => importAt('JP', unlabelled, 'HI'))).toMatchObject({
      code: 'invalid-stix',
      path: 'objects.0.labels',
    });
  });

  it('a note alone becomes an item too: its abstract the title, its content the body', () => {
    const b: { objects: Json[] } = foreign();
    const report = b.objects[0] as Json;
    const { name, description, published, report_types, ...rest } = report;
    b.objects[0] = {
      ...rest,
      type: 'note',
      id: 'note--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3',
      abstract: name,
      content: description,
    };
    expect(validateBundle(b)).toEqual([]);
    expect(importAt('JP', b, 'HI')).toMatchObject({ title: name, body: description });
  });

  // What an item cannot hold, each refused with where and what: [case, change, code, path, message].
  const exported = () => clone(toStixBundle(item));
  const report = (b: { objects: Json[] }) => b.objects[0] as Json;
  const cases: [
    string,
    (b: { type: string; id: string; objects: Json[] }) => unknown,
    string,
    string,
    RegExp,
  ][] = [
    ['not an object', () => [], 'invalid-stix', '', /a STIX bundle is a JSON object/],
    [
      'a STIX 2.0 bundle',
      (b) => ({ ...b, spec_version: '2.0' }),
      'invalid-stix',
      'spec_version',
      /STIX 2\.0 bundle: only STIX 2\.1/,
    ],
    [
      'several reports',
      (b) => {
        b.objects.push({ ...report(b), id: 'report--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01' });
        return b;
      },
      'unsupported-stix',
      'objects.6',
      /a second report \(the first is objects\.0\): an item is one report/,
    ],
    [
      'an indicator',
      (b) => {
        b.objects.push({
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
        });
        return b;
      },
      'unsupported-stix',
      'objects.6',
      /an indicator cannot be part of an item/,
    ],
    [
      'a custom object',
      (b) => {
        b.objects.push({
          type: 'x-acme-sensor',
          spec_version: '2.1',
          id: 'x-acme-sensor--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
        });
        return b;
      },
      'unsupported-stix',
      'objects.6.type',
      /'x-acme-sensor' is a custom object type/,
    ],
    [
      'a report without a name',
      (b) => {
        delete report(b).name;
        return b;
      },
      'invalid-stix',
      'objects.0.name',
      /missing: a report's name is the item's title/,
    ],
    [
      'a note beside the report',
      (b) => {
        b.objects.push({
          type: 'note',
          spec_version: '2.1',
          id: 'note--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
          content: 'an analyst comment',
        });
        return b;
      },
      'unsupported-stix',
      'objects.6',
      /a note beside the report: its content would be lost/,
    ],
    [
      'a reference outside the bundle',
      (b) => {
        (report(b).object_refs as string[]).push('indicator--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01');
        return b;
      },
      'unsupported-stix',
      'objects.0.object_refs.1',
      /is not in the bundle: what it refers to would be lost/,
    ],
    [
      'a granular marking',
      (b) => {
        report(b).granular_markings = [{ selectors: ['name'], marking_ref: 'x' }];
        return b;
      },
      'unsupported-stix',
      'objects.0.granular_markings',
      /an item has one marking/,
    ],
    [
      'external references',
      (b) => {
        report(b).external_references = [{ source_name: 'x', url: 'https://example.org' }];
        return b;
      },
      'unsupported-stix',
      'objects.0.external_references',
      /outside the bundle/,
    ],
    [
      'a custom property',
      (b) => {
        report(b).x_acme_source = 'sensor 7';
        return b;
      },
      'unsupported-stix',
      'objects.0.x_acme_source',
      /not a property of a report that an item can keep/,
    ],
    [
      'an extension this node does not know',
      (b) => {
        (report(b).extensions as Json)[
          'extension-definition--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01'
        ] = { extension_type: 'property-extension', rating: 3 };
        return b;
      },
      'unsupported-stix',
      'objects.0.extensions.extension-definition--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
      /an extension this node does not know/,
    ],
    [
      'a revoked report',
      (b) => {
        report(b).revoked = true;
        return b;
      },
      'unsupported-stix',
      'objects.0.revoked',
      /its creator withdrew it/,
    ],
    [
      'an object twice',
      (b) => {
        b.objects.push({ ...(b.objects[2] as Json) });
        return b;
      },
      'invalid-stix',
      'objects.6.id',
      /is also objects\.2/,
    ],
    [
      'an identity without a name',
      (b) => {
        delete (b.objects[2] as Json).name;
        return b;
      },
      'invalid-stix',
      'objects.2.name',
      /missing: an identity has a name/,
    ],
    [
      'a Liaison marking without its gloss',
      (b) => {
        delete ((b.objects[1] as Json).extensions as Record<string, Json>)[MARKING_EXTENSION_ID]
          ?.gloss;
        return b;
      },
      'invalid-stix',
      `objects.1.extensions.${MARKING_EXTENSION_ID}.gloss`,
      /missing: the marking's English gloss/,
    ],
    [
      'a second Liaison marking',
      (b) => {
        const other = clone(toStixBundle({ ...item, marking: mark('JP', 'HI') }))
          .objects[1] as Json;
        b.objects.push(other);
        (report(b).object_marking_refs as string[]).push(String(other.id));
        return b;
      },
      'unsupported-stix',
      'objects.0.object_marking_refs',
      /two Liaison markings: an item has one/,
    ],
    [
      'labels that are not the categories',
      (b) => {
        report(b).labels = ['dprk-nuclear'];
        return b;
      },
      'unsupported-stix',
      'objects.0.labels',
      /differ from the Liaison item extension's categories/,
    ],
    [
      'an artifact by URL without its SHA-256',
      (b) => {
        b.objects.push({
          type: 'artifact',
          spec_version: '2.1',
          id: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
          url: 'https://example.org/plot.pdf',
        });
        (report(b).object_refs as string[]).push('artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01');
        return b;
      },
      'invalid-stix',
      'objects.6.hashes',
      /gives its SHA-256/,
    ],
    [
      'a file whose content is not an artifact of the bundle',
      (b) => {
        b.objects.push({
          type: 'file',
          spec_version: '2.1',
          id: 'file--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d02',
          name: 'plot.pdf',
          content_ref: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
        });
        (report(b).object_refs as string[]).push('file--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d02');
        return b;
      },
      'invalid-stix',
      'objects.6.content_ref',
      /is not an artifact in the bundle/,
    ],
    [
      'a file whose hash is not its artifact’s',
      (b) => {
        b.objects.push(
          {
            type: 'file',
            spec_version: '2.1',
            id: 'file--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d02',
            name: 'plot.pdf',
            hashes: { 'SHA-256': '0'.repeat(64) },
            content_ref: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
          },
          {
            type: 'artifact',
            spec_version: '2.1',
            id: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
            payload_bin: 'dHJhY2s=',
          },
        );
        (report(b).object_refs as string[]).push('file--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d02');
        return b;
      },
      'invalid-stix',
      'objects.6.hashes.SHA-256',
      /does not match its artifact/,
    ],
    [
      'a file the report does not refer to',
      (b) => {
        b.objects.push({
          type: 'file',
          spec_version: '2.1',
          id: 'file--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d02',
          name: 'plot.pdf',
          content_ref: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
        });
        return b;
      },
      'unsupported-stix',
      'objects.6',
      /a file the report does not refer to/,
    ],
    [
      'an artifact whose hash does not match',
      (b) => {
        b.objects.push({
          type: 'artifact',
          spec_version: '2.1',
          id: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
          payload_bin: 'dHJhY2s=',
          hashes: { 'SHA-256': '0'.repeat(64) },
        });
        (report(b).object_refs as string[]).push('artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01');
        return b;
      },
      'invalid-stix',
      'objects.6.hashes.SHA-256',
      /does not match payload_bin/,
    ],
    [
      'an artifact the report does not refer to',
      (b) => {
        b.objects.push({
          type: 'artifact',
          spec_version: '2.1',
          id: 'artifact--6a0e5a3c-3f1e-4d7e-9a55-2f1c4e3b9d01',
          payload_bin: 'dHJhY2s=',
        });
        return b;
      },
      'unsupported-stix',
      'objects.6',
      /an artifact the report does not refer to/,
    ],
  ];
  for (const [what, change, code, path, message] of cases) {
    it(`refused, naming where and what: ${what}`, () => {
      const r = refusal(() => importAt('JP', change(exported())));
      expect(r.code).toBe(code);
      expect(r.path).toBe(path);
      expect(r.message).toMatch(message);
      expect(r.message.startsWith(path === '' ? '' : `${path}: `)).toBe(true);
    });
  }
});

describe('the OASIS schemas (issue 14)', () => {
  it('common/bundle.json refuses any bundle with an extension-definition: a defect of the schema, which validateBundle works around by checking such objects against their own schema', () => {
    const b = toStixBundle(item);
    expect(bundleJsonAccepts(b)).toBe(false);
    expect(
      bundleJsonAccepts({
        ...b,
        objects: b.objects.filter((o) => o.type !== 'extension-definition'),
      }),
    ).toBe(true);
    expect(validateBundle(b)).toEqual([]);
    // Each refusal is real: a broken object is found.
    expect(
      validateBundle({ ...b, objects: [{ ...b.objects[4], schema: 7 }, ...b.objects.slice(0, 4)] }),
    ).not.toEqual([]);
    expect(
      validateBundle({ ...b, objects: [{ ...b.objects[0], created: 'yesterday' }] }),
    ).not.toEqual([]);
  });
});
