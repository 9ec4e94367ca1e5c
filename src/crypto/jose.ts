// JOSE compact serializations on Node's own primitives, for speed:
//   JWS (RFC 7515) with EdDSA / Ed25519 (RFC 8037);
//   JWE (RFC 7516) with ECDH-ES direct key agreement on X25519 (RFC 7518 §4.6,
//   RFC 8037) and A256GCM content encryption.
// No primitive is ours: Ed25519, X25519, SHA-256 (Concat KDF) and AES-GCM are
// node:crypto's. The test suite checks both directions against the `jose` library.
// Every way of failing to open or verify gives the same JoseError.

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import { LiaisonError } from '../core/errors.js';
import { isObject } from '../core/guards.js';

/** One indistinguishable error for every malformed or wrong-key input (DESIGN.md). */
export class JoseError extends LiaisonError<'unopenable'> {
  override readonly name = 'JoseError';
  readonly family = 'jose';
  constructor() {
    super('unopenable', 'the message cannot be opened or verified');
  }
}

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

function fromB64u(s: string): Buffer {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new JoseError();
  return Buffer.from(s, 'base64url');
}

function parseHeader(part: string): Record<string, unknown> {
  try {
    const h: unknown = JSON.parse(fromB64u(part).toString('utf8'));
    if (!isObject(h)) throw new Error();
    return h;
  } catch {
    throw new JoseError();
  }
}

// Keys cross the JWK form: Node imports and exports it an order of magnitude faster
// than DER (a few µs against tens), and it is what JOSE headers carry anyway.

export function rawX25519(key: KeyObject): Buffer {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url');
}

export function x25519PublicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new JoseError();
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(raw) }, format: 'jwk' });
}

// ---------------------------------------------------------------- JWS

export interface JwsHeader {
  readonly kid: string;
  readonly typ?: string;
}

/** JWS compact serialization, `alg: EdDSA`, over the payload bytes. */
export function signJws(payload: Uint8Array, key: KeyObject, header: JwsHeader): string {
  const h = b64u(JSON.stringify({ alg: 'EdDSA', ...header }));
  const p = b64u(payload);
  const signature = sign(null, Buffer.from(`${h}.${p}`, 'ascii'), key);
  return `${h}.${p}.${b64u(signature)}`;
}

/** The kid of a JWS, before verifying it (to choose the key). */
export function jwsKid(jws: string): string {
  const kid = parseHeader(jws.split('.')[0] ?? '').kid;
  if (typeof kid !== 'string') throw new JoseError();
  return kid;
}

/** Verifies a compact EdDSA JWS with the given key; returns the payload and header. */
export function verifyJws(
  jws: string,
  key: KeyObject,
): { payload: Buffer; header: Record<string, unknown> } {
  const [h, p, s, ...more] = jws.split('.');
  if (h === undefined || p === undefined || s === undefined || more.length > 0)
    throw new JoseError();
  const header = parseHeader(h);
  if (header.alg !== 'EdDSA' || header.crit !== undefined) throw new JoseError();
  let ok = false;
  try {
    ok = verify(null, Buffer.from(`${h}.${p}`, 'ascii'), key, fromB64u(s));
  } catch {
    ok = false;
  }
  if (!ok) throw new JoseError();
  return { payload: fromB64u(p), header };
}

// ---------------------------------------------------------------- JWE

/** RFC 7518 §4.6.2: Concat KDF (NIST SP 800-56A) with SHA-256, one round for 256 bits. */
function concatKdf(z: Buffer, enc: string, apu: Buffer, apv: Buffer): Buffer {
  const len = (b: Buffer) => {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(b.length);
    return out;
  };
  const algorithmId = Buffer.from(enc, 'ascii');
  const suppPub = Buffer.alloc(4);
  suppPub.writeUInt32BE(256);
  return createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(len(algorithmId))
    .update(algorithmId)
    .update(len(apu))
    .update(apu)
    .update(len(apv))
    .update(apv)
    .update(suppPub)
    .digest();
}

export interface JweHeader {
  readonly kid: string;
  readonly cty?: string;
}

/** JWE compact serialization: ECDH-ES on X25519 to `recipient`, A256GCM. */
/**
 * Node's generateKeyPairSync with a JWK-encoded public half (documented since Node 15.9),
 * an overload @types/node lacks.
 */
// Safe: the same function, typed as Node documents it for `publicKeyEncoding.format: 'jwk'`.
const generateJwkPair = generateKeyPairSync as (
  type: 'x25519',
  options: { readonly publicKeyEncoding: { readonly format: 'jwk' } },
) => { publicKey: { readonly x?: unknown }; privateKey: KeyObject };

export function encryptJwe(plaintext: Uint8Array, recipient: KeyObject, header: JweHeader): string {
  // The public half comes out of the key generation already encoded. Exporting it from
  // the fresh KeyObject instead can deadlock Node 20 (a garbage collection during the
  // export runs the generation job's destructor, which takes the lock the export holds).
  const eph = generateJwkPair('x25519', { publicKeyEncoding: { format: 'jwk' } });
  const x: unknown = eph.publicKey.x;
  if (typeof x !== 'string') throw new JoseError();
  const epk = { kty: 'OKP', crv: 'X25519', x };
  const protectedHeader = b64u(JSON.stringify({ alg: 'ECDH-ES', enc: 'A256GCM', epk, ...header }));
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  const cek = concatKdf(z, 'A256GCM', Buffer.alloc(0), Buffer.alloc(0));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return `${protectedHeader}..${b64u(iv)}.${b64u(ciphertext)}.${b64u(cipher.getAuthTag())}`;
}

/** The kid a JWE is addressed to, before opening it. */
export function jweKid(jwe: string): string {
  const kid = parseHeader(jwe.split('.')[0] ?? '').kid;
  if (typeof kid !== 'string') throw new JoseError();
  return kid;
}

/** Opens a compact ECDH-ES / A256GCM JWE with the recipient's X25519 private key. */
export function decryptJwe(
  jwe: string,
  privateKey: KeyObject,
): { plaintext: Buffer; header: Record<string, unknown> } {
  const [h, ek, ivText, ctText, tagText, ...more] = jwe.split('.');
  if (
    h === undefined ||
    ek === undefined ||
    ivText === undefined ||
    ctText === undefined ||
    tagText === undefined ||
    more.length > 0
  )
    throw new JoseError();
  const header = parseHeader(h);
  const epk = isObject(header.epk) ? header.epk : undefined;
  if (
    header.alg !== 'ECDH-ES' ||
    header.enc !== 'A256GCM' ||
    header.crit !== undefined ||
    ek !== '' ||
    epk === undefined ||
    epk.kty !== 'OKP' ||
    epk.crv !== 'X25519' ||
    typeof epk.x !== 'string'
  ) {
    throw new JoseError();
  }
  try {
    if (!/^[A-Za-z0-9_-]{43}$/.test(epk.x)) throw new JoseError();
    const z = diffieHellman({
      privateKey,
      publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epk.x }, format: 'jwk' }),
    });
    const apu = typeof header.apu === 'string' ? fromB64u(header.apu) : Buffer.alloc(0);
    const apv = typeof header.apv === 'string' ? fromB64u(header.apv) : Buffer.alloc(0);
    const cek = concatKdf(z, 'A256GCM', apu, apv);
    const iv = fromB64u(ivText);
    const tag = fromB64u(tagText);
    if (iv.length !== 12 || tag.length !== 16) throw new JoseError();
    const decipher = createDecipheriv('aes-256-gcm', cek, iv);
    decipher.setAAD(Buffer.from(h, 'ascii'));
    decipher.setAuthTag(tag);
    const plaintext = Buffer.concat([decipher.update(fromB64u(ctText)), decipher.final()]);
    return { plaintext, header };
  } catch {
    throw new JoseError();
  }
}
