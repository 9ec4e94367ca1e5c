// A node's identity as partners see it: party, log origin, URL and public keys,
// self-signed; and the fingerprint that partners confirm out of band.

import { createHash, type KeyObject } from 'node:crypto';
import { type Static, Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LiaisonError } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import { rawX25519, signJws, verifyJws, x25519PublicKeyFromRaw } from '../crypto/jose.js';
import { ed25519PublicKeyFromRaw, rawPublicKey } from '../log/note.js';

export interface Identity {
  readonly v: 1;
  readonly party: string;
  readonly origin: string;
  readonly url: string;
  /** Raw Ed25519 public key, base64. */
  readonly signingKey: string;
  /** Raw X25519 public key, base64. */
  readonly encryptionKey: string;
  readonly fingerprint: string;
}

/**
 * SHA-256 over both raw public keys (signing then encryption), as 16 groups of 4 hex
 * digits: what officers read to each other over a trusted channel.
 */
function fingerprint(signingRaw: Uint8Array, encryptionRaw: Uint8Array): string {
  const hex = createHash('sha256').update(signingRaw).update(encryptionRaw).digest('hex');
  return (hex.match(/.{4}/g) ?? []).join(':');
}

function normalizeFingerprint(text: string): string {
  const hex = text.toLowerCase().replace(/[^0-9a-f]/g, '');
  return (hex.match(/.{4}/g) ?? []).join(':');
}

export function buildIdentity(
  party: string,
  origin: string,
  url: string,
  signing: KeyObject,
  encryption: KeyObject,
): Identity {
  const s = rawPublicKey(signing);
  const e = rawX25519(encryption);
  return {
    v: 1,
    party,
    origin,
    url,
    signingKey: s.toString('base64'),
    encryptionKey: e.toString('base64'),
    fingerprint: fingerprint(s, e),
  };
}

/** The identity, signed by its own signing key: binds the encryption key to it. */
export function signIdentity(id: Identity, signing: KeyObject): string {
  return signJws(Buffer.from(canonicalJson(id), 'utf8'), signing, {
    kid: id.party,
    typ: 'liaison-identity+jws',
  });
}

export class IdentityError extends LiaisonError<'bad-identity'> {
  override readonly name = 'IdentityError';
  readonly family = 'identity';
  constructor(message: string) {
    super('bad-identity', message);
  }
}

/** What an identity states that a peer pins (docs/wire.md §2: `v` and `url` are not checked). */
const Pinned = T.Object({
  party: T.String(),
  origin: T.String(),
  signingKey: T.String(),
  encryptionKey: T.String(),
  fingerprint: T.String(),
});
const PINNED = TypeCompiler.Compile(Pinned);

/** Checks a fetched identity: well-formed, self-signed, and with the expected fingerprint. */
export function openIdentity(
  jws: string,
  expectedFingerprint: string,
): { identity: Static<typeof Pinned>; signing: KeyObject; encryption: KeyObject } {
  let claimed: unknown;
  try {
    claimed = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'));
  } catch {
    throw new IdentityError('the node answered with something that is not an identity');
  }
  if (
    typeof claimed !== 'object' ||
    claimed === null ||
    !('signingKey' in claimed && 'encryptionKey' in claimed) ||
    typeof claimed.signingKey !== 'string' ||
    typeof claimed.encryptionKey !== 'string'
  ) {
    throw new IdentityError('the identity lacks its keys');
  }
  const s = Buffer.from(claimed.signingKey, 'base64');
  const e = Buffer.from(claimed.encryptionKey, 'base64');
  if (s.length !== 32 || e.length !== 32)
    throw new IdentityError('the identity keys are malformed');
  const actual = fingerprint(s, e);
  if (actual !== normalizeFingerprint(expectedFingerprint)) {
    throw new IdentityError(
      `fingerprint mismatch: the node presents ${actual}; you expected ${normalizeFingerprint(expectedFingerprint)}`,
    );
  }
  const signing = ed25519PublicKeyFromRaw(s);
  try {
    verifyJws(jws, signing);
  } catch {
    throw new IdentityError('the identity is not signed by its own key');
  }
  if (!('fingerprint' in claimed) || claimed.fingerprint !== actual)
    throw new IdentityError('the identity states a fingerprint that is not its own');
  if (!PINNED.Check(claimed)) throw new IdentityError('the identity lacks its party or origin');
  return { identity: claimed, signing, encryption: x25519PublicKeyFromRaw(e) };
}
