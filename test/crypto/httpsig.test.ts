// RFC 9421 message signatures: the RFC's own Ed25519 vector, and our requests'
// refusals (tampering, another key, stale, replayed, unsigned).
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type HttpSigError,
  signatureBase,
  signRequest,
  verifyRequest,
} from '../../src/federation/httpsig.js';
import { ed25519PrivateKeyFromSeed } from '../../src/log/note.js';

const v = JSON.parse(
  readFileSync(join(import.meta.dirname, '../vectors/rfc9421-b26.json'), 'utf8'),
) as {
  privateKeySeed: string;
  components: [string, string][];
  signatureParams: string;
  signature: string;
};

describe('RFC 9421 HTTP message signatures', () => {
  it('reproduces the Ed25519 signature of RFC 9421 Appendix B.2.6', () => {
    const key = ed25519PrivateKeyFromSeed(Buffer.from(v.privateKeySeed, 'base64url'));
    const base = signatureBase(v.components, v.signatureParams);
    expect(base.split('\n')).toHaveLength(7);
    expect(sign(null, Buffer.from(base), key).toString('base64')).toBe(v.signature);
  });

  const jp = generateKeyPairSync('ed25519');
  const req = {
    method: 'POST',
    authority: '127.0.0.1:8402',
    path: '/v1/federation/messages',
    body: Buffer.from('{"messages":[]}'),
  };
  const now = 1_800_000_000_000;
  const keys = (id: string) => (id === 'JP' ? jp.publicKey : undefined);

  it('verifies our own signed request once, and refuses it the second time (replay)', () => {
    const headers = signRequest(req, jp.privateKey, 'JP', now);
    const seen = new Set<string>();
    const fresh = (n: string) => !seen.has(n) && Boolean(seen.add(n));
    expect(verifyRequest(req, headers, keys, now + 500, fresh).keyid).toBe('JP');
    expect(() => verifyRequest(req, headers, keys, now + 600, fresh)).toThrow(
      expect.objectContaining({ code: 'replayed-request' }),
    );
  });

  it('refuses a changed body, path, query or authority, another key, a stale or unsigned request', () => {
    const headers = signRequest(req, jp.privateKey, 'JP', now);
    const fresh = () => true;
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as HttpSigError).code;
      }
      return 'accepted';
    };
    expect(
      code(() =>
        verifyRequest({ ...req, body: Buffer.from('{"messages":[1]}') }, headers, keys, now, fresh),
      ),
    ).toBe('bad-signature');
    expect(
      code(() => verifyRequest({ ...req, path: '/v1/other' }, headers, keys, now, fresh)),
    ).toBe('bad-signature');
    expect(
      code(() => verifyRequest({ ...req, authority: 'evil:1' }, headers, keys, now, fresh)),
    ).toBe('bad-signature');
    // The query is covered (@query): a proof request cannot be redirected to other sizes.
    const get = { ...req, method: 'GET', path: '/v1/federation/proof/consistency?from=1&to=9' };
    const getHeaders = signRequest(get, jp.privateKey, 'JP', now);
    expect(code(() => verifyRequest(get, getHeaders, keys, now, fresh))).toBe('accepted');
    expect(
      code(() =>
        verifyRequest(
          { ...get, path: '/v1/federation/proof/consistency?from=1&to=8' },
          getHeaders,
          keys,
          now,
          fresh,
        ),
      ),
    ).toBe('bad-signature');
    expect(getHeaders['signature-input']).toContain('"@path" "@query" "content-digest"');
    const forged = signRequest(req, generateKeyPairSync('ed25519').privateKey, 'JP', now);
    expect(code(() => verifyRequest(req, forged, keys, now, fresh))).toBe('bad-signature');
    expect(
      code(() => verifyRequest(req, signRequest(req, jp.privateKey, 'KR', now), keys, now, fresh)),
    ).toBe('unknown-peer');
    expect(code(() => verifyRequest(req, headers, keys, now + 120_000, fresh))).toBe(
      'stale-request',
    );
    expect(code(() => verifyRequest(req, {}, keys, now, fresh))).toBe('unsigned');
  });
});
