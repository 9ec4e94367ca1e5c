// Encryption at rest (docs/decisions.md #140–#146): AES-256-GCM from node:crypto, a
// fresh random 96-bit IV per seal, additional authenticated data (AAD) naming what the
// bytes belong to, so that a ciphertext moved to another row or field does not open.
// Envelope encryption: content under a data key (DEK), each DEK wrapped by the node's
// key (KEK), the KEK wrapped under a key derived from the node's passphrase (scrypt,
// its parameters kept beside it). Pure: no I/O, no clock.
//
// Formats (versioned, compact):
//   bytes: 0x01 ‖ IV (12) ‖ ciphertext ‖ tag (16)
//   text:  "ea1." ‖ base64url(the bytes above)   (for text columns)

import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { LiaisonError } from '../core/errors.js';

export type AtRestCode = 'cannot-open' | 'wrong-passphrase' | 'bad-key-record';

/** Sealed data that does not open: wrong key, wrong AAD, tampered, or not sealed at all. */
export class AtRestError extends LiaisonError<AtRestCode> {
  override readonly name = 'AtRestError';
  readonly family = 'keys';
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
/** The prefix of sealed text; canonical JSON and other stored text never start with it. */
export const SEALED_TEXT_PREFIX = 'ea1.';

/** A fresh random 256-bit key (a DEK or a KEK). */
export function newKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES)
    throw new TypeError(`an AES-256 key has 32 bytes, not ${key.length}`);
}

/** Seals `plain` under `key`, binding `aad` (not stored: the reader must name it again). */
export function seal(key: Uint8Array, plain: Uint8Array, aad: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, body, c.getAuthTag()]);
}

/**
 * Opens what `seal` made with the same key and AAD; anything else (another key,
 * another AAD, a flipped bit, a truncated or unknown format) is one error, `what`
 * naming the data for the person who reads it.
 */
export function open(key: Uint8Array, sealed: Uint8Array, aad: string, what = 'data'): Buffer {
  checkKey(key);
  const fail = () =>
    new AtRestError(
      'cannot-open',
      `cannot open the encrypted ${what}: wrong key, or the stored bytes were changed`,
    );
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw fail();
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  try {
    const d = createDecipheriv('aes-256-gcm', key, b.subarray(1, 1 + IV_BYTES));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(b.subarray(b.length - TAG_BYTES));
    return Buffer.concat([d.update(b.subarray(1 + IV_BYTES, b.length - TAG_BYTES)), d.final()]);
  } catch {
    throw fail();
  }
}

/** Seals text as text (for the store's text columns). */
export function sealText(key: Uint8Array, text: string, aad: string): string {
  return SEALED_TEXT_PREFIX + seal(key, Buffer.from(text, 'utf8'), aad).toString('base64url');
}

export function isSealedText(s: string): boolean {
  return s.startsWith(SEALED_TEXT_PREFIX);
}

export function openText(key: Uint8Array, sealed: string, aad: string, what = 'text'): string {
  if (!isSealedText(sealed))
    throw new AtRestError('cannot-open', `cannot open the encrypted ${what}: it is not sealed`);
  return open(
    key,
    Buffer.from(sealed.slice(SEALED_TEXT_PREFIX.length), 'base64url'),
    aad,
    what,
  ).toString('utf8');
}

/** A data key wrapped by the node key, as text; `owner` (an item id) is bound as AAD. */
export function wrapKey(kek: Uint8Array, dek: Uint8Array, owner: string): string {
  checkKey(dek);
  return sealText(kek, Buffer.from(dek).toString('base64'), `liaison/dek/${owner}`);
}

export function unwrapKey(kek: Uint8Array, wrapped: string, owner: string): Buffer {
  const dek = Buffer.from(
    openText(kek, wrapped, `liaison/dek/${owner}`, `data key of ${owner}`),
    'base64',
  );
  if (dek.length !== KEY_BYTES)
    throw new AtRestError('cannot-open', `the data key of ${owner} does not have 32 bytes`);
  return dek;
}

/** scrypt's cost: N = 2^15, r = 8, p = 1 (32 MiB, about 0.1 s), recorded with each record. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
export const SCRYPT_PARAMS: ScryptParams = { N: 1 << 15, r: 8, p: 1 };
/** The most a stored record may ask for (parseKekRecord refuses more). */
export const SCRYPT_MAX = { N: 1 << 20, r: 16, p: 4, bytes: 1 << 30 } as const;
/** Where the record is kept (the `meta` key), for messages. */
const KEK_RECORD_NAME = 'data-kek';

/** The node key as the store keeps it: wrapped under the passphrase. */
export interface KekRecord {
  readonly v: 1;
  /** The node key's id: data keys name the key that wrapped them. */
  readonly id: string;
  readonly kdf: 'scrypt';
  readonly N: number;
  readonly r: number;
  readonly p: number;
  /** base64 */
  readonly salt: string;
  /** The KEK sealed under the passphrase key, AAD `liaison/kek/<id>`. */
  readonly wrapped: string;
}

/** The key derived from the passphrase for one salt: it wraps the node key. */
export interface PassphraseKey {
  readonly salt: string;
  readonly params: ScryptParams;
  readonly key: Buffer;
}

export function passphraseKey(
  passphrase: string,
  salt: string = randomBytes(16).toString('base64'),
  params: ScryptParams = SCRYPT_PARAMS,
): PassphraseKey {
  const key = scryptSync(passphrase.normalize('NFC'), Buffer.from(salt, 'base64'), KEY_BYTES, {
    N: params.N,
    r: params.r,
    p: params.p,
    maxmem: 256 * params.N * params.r + (1 << 20),
  });
  return { salt, params, key };
}

/** Wraps a node key under a passphrase key. */
export function protectKek(id: string, kek: Uint8Array, pk: PassphraseKey): KekRecord {
  return {
    v: 1,
    id,
    kdf: 'scrypt',
    N: pk.params.N,
    r: pk.params.r,
    p: pk.params.p,
    salt: pk.salt,
    wrapped: sealText(pk.key, Buffer.from(kek).toString('base64'), `liaison/kek/${id}`),
  };
}

/** Reads a KekRecord from its JSON text, naming what is wrong. */
export function parseKekRecord(text: string): KekRecord {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    throw new AtRestError('bad-key-record', 'the stored node data key is not JSON');
  }
  const o: Record<string, unknown> =
    typeof r === 'object' && r !== null && !Array.isArray(r) ? { ...r } : {};
  const int = (k: string): number => {
    const n = o[k];
    return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
  };
  if (o.v !== 1 || o.kdf !== 'scrypt')
    throw new AtRestError('bad-key-record', 'the stored node data key has an unknown format');
  if (typeof o.id !== 'string' || typeof o.salt !== 'string' || typeof o.wrapped !== 'string')
    throw new AtRestError('bad-key-record', 'the stored node data key lacks its id, salt or key');
  const [N, R, P] = [int('N'), int('r'), int('p')];
  const show = (v: unknown) => String(v).slice(0, 24);
  // Bounded before anything is derived: a changed record must not make the start
  // allocate what it names (scrypt takes 128·N·r bytes).
  if (
    N < 2 ||
    (N & (N - 1)) !== 0 ||
    N > SCRYPT_MAX.N ||
    R === 0 ||
    R > SCRYPT_MAX.r ||
    P === 0 ||
    P > SCRYPT_MAX.p ||
    128 * N * R > SCRYPT_MAX.bytes
  )
    throw new AtRestError(
      'bad-key-record',
      `the stored node data key (meta '${KEK_RECORD_NAME}') has scrypt parameters out of bounds ` +
        `(N=${show(o.N)}, r=${show(o.r)}, p=${show(o.p)}; N a power of 2 up to 2^20, r up to 16, p up to 4, ` +
        '128·N·r up to 1 GiB)',
    );
  return {
    v: 1,
    id: o.id,
    kdf: 'scrypt',
    N,
    r: R,
    p: P,
    salt: o.salt,
    wrapped: o.wrapped,
  };
}

/** The passphrase key of a record: derived from the passphrase with the record's salt. */
export function passphraseKeyFor(record: KekRecord, passphrase: string): PassphraseKey {
  return passphraseKey(passphrase, record.salt, { N: record.N, r: record.r, p: record.p });
}

/** Opens a node key with its passphrase key; a wrong passphrase says so. */
export function openKek(record: KekRecord, pk: PassphraseKey): Buffer {
  let kek: Buffer;
  try {
    kek = Buffer.from(openText(pk.key, record.wrapped, `liaison/kek/${record.id}`), 'base64');
  } catch {
    throw new AtRestError(
      'wrong-passphrase',
      "cannot open the node's data key: wrong passphrase, or the stored key was changed",
    );
  }
  if (kek.length !== KEY_BYTES)
    throw new AtRestError('bad-key-record', 'the stored node data key does not have 32 bytes');
  return kek;
}
