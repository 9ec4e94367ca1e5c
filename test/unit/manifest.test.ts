// The originator's manifest (issue 11): what it signs, how it is opened, and how a
// consent names the version it was given for.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyEffect, checkConsent, markingFromOriginator } from '../../src/core/index.js';
import { signJws } from '../../src/crypto/jose.js';
import {
  contentHash,
  MANIFEST_TYP,
  makeManifest,
  manifestOf,
  openManifest,
} from '../../src/node/manifest.js';
import { act, ms, world } from './helpers.js';

const jp = generateKeyPairSync('ed25519');
const us = generateKeyPairSync('ed25519');
const keysOf = (p: string) => (p === 'JP' ? [jp.publicKey] : p === 'US' ? [us.publicKey] : []);
const T = ms('2026-12-01T00:00:00Z');
const fields = {
  item: 'jp-1',
  originator: 'JP',
  version: 1,
  marking: 'GOKUHI',
  categories: ['dprk-missile'],
  releasableTo: null,
  precedence: 'ROUTINE' as const,
  contentHash: contentHash({ title: 'Launch report', body: 'text' }),
};

describe('manifests', () => {
  it('round-trips: signed by the originator, opened with its key', () => {
    const { manifest, jws } = makeManifest(fields, T, T + 1000, jp.privateKey);
    expect(openManifest(jws, keysOf)).toEqual(manifest);
    expect(manifest).toMatchObject({
      createdAt: '2026-12-01T00:00:00Z',
      issuedAt: '2026-12-01T00:00:01Z',
    });
    expect(manifestOf(jws)).toEqual(manifest);
  });

  it('hashes the canonical JSON of the content: member order does not matter, any change does', () => {
    const a = contentHash({ title: 't', body: 'b', alert: { x: 1, y: [1, 2] } });
    expect(contentHash({ body: 'b', alert: { y: [1, 2], x: 1 }, title: 't' })).toBe(a);
    expect(contentHash({ title: 't', body: 'b ', alert: { x: 1, y: [1, 2] } })).not.toBe(a);
    expect(contentHash({ title: 't', body: 'b' })).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses another key, a signer other than the originator named, a bent payload, another typ', () => {
    const { jws } = makeManifest(fields, T, T, jp.privateKey);
    // Signed by US's key under JP's kid.
    const forged = makeManifest(fields, T, T, us.privateKey).jws;
    expect(() => openManifest(forged, keysOf)).toThrow(/does not verify with JP's key/);
    // Signed by US as US, naming JP as originator.
    const asUs = signJws(
      Buffer.from(JSON.stringify({ ...manifestOf(jws), originator: 'JP' })),
      us.privateKey,
      { kid: 'US', typ: MANIFEST_TYP },
    );
    expect(() => openManifest(asUs, keysOf)).toThrow(/names JP as originator but US signed it/);
    // One character of the payload changed.
    const [h, p, s] = jws.split('.');
    const bent = `${h}.${(p ?? '').slice(0, -2)}AA.${s}`;
    expect(() => openManifest(bent, keysOf)).toThrow(
      expect.objectContaining({ code: 'bad-originator-signature' }),
    );
    // A consent's JWS is not a manifest.
    const other = signJws(Buffer.from(JSON.stringify(manifestOf(jws))), jp.privateKey, {
      kid: 'JP',
      typ: 'liaison-consent+jws',
    });
    expect(() => openManifest(other, keysOf)).toThrow(
      expect.objectContaining({ code: 'bad-originator-signature' }),
    );
    // A party whose key is unknown here.
    const kr = makeManifest({ ...fields, originator: 'KR' }, T, T, jp.privateKey).jws;
    expect(() => openManifest(kr, keysOf)).toThrow(/no key of KR/);
  });

  it('refuses a payload that is not a manifest', () => {
    const jws = signJws(
      Buffer.from(JSON.stringify({ ...fields, v: 1, extra: true })),
      jp.privateKey,
      {
        kid: 'JP',
        typ: MANIFEST_TYP,
      },
    );
    expect(() => openManifest(jws, keysOf)).toThrow(
      expect.objectContaining({ code: 'malformed-manifest' }),
    );
  });
});

describe('versions', () => {
  const w = () =>
    world({
      agreements: ['gsomia-us-jp-2007', 'gsia-us-kr-1987', 'tisa-2014'],
      items: [{ id: 'jp-1', originator: 'JP', marking: 'GOKUHI', categories: ['dprk-missile'] }],
    });

  it('a consent names the version it was given for: after a reclassification a new one is needed', () => {
    const x = w();
    act(x, '2026-12-01T00:00:00Z', { kind: 'release', item: 'jp-1', to: 'US' });
    const item = x.items.get('jp-1');
    if (item === undefined) throw new Error('no item');
    applyEffect(x, {
      kind: 'consent',
      consent: {
        id: 'c1',
        item: 'jp-1',
        by: 'JP',
        holder: 'US',
        to: 'KR',
        grantedAt: T,
        expires: Number.POSITIVE_INFINITY,
        revokedAt: Number.POSITIVE_INFINITY,
        version: 1,
      },
    });
    expect(checkConsent(x, item, 'US', 'KR', T + 1)).toMatchObject({ ok: true });
    const d = act(x, '2026-12-01T00:01:00Z', {
      kind: 'reclassify',
      item: 'jp-1',
      by: 'JP',
      marking: 'KIMITSU',
    });
    expect(d.decision).toBe('allow');
    expect(item.version).toBe(2);
    const after = checkConsent(x, item, 'US', 'KR', T + 120_000);
    expect(after).toMatchObject({ ok: false, reason: { code: 'consent-required' } });
    expect(after.ok ? '' : after.reason.message).toMatch(/given for version 1/);
  });

  it("computes a holder's marking from the originator's: the highest row, unclassified stays so", () => {
    const x = w();
    const item = x.items.get('jp-1');
    if (item === undefined) throw new Error('no item');
    expect(markingFromOriginator(x, item, 'US', T)?.code).toBe('S');
    expect(markingFromOriginator(x, item, 'JP', T)?.code).toBe('GOKUHI');
    // KR and JP share only TISA here, whose rows do cover GOKUHI.
    expect(markingFromOriginator(x, item, 'KR', T)?.code).toBe('II');
    item.marking = item.originator.scheme.byCode.get('KIMITSU') ?? item.marking;
    // TISA has no KIMITSU row: KR's marking cannot be computed (a forward is refused).
    expect(markingFromOriginator(x, item, 'KR', T)).toBeNull();
    item.marking = item.originator.scheme.unclassified;
    expect(markingFromOriginator(x, item, 'KR', T)?.code).toBe('U');
  });
});
