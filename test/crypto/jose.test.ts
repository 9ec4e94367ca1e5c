// Our JOSE (on node:crypto) against the `jose` library, both ways: what we seal,
// jose opens; what jose seals, we open. Tampering and wrong keys fail alike.
import { generateKeyPairSync } from 'node:crypto';
import * as jose from 'jose';
import { describe, expect, it } from 'vitest';
import {
  decryptJwe,
  encryptJwe,
  JoseError,
  jweKid,
  jwsKid,
  signJws,
  verifyJws,
} from '../../src/crypto/jose.js';

const signer = generateKeyPairSync('ed25519');
const recipient = generateKeyPairSync('x25519');
const other = generateKeyPairSync('x25519');
const payload = Buffer.from(
  JSON.stringify({ item: 'jp-1', marking: '極秘', body: 'x'.repeat(300) }),
);

describe('JWS EdDSA (RFC 7515, RFC 8037)', () => {
  it('what we sign, jose verifies; what jose signs, we verify', async () => {
    const ours = signJws(payload, signer.privateKey, { kid: 'JP' });
    const r = await jose.compactVerify(ours, signer.publicKey);
    expect(Buffer.from(r.payload).equals(payload)).toBe(true);
    expect(r.protectedHeader).toMatchObject({ alg: 'EdDSA', kid: 'JP' });
    const theirs = await new jose.CompactSign(payload)
      .setProtectedHeader({ alg: 'EdDSA', kid: 'KR' })
      .sign(signer.privateKey);
    expect(verifyJws(theirs, signer.publicKey).payload.equals(payload)).toBe(true);
    expect(jwsKid(theirs)).toBe('KR');
  });

  it('a flipped byte, another key or another algorithm fails with one error', () => {
    const ours = signJws(payload, signer.privateKey, { kid: 'JP' });
    const [h, p, s] = ours.split('.') as [string, string, string];
    const flipped = `${h}.${p.slice(0, -2)}${p.at(-2) === 'A' ? 'B' : 'A'}${p.at(-1)}.${s}`;
    expect(() => verifyJws(flipped, signer.publicKey)).toThrow(JoseError);
    expect(() => verifyJws(ours, generateKeyPairSync('ed25519').publicKey)).toThrow(JoseError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    expect(() => verifyJws(none, signer.publicKey)).toThrow(JoseError);
    expect(() => verifyJws('garbage', signer.publicKey)).toThrow(JoseError);
  });
});

describe('JWE ECDH-ES / X25519 / A256GCM (RFC 7516, RFC 7518 §4.6, RFC 8037)', () => {
  it('what we encrypt, jose decrypts; what jose encrypts, we decrypt', async () => {
    const ours = encryptJwe(payload, recipient.publicKey, { kid: 'KR', cty: 'JWS' });
    const r = await jose.compactDecrypt(ours, recipient.privateKey);
    expect(Buffer.from(r.plaintext).equals(payload)).toBe(true);
    expect(r.protectedHeader).toMatchObject({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      kid: 'KR',
      cty: 'JWS',
    });
    const theirs = await new jose.CompactEncrypt(payload)
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: 'KR' })
      .encrypt(recipient.publicKey);
    expect(decryptJwe(theirs, recipient.privateKey).plaintext.equals(payload)).toBe(true);
    expect(jweKid(theirs)).toBe('KR');
  });

  it('tampered ciphertext, header or tag, or the wrong key, fails with one error', () => {
    const ours = encryptJwe(payload, recipient.publicKey, { kid: 'KR' });
    const parts = ours.split('.');
    const ct = parts[3] as string;
    const tampered = [
      parts[0],
      parts[1],
      parts[2],
      `${ct.slice(0, 10)}${ct[10] === 'A' ? 'B' : 'A'}${ct.slice(11)}`,
      parts[4],
    ].join('.');
    expect(() => decryptJwe(tampered, recipient.privateKey)).toThrow(JoseError);
    expect(() => decryptJwe(ours, other.privateKey)).toThrow(JoseError);
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const reheaded = [
      Buffer.from(JSON.stringify({ ...header, kid: 'US' })).toString('base64url'),
      ...parts.slice(1),
    ].join('.');
    expect(() => decryptJwe(reheaded, recipient.privateKey)).toThrow(JoseError);
    expect(() => decryptJwe('a.b.c', recipient.privateKey)).toThrow(JoseError);
  });
});
