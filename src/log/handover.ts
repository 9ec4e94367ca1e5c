// A key hand-over: a node's statement that its log and its messages are signed from
// now on by a new key, signed by the key it replaces and by the new one (proof that
// the node holds it). It goes into the node's own log (`node.keys-rotated`) and to
// every peer (`node.keys`), so that an auditor who trusts the key recorded at init
// and a partner who pinned the old key both follow the chain to the current key
// without trusting anything else (docs/decisions.md #155).
import { type KeyObject, sign, verify } from 'node:crypto';
import { type Static, Type as T } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson } from '../crypto/canonical-json.js';
import { NoteError, parseVerifierKey, rawPublicKey, type Verifier, verifierKey } from './note.js';

const Key32 = T.String({ pattern: '^[A-Za-z0-9+/]{43}=$' });

const HandoverSchema = T.Object(
  {
    v: T.Literal(1),
    party: T.String({ minLength: 1, maxLength: 32 }),
    origin: T.String({ minLength: 1, maxLength: 200 }),
    /** The new keys' epoch: the one handed over from plus one. */
    epoch: T.Integer({ minimum: 1, maximum: 1_000_000 }),
    /** The C2SP verifier key of the key handed over from. */
    from: T.String({ minLength: 1, maxLength: 300 }),
    /** The C2SP verifier key of the new signing key. */
    to: T.String({ minLength: 1, maxLength: 300 }),
    /** The new X25519 encryption key, raw, base64. */
    encryptionKey: Key32,
    /** The new identity's fingerprint (src/federation/identity.ts). */
    fingerprint: T.String({ pattern: '^([0-9a-f]{4}:){15}[0-9a-f]{4}$' }),
    /** When the node rotated, RFC 3339. */
    at: T.String({ minLength: 20, maxLength: 40 }),
  },
  { additionalProperties: false },
);
export type Handover = Static<typeof HandoverSchema>;

const SignedSchema = T.Object(
  {
    handover: HandoverSchema,
    /** Ed25519 signatures (base64) of the hand-over's bytes, by the old key and the new. */
    previous: T.String({ minLength: 1, maxLength: 100 }),
    next: T.String({ minLength: 1, maxLength: 100 }),
  },
  { additionalProperties: false },
);
export type SignedHandover = Static<typeof SignedSchema>;
const SIGNED = TypeCompiler.Compile(SignedSchema);

/** What both keys sign: a context line, then the hand-over's canonical JSON. */
function handoverBytes(h: Handover): Buffer {
  return Buffer.from(`liaison key hand-over v1\n${canonicalJson(h)}`, 'utf8');
}

export function signHandover(h: Handover, previous: KeyObject, next: KeyObject): SignedHandover {
  if (h.from !== verifierKey(h.origin, rawPublicKey(previous)))
    throw new NoteError('the hand-over does not name the key that signs it as `from`');
  if (h.to !== verifierKey(h.origin, rawPublicKey(next)))
    throw new NoteError('the hand-over does not name the new key as `to`');
  const bytes = handoverBytes(h);
  return {
    handover: h,
    previous: sign(null, bytes, previous).toString('base64'),
    next: sign(null, bytes, next).toString('base64'),
  };
}

function verifierOf(text: string, what: string): Verifier {
  try {
    return parseVerifierKey(text);
  } catch (e) {
    throw new NoteError(`the hand-over's ${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Checks a hand-over from the key `trusted` (a verifier key): well-formed, from that
 * key, for the same origin, signed by it and by the new key. Returns the new key.
 */
export function checkHandover(value: unknown, trusted: string): Verifier & { handover: Handover } {
  if (!SIGNED.Check(value)) {
    const first = SIGNED.Errors(value).First();
    throw new NoteError(
      `the hand-over is malformed${first === undefined ? '' : ` at ${first.path || '/'}: ${first.message}`}`,
    );
  }
  const h = value.handover;
  if (h.from !== trusted)
    throw new NoteError(`the hand-over is from ${h.from}, not from the key held (${trusted})`);
  const from = verifierOf(h.from, '`from`');
  const to = verifierOf(h.to, '`to`');
  if (from.name !== h.origin || to.name !== h.origin)
    throw new NoteError(`the hand-over's keys are not for the origin ${h.origin}`);
  if (from.id.equals(to.id)) throw new NoteError('the hand-over hands a key over to itself');
  const bytes = handoverBytes(h);
  if (!verify(null, bytes, from.key, Buffer.from(value.previous, 'base64')))
    throw new NoteError('the hand-over is not signed by the key it hands over from');
  if (!verify(null, bytes, to.key, Buffer.from(value.next, 'base64')))
    throw new NoteError('the hand-over is not signed by the new key');
  return { ...to, handover: h };
}

/** A hand-over as it is logged (the subject of `node.keys-rotated`). */
export function isSignedHandover(value: unknown): value is SignedHandover {
  return SIGNED.Check(value);
}
