// A node's keys: an Ed25519 signing key (checkpoints, envelopes, receipts) and an
// X25519 encryption key. Private keys are stored as PKCS#8 PEM encrypted under a
// passphrase (AES-256-CBC with PBKDF2, by OpenSSL): a standard format, no home-made
// crypto. A wrong passphrase and a corrupt file give the same error.

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { LiaisonError } from '../core/errors.js';

class KeyError extends LiaisonError<'bad-keys'> {
  override readonly name = 'KeyError';
  readonly family = 'keys';
  constructor(message: string) {
    super('bad-keys', message);
  }
}

export interface NodeKeys {
  readonly signing: KeyObject;
  readonly encryption: KeyObject;
}

/** keys.json: the private keys as encrypted PKCS#8 PEM, the public ones as SPKI PEM. */
export const StoredKeysSchema = Type.Object({
  signingPrivate: Type.String(),
  encryptionPrivate: Type.String(),
  signingPublic: Type.String(),
  encryptionPublic: Type.String(),
});
export type StoredKeys = Static<typeof StoredKeysSchema>;

/**
 * A fresh key pair's private key, generated already encoded and imported again: a
 * KeyObject straight out of generateKeyPairSync can deadlock Node 20 when it is
 * exported while the generation job is garbage-collected (see src/crypto/jose.ts).
 */
function freshPrivateKey(type: 'ed25519' | 'x25519'): KeyObject {
  const der =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519', {
          publicKeyEncoding: { type: 'spki', format: 'der' },
          privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        }).privateKey
      : generateKeyPairSync('x25519', {
          publicKeyEncoding: { type: 'spki', format: 'der' },
          privateKeyEncoding: { type: 'pkcs8', format: 'der' },
        }).privateKey;
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function generateNodeKeys(): NodeKeys {
  return { signing: freshPrivateKey('ed25519'), encryption: freshPrivateKey('x25519') };
}

export function sealKeys(keys: NodeKeys, passphrase: string): StoredKeys {
  if (passphrase.length < 8) throw new KeyError('the passphrase must have at least 8 characters');
  const seal = (k: KeyObject) =>
    k.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString();
  const pub = (k: KeyObject) =>
    createPublicKey(k).export({ type: 'spki', format: 'pem' }).toString();
  return {
    signingPrivate: seal(keys.signing),
    encryptionPrivate: seal(keys.encryption),
    signingPublic: pub(keys.signing),
    encryptionPublic: pub(keys.encryption),
  };
}

export function openKeys(stored: StoredKeys, passphrase: string): NodeKeys {
  try {
    const signing = createPrivateKey({ key: stored.signingPrivate, format: 'pem', passphrase });
    const encryption = createPrivateKey({
      key: stored.encryptionPrivate,
      format: 'pem',
      passphrase,
    });
    if (signing.asymmetricKeyType !== 'ed25519' || encryption.asymmetricKeyType !== 'x25519')
      throw new Error();
    return { signing, encryption };
  } catch {
    throw new KeyError('cannot open the node keys: wrong passphrase, or the key file is damaged');
  }
}

/** The node's keys of one epoch: 0 is keys.json's, each rotation adds one. */
export interface KeyEpoch {
  readonly epoch: number;
  readonly keys: NodeKeys;
}

/**
 * Every key the node has had, newest last. The newest signs and is announced; an
 * older epoch's key still signs towards a peer that has not yet accepted the next
 * (so that what it receives verifies), and older encryption keys open what peers
 * sealed to them before they learnt the new one (docs/decisions.md #155). `settled`
 * is the newest epoch every peer holds: what the node signs for all (manifests,
 * consents, checkpoints) is signed with its key until every peer has taken the next.
 */
export class KeyRing {
  private epochs: KeyEpoch[];
  private settledEpoch = 0;

  constructor(first: NodeKeys) {
    this.epochs = [{ epoch: 0, keys: first }];
  }

  /** The key of the newest epoch every peer holds (the current one when set so). */
  get settled(): KeyEpoch {
    return this.epochs.find((e) => e.epoch === this.settledEpoch) ?? this.current;
  }

  /** The newest epoch every peer holds (set by the federation as peers take hand-overs). */
  settle(epoch: number): void {
    this.settledEpoch = epoch;
  }

  get current(): KeyEpoch {
    const last = this.epochs[this.epochs.length - 1];
    if (last === undefined) throw new KeyError('the key ring is empty');
    return last;
  }

  has(epoch: number): boolean {
    return this.epochs.some((e) => e.epoch === epoch);
  }

  /** The signing key of `epoch`; the current one for an epoch the ring does not hold. */
  signingFor(epoch: number): KeyObject {
    return (this.epochs.find((e) => e.epoch === epoch) ?? this.current).keys.signing;
  }

  /** Every epoch's signing key, newest first (what this node's past signatures verify with). */
  signingKeys(): KeyObject[] {
    return this.epochs.map((e) => e.keys.signing).reverse();
  }

  /** Every epoch's encryption key, newest first. */
  decryptionKeys(): KeyObject[] {
    return this.epochs.map((e) => e.keys.encryption).reverse();
  }

  /** Adds (or replaces) an epoch's keys. */
  add(e: KeyEpoch): void {
    this.epochs = [...this.epochs.filter((x) => x.epoch !== e.epoch), e].sort(
      (a, b) => a.epoch - b.epoch,
    );
  }
}
