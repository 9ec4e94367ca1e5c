// C2SP signed-note (Ed25519) and tlog-checkpoint, so that any implementation of
// those specs (e.g. golang.org/x/mod/sumdb/note) verifies our checkpoints.
//   key name: a checkpoint's origin, e.g. "liaison.example/JP"
//   key id:   the first 4 bytes of SHA-256(name || "\n" || 0x01 || public key)
//   verifier key: <name>+<key id, 8 hex>+<base64(0x01 || public key)>
//   signature line: "— <name> <base64(key id || Ed25519 signature of the note text)>"

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { LiaisonError } from '../core/errors.js';

const ALG_ED25519 = 0x01;
const EM_DASH = '\u2014';
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export class NoteError extends LiaisonError<'malformed-note'> {
  override readonly name = 'NoteError';
  readonly family = 'note';
  constructor(message: string) {
    super('malformed-note', message);
  }
}

/** The raw 32-byte public key (through JWK: much faster than DER in Node). */
export function rawPublicKey(key: KeyObject): Buffer {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  return Buffer.from(pub.export({ format: 'jwk' }).x ?? '', 'base64url');
}

export function ed25519PublicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new NoteError('an Ed25519 public key has 32 bytes');
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

export function ed25519PrivateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new NoteError('an Ed25519 seed has 32 bytes');
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

function checkName(name: string): void {
  if (name.length === 0 || /[\s+]/.test(name)) {
    throw new NoteError(`key name '${name}' must be non-empty, with no spaces or '+'`);
  }
}

function keyId(name: string, publicKey: Uint8Array): Buffer {
  checkName(name);
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.from([ALG_ED25519]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

/** `<name>+<hex id>+<base64(0x01 || key)>`: what a partner's auditor configures. */
export function verifierKey(name: string, publicKey: Uint8Array): string {
  return `${name}+${keyId(name, publicKey).toString('hex')}+${Buffer.concat([
    Buffer.from([ALG_ED25519]),
    publicKey,
  ]).toString('base64')}`;
}

export interface Verifier {
  readonly name: string;
  readonly id: Buffer;
  readonly key: KeyObject;
}

export function parseVerifierKey(text: string): Verifier {
  // The name has no '+', the id is 8 hex digits, and the key's base64 may contain '+'.
  const m = /^([^+\s]+)\+([0-9a-fA-F]{8})\+([A-Za-z0-9+/=]+)$/.exec(text.trim());
  if (m === null) throw new NoteError('a verifier key is <name>+<hex id>+<base64 key>');
  const [, name = '', idHex = '', keyB64 = ''] = m;
  checkName(name);
  const raw = Buffer.from(keyB64, 'base64');
  if (raw.length !== 33 || raw[0] !== ALG_ED25519)
    throw new NoteError('the verifier key is not an Ed25519 key');
  const pub = raw.subarray(1);
  const id = keyId(name, pub);
  if (id.toString('hex') !== idHex.toLowerCase())
    throw new NoteError('the verifier key id does not match its key');
  return { name, id, key: ed25519PublicKeyFromRaw(pub) };
}

/** Signs a note text (which must end in a newline) as `name`; returns the signed note. */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!text.endsWith('\n')) throw new NoteError('a note text ends with a newline');
  const pub = rawPublicKey(createPublicKey(privateKey));
  const sig = sign(null, Buffer.from(text, 'utf8'), privateKey);
  const blob = Buffer.concat([keyId(name, pub), sig]).toString('base64');
  return `${text}\n${EM_DASH} ${name} ${blob}\n`;
}

export interface OpenedNote {
  readonly text: string;
  /** Names of the verifiers whose signatures verified. */
  readonly verifiedBy: readonly string[];
}

/**
 * Opens a signed note: splits text from signatures and verifies those by known
 * keys. Fails (one error for every way it can fail) unless at least one known key
 * signed it. Signatures by unknown keys are ignored, as the spec says.
 */
function openNote(note: string, verifiers: readonly Verifier[]): OpenedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('malformed note');
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2, -1).split('\n');
  const verifiedBy: string[] = [];
  for (const line of lines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (m === null) throw new NoteError('malformed note');
    const [, name = '', b64 = ''] = m;
    const blob = Buffer.from(b64, 'base64');
    if (blob.length < 5) throw new NoteError('malformed note');
    const v = verifiers.find((x) => x.name === name && x.id.equals(blob.subarray(0, 4)));
    if (v === undefined) continue;
    if (!verify(null, Buffer.from(text, 'utf8'), v.key, blob.subarray(4))) {
      throw new NoteError('invalid signature');
    }
    verifiedBy.push(name);
  }
  if (verifiedBy.length === 0) throw new NoteError('no known key signed the note');
  return { text, verifiedBy };
}

export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Buffer;
  /** Extension lines, if any (not used by Liaison yet). */
  readonly extensions: readonly string[];
}

/** The checkpoint body: origin, size, base64 root, each on its own line (C2SP tlog-checkpoint). */
export function checkpointBody(c: Omit<Checkpoint, 'extensions'>): string {
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

export function parseCheckpoint(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length < 4 || lines[lines.length - 1] !== '')
    throw new NoteError('malformed checkpoint');
  const [origin = '', sizeText = '', rootText = ''] = lines;
  if (origin.length === 0 || !/^(0|[1-9][0-9]*)$/.test(sizeText))
    throw new NoteError('malformed checkpoint');
  const size = Number(sizeText);
  const root = Buffer.from(rootText, 'base64');
  if (!Number.isSafeInteger(size) || root.length !== 32 || root.toString('base64') !== rootText) {
    throw new NoteError('malformed checkpoint');
  }
  return { origin, size, root, extensions: lines.slice(3, -1) };
}

/** Verifies a signed checkpoint with the origin's key and returns it. */
export function openCheckpoint(note: string, verifier: Verifier): Checkpoint {
  const opened = openNote(note, [verifier]);
  const c = parseCheckpoint(opened.text);
  if (c.origin !== verifier.name) throw new NoteError('the checkpoint origin is not the signer');
  return c;
}
