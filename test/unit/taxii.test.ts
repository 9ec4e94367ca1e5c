// TAXII 2.1 (issue 14): collection ids, `next` tokens, Accept negotiation, and the
// bundles `taxii pull` makes of the objects it pulls.
import { describe, expect, it } from 'vitest';
import { acceptsTaxii } from '../../src/api/taxii-routes.js';
import { LIAISON_NAMESPACE, uuidv5 } from '../../src/interop/stix.js';
import { bundlesOf } from '../../src/interop/taxii-bundles.js';
import { collectionId, decodeNext, encodeNext } from '../../src/node/taxii.js';

describe('TAXII collection ids', () => {
  it('are UUIDv5 of the category under the STIX namespace: stable, distinct, well formed', () => {
    const id = collectionId('dprk-missile');
    expect(id).toBe(uuidv5(LIAISON_NAMESPACE, 'taxii/collection/category/dprk-missile'));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(collectionId('dprk-missile')).toBe(id);
    expect(collectionId('dprk-nuclear')).not.toBe(id);
  });
});

describe('TAXII next tokens', () => {
  it('round-trip the last item served, and nothing else', () => {
    const c = { at: 1_796_000_000_123, id: 'jp-3f0c2a9e-0000-4000-8000-000000000001' };
    const t = encodeNext(c);
    expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeNext(t)).toEqual(c);
    expect(JSON.parse(Buffer.from(t, 'base64url').toString('utf8'))).toEqual([c.at, c.id]);
  });

  it('refuse what this node did not give (400, field next)', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      '',
      'not a token!',
      'x'.repeat(401),
      enc({ at: 1, id: 'a' }),
      enc([1]),
      enc(['1', 'a']),
      enc([1.5, 'a']),
      enc([1, '']),
      enc([1, 'a'.repeat(201)]),
      Buffer.from('[1,').toString('base64url'),
    ]) {
      expect(() => decodeNext(bad), bad).toThrow(
        expect.objectContaining({ code: 'invalid-request', field: 'next' }),
      );
    }
  });
});

describe('TAXII Accept negotiation', () => {
  it('takes the TAXII 2.1 media type, unversioned, wildcards and no header', () => {
    for (const a of [
      undefined,
      '',
      'application/taxii+json;version=2.1',
      'application/taxii+json; version=2.1',
      'application/taxii+json',
      '*/*',
      'application/*',
      'text/html, application/taxii+json;version=2.1;q=0.9',
    ])
      expect(acceptsTaxii(a), String(a)).toBe(true);
  });
  it('refuses others (406)', () => {
    for (const a of [
      'application/json',
      'application/taxii+json;version=2.0',
      'application/stix+json;version=2.1',
      'text/html',
      'application/taxii+json;version=2.1;q=0',
    ])
      expect(acceptsTaxii(a), a).toBe(false);
  });
});

describe('bundles from pulled objects (taxii pull)', () => {
  const o = (type: string, n: number, more: Record<string, unknown> = {}) => ({
    type,
    id: `${type}--00000000-0000-4000-8000-00000000000${n}`,
    modified: '2026-12-01T00:00:00.000Z',
    ...more,
  });
  const ident = o('identity', 1);
  const mark = o('marking-definition', 2, { created_by_ref: ident.id });
  const ext = o('extension-definition', 3, { created_by_ref: ident.id });
  const r1 = o('report', 4, {
    created_by_ref: ident.id,
    object_refs: [ident.id],
    object_marking_refs: [mark.id, 'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da'],
    extensions: { [ext.id]: { extension_type: 'property-extension' } },
  });
  const r2 = o('report', 5, { object_refs: [ident.id], object_marking_refs: [mark.id] });
  const stray = o('indicator', 6);

  it('one bundle per report, each holding what it names (transitively), shared objects in each, unpulled names left out', () => {
    const bs = bundlesOf([r1, ident, mark, stray, ext, r2]);
    expect(bs.map((b) => b.report)).toEqual([r1.id, r2.id]);
    expect(bs[0]?.bundle.objects.map((x) => x.id)).toEqual([r1.id, ident.id, mark.id, ext.id]);
    expect(bs[1]?.bundle.objects.map((x) => x.id)).toEqual([r2.id, ident.id, mark.id]);
    expect(bs[0]?.bundle.id).toMatch(
      /^bundle--[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(bundlesOf([r1, ident, mark, ext, r2])[0]?.bundle.id).toBe(bs[0]?.bundle.id);
  });

  it('keeps the latest version of an object pulled twice', () => {
    const newer = { ...r2, modified: '2026-12-02T00:00:00.000Z', name: 'v2' };
    const bs = bundlesOf([r2, ident, mark, newer]);
    expect(bs).toHaveLength(1);
    expect(bs[0]?.bundle.objects[0]).toEqual(newer);
  });
});
