// RFC 9421 message signatures: the RFC's own Ed25519 vector, and our requests'
// refusals (tampering, another key, another receiver's authority, stale, replayed,
// unsigned).
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  authorityOf,
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
  // What JP signs, for KR's authority; and what KR receives (the Host header as sent).
  const req = {
    method: 'POST',
    authority: '127.0.0.1:8402',
    path: '/v1/federation/messages',
    body: Buffer.from('{"messages":[]}'),
  };
  const at = (r: typeof req) => ({ ...r, host: r.authority });
  const now = 1_800_000_000_000;
  const keys = (id: string) => (id === 'JP' ? jp.publicKey : undefined);
  /** KR, reached at 127.0.0.1:8402 (and, with `aliases`, at other names). */
  const kr = (
    nowMs: number,
    fresh: (n: string, e: number) => boolean = () => true,
    aliases: string[] = [],
  ) => ({
    authorities: ['127.0.0.1:8402', ...aliases],
    elsewhere: () => ['127.0.0.1:8401', '127.0.0.1:8403'],
    keyFor: keys,
    nowMs,
    fresh,
  });
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as HttpSigError).code;
    }
    return 'accepted';
  };

  it('verifies our own signed request once, and refuses it the second time (replay)', () => {
    const headers = signRequest(req, jp.privateKey, 'JP', now);
    const seen = new Set<string>();
    const fresh = (n: string) => !seen.has(n) && Boolean(seen.add(n));
    const v = verifyRequest(at(req), headers, kr(now + 500, fresh));
    expect(v).toMatchObject({ keyid: 'JP', authority: '127.0.0.1:8402' });
    expect(() => verifyRequest(at(req), headers, kr(now + 600, fresh))).toThrow(
      expect.objectContaining({ code: 'replayed-request' }),
    );
  });

  it('covers the method, authority, path, query and Content-Digest, in that order', () => {
    const headers = signRequest(
      { ...req, method: 'get', path: '/v1/federation/checkpoint', body: Buffer.alloc(0) },
      jp.privateKey,
      'JP',
      now,
    );
    expect(headers['signature-input']).toMatch(
      /^liaison=\("@method" "@authority" "@path" "@query" "content-digest"\);created=\d+;expires=\d+;nonce="[A-Za-z0-9_-]{22}";keyid="JP";alg="ed25519"$/,
    );
    // Each component is in the base: changing any one of them breaks the signature.
    const get = {
      method: 'GET',
      host: '127.0.0.1:8402',
      path: '/v1/federation/checkpoint',
      body: Buffer.alloc(0),
    };
    expect(code(() => verifyRequest(get, headers, kr(now)))).toBe('accepted');
    expect(code(() => verifyRequest({ ...get, method: 'POST' }, headers, kr(now)))).toBe(
      'bad-signature',
    );
    expect(
      code(() => verifyRequest({ ...get, path: '/v1/federation/checkpoint?x' }, headers, kr(now))),
    ).toBe('bad-signature');
    // A signature over another list of components is refused, whatever it verifies.
    const fewer = {
      ...headers,
      'signature-input': headers['signature-input'].replace(' "@authority"', ''),
    };
    expect(code(() => verifyRequest(get, fewer, kr(now)))).toBe('bad-signature');
  });

  it('refuses a changed body, path, query or authority, another key, a stale or unsigned request', () => {
    const headers = signRequest(req, jp.privateKey, 'JP', now);
    expect(
      code(() =>
        verifyRequest(at({ ...req, body: Buffer.from('{"messages":[1]}') }), headers, kr(now)),
      ),
    ).toBe('bad-signature');
    expect(code(() => verifyRequest(at({ ...req, path: '/v1/other' }), headers, kr(now)))).toBe(
      'bad-signature',
    );
    // The query is covered (@query): a proof request cannot be redirected to other sizes.
    const get = { ...req, method: 'GET', path: '/v1/federation/proof/consistency?from=1&to=9' };
    const getHeaders = signRequest(get, jp.privateKey, 'JP', now);
    expect(code(() => verifyRequest(at(get), getHeaders, kr(now)))).toBe('accepted');
    expect(
      code(() =>
        verifyRequest(
          at({ ...get, path: '/v1/federation/proof/consistency?from=1&to=8' }),
          getHeaders,
          kr(now),
        ),
      ),
    ).toBe('bad-signature');
    expect(getHeaders['signature-input']).toContain('"@path" "@query" "content-digest"');
    const forged = signRequest(req, generateKeyPairSync('ed25519').privateKey, 'JP', now);
    expect(code(() => verifyRequest(at(req), forged, kr(now)))).toBe('bad-signature');
    expect(
      code(() => verifyRequest(at(req), signRequest(req, jp.privateKey, 'KR', now), kr(now))),
    ).toBe('unknown-peer');
    expect(code(() => verifyRequest(at(req), headers, kr(now + 120_000)))).toBe('stale-request');
    expect(code(() => verifyRequest(at(req), {}, kr(now)))).toBe('unsigned');
  });

  it('refuses a request signed for another authority, whatever Host header it carries', () => {
    // JP signs a request for US (127.0.0.1:8403); it is captured and replayed to KR.
    const forUs = { ...req, authority: '127.0.0.1:8403' };
    const headers = signRequest(forUs, jp.privateKey, 'JP', now);
    const seen = new Set<string>();
    const fresh = (n: string) => !seen.has(n) && Boolean(seen.add(n));
    // With the original Host header: KR checks its own authority, not the header's.
    expect(code(() => verifyRequest(at(forUs), headers, kr(now, fresh)))).toBe('wrong-authority');
    // With KR's Host header: still signed for US, not for KR.
    expect(code(() => verifyRequest(at(req), headers, kr(now, fresh)))).toBe('wrong-authority');
    // Signed for a name nobody here knows, sent with KR's Host header: it does not verify.
    const elsewhere = signRequest({ ...req, authority: 'evil:1' }, jp.privateKey, 'JP', now);
    expect(code(() => verifyRequest(at(req), elsewhere, kr(now, fresh)))).toBe('bad-signature');
    // ... and with the Host header it was signed for: another authority.
    expect(
      code(() => verifyRequest({ ...at(req), host: 'EVIL:1' }, elsewhere, kr(now, fresh))),
    ).toBe('wrong-authority');
    // Refused before its nonce is used: the request, sent where it was meant, is fine.
    expect(seen.size).toBe(0);
    expect(
      verifyRequest(at(forUs), headers, { ...kr(now, fresh), authorities: ['127.0.0.1:8403'] })
        .authority,
    ).toBe('127.0.0.1:8403');
    // A node with no configured authority accepts nothing.
    const fresh2 = signRequest(req, jp.privateKey, 'JP', now);
    expect(code(() => verifyRequest(at(req), fresh2, { ...kr(now), authorities: [] }))).toBe(
      'wrong-authority',
    );
  });

  it('accepts every authority configured for the node, and only those', () => {
    const viaName = { ...req, authority: 'localhost:8402' };
    const headers = signRequest(viaName, jp.privateKey, 'JP', now);
    expect(code(() => verifyRequest(at(viaName), headers, kr(now)))).toBe('wrong-authority');
    expect(
      verifyRequest(
        at(viaName),
        headers,
        kr(now, () => true, ['localhost:8402']),
      ),
    ).toMatchObject({ authority: 'localhost:8402' });
    // The Host header does not matter when the signature is for one of ours (a proxy
    // may rewrite it); nor does case.
    expect(
      verifyRequest({ ...at(viaName), host: 'proxy.internal' }, headers, {
        ...kr(now),
        authorities: ['127.0.0.1:8402', 'LOCALHOST:8402'],
      }).authority,
    ).toBe('localhost:8402');
  });

  it('takes an authority from a URL as URL.host writes it', () => {
    expect(authorityOf('http://KR.Example:8420/')).toBe('kr.example:8420');
    expect(authorityOf('https://kr.example:443')).toBe('kr.example');
    expect(authorityOf('http://[::1]:8420')).toBe('[::1]:8420');
    expect(authorityOf('ftp://kr.example')).toBeNull();
    expect(authorityOf('')).toBeNull();
  });
});
