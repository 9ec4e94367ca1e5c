// The messages nodes exchange, and how they are sealed: the canonical JSON of the
// message (RFC 8785) is signed by the sender (JWS, EdDSA), and the JWS is encrypted
// to the recipient node (JWE, ECDH-ES on X25519, A256GCM). Each message type is one
// TypeBox schema (MESSAGES): its TypeScript type, and what a body must look like on
// arrival. docs/wire.md specifies all of it for third-party implementations.
import type { KeyObject } from 'node:crypto';
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { PRECEDENCES } from '../core/index.js';
import { canonicalJson } from '../crypto/canonical-json.js';
import {
  decryptJwe,
  encryptJwe,
  JoseError,
  jweKid,
  jwsKid,
  signJws,
  verifyJws,
} from '../crypto/jose.js';
import { MessageError } from './errors.js';

export const WIRE_VERSION = 1;
/** Largest sealed message accepted (a JWE string), and largest batch request body. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const MAX_BATCH = 256;
const MESSAGE_TYP = 'liaison-message+jws';
export const CONSENT_TYP = 'liaison-consent+jws';
export const ALERT_ACK_TYP = 'liaison-alert-ack+jws';
export const RELAYED_TYP = 'liaison-relayed+jws';

// Checked on arrival, so that a malformed message is refused by itself
// (malformed-message) instead of failing its whole batch.
const Str = (max = 256) => T.String({ maxLength: max });
const Id = T.String({ minLength: 1, maxLength: 200 });
const Party = T.String({ minLength: 1, maxLength: 32 });
/** RFC 3339 with a UTC offset; the instant itself is parsed by the core. */
const Instant = T.String({
  maxLength: 40,
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$',
});
const Jws = T.String({
  maxLength: 64 * 1024,
  pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$',
});
const closed = <P extends Record<string, TSchema>>(props: P) =>
  T.Object(props, { additionalProperties: false });
const oneOf = <L extends string>(...values: readonly L[]) =>
  T.Union(values.map((v) => T.Literal(v)));

const FileRef = closed({ name: Str(255), type: Str(127), size: T.Integer(), sha256: Str(64) });
const ItemPayload = closed({
  id: Id,
  originator: Party,
  /** The originator's marking code. */
  marking: Str(64),
  categories: T.Array(Str(128), { maxItems: 64 }),
  releasableTo: T.Union([T.Array(Party, { maxItems: 64 }), T.Null()]),
  title: Str(1000),
  body: T.String({ maxLength: MAX_MESSAGE_BYTES }),
  /** ACP 121 precedence; ROUTINE when absent (senders before wire v1 alerts). */
  precedence: T.Optional(oneOf(...PRECEDENCES)),
  /** A FLASH launch alert's payload, checked in full by the content port on arrival. */
  alert: T.Optional(T.Unknown()),
  /** Its files, sent before it (attachment-transfer.ts), as the manifest's hash covers them. */
  attachments: T.Optional(T.Array(FileRef, { maxItems: 100 })),
  /**
   * The originator's signed manifest (src/node/manifest.ts), unchanged from the
   * originator: the receiver checks the fields above and the content against it.
   */
  manifest: Jws,
});
export type ItemPayload = Static<typeof ItemPayload>;

/** The four notice actions of RULES L3–L6. */
const LifecycleAction = oneOf('notice', 'suspend-notice', 'resume-notice', 'withdraw-notice');

/**
 * An agreement's status at an instant as nodes compare it (RULES L1–L7): what
 * `lifecycle.ack` and `agreement.status` carry (docs/wire.md §5.13, §5.14).
 */
const StatusMembers = {
  state: oneOf('pending', 'in-force', 'terminated'),
  endedBy: T.Union([oneOf('notice', 'mutual', 'expiry'), T.Null()]),
  endedAt: T.Union([Instant, T.Null()]),
  /** The pending notice, or once ended by notice, the notice that ended it. */
  notice: T.Union([
    closed({ by: Party, receivedAt: Instant, target: Instant, suspended: T.Boolean() }),
    T.Null(),
  ]),
  contested: T.Boolean(),
};
const AgreementStatusPayload = closed(StatusMembers);
export type StatusOnWire = Static<typeof AgreementStatusPayload>;

/** What every envelope carries besides its type, parties and body. */
const ENVELOPE = {
  v: T.Literal(WIRE_VERSION),
  /** The envelope id: the receiver's idempotency key. */
  id: T.String({ pattern: '^[A-Za-z0-9._:-]{1,128}$' }),
  sentAt: T.String(),
};

/** A message of one type: the envelope (open: other members are ignored) and its closed body. */
const message = <K extends string, B extends TSchema>(type: K, body: B) =>
  T.Object({
    type: T.Literal(type),
    ...ENVELOPE,
    from: T.String(),
    to: T.String(),
    body,
  });

/** Every message type, with the body it carries. */
const MESSAGES = {
  /** A release (from the originator) or forward (from a holder) of an item. */
  item: message(
    'item',
    closed({
      kind: oneOf('release', 'forward'),
      item: ItemPayload,
      /** The sender's marking code (the originator's for a release). */
      senderMarking: Str(64),
      /** What the sender decided the recipient's marking is. */
      recipientMarking: Str(64),
      /** The agreements under which the sender decided to send. */
      agreements: T.Array(Id, { maxItems: 64 }),
      /** For a forward: the originator's signed consent (a JWS), or null. */
      consent: T.Union([Jws, T.Null()]),
    }),
  ),
  'consent.request': message(
    'consent.request',
    closed({
      request: Id,
      item: Id,
      holder: Party,
      to: Party,
      requestedBy: Str(200),
      note: Str(4000),
    }),
  ),
  'consent.decision': message(
    'consent.decision',
    closed({
      request: Id,
      decision: oneOf('grant', 'refuse'),
      reason: Str(4000),
      /** The signed consent (JWS by the originator) when granted. */
      consent: T.Union([Jws, T.Null()]),
    }),
  ),
  'consent.revoked': message('consent.revoked', closed({ consent: Id, at: Instant })),
  /** A party's signature of a proposal (an agreement to bind, or a change to it). */
  'proposal.signature': message(
    'proposal.signature',
    closed({
      proposal: Id,
      kind: oneOf('agreement', 'change'),
      agreement: Id,
      body: T.Unknown(),
      parties: T.Array(Party, { minItems: 1, maxItems: 64 }),
      signatures: T.Record(
        T.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
        T.String({ maxLength: 200 }),
        { maxProperties: 64 },
      ),
      /**
       * The Ed25519 public keys (raw, base64) of the signatories whose signatures the
       * sender carries: a party not peered with the receiver is known by it (§9).
       */
      keys: T.Optional(
        T.Record(T.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }), T.String({ maxLength: 64 }), {
          maxProperties: 64,
        }),
      ),
    }),
  ),
  /** A notice, suspension, resumption or withdrawal by the sending party. */
  'agreement.lifecycle': message(
    'agreement.lifecycle',
    closed({
      agreement: Id,
      action: oneOf('notice', 'suspend-notice', 'resume-notice', 'withdraw-notice'),
      at: Instant,
    }),
  ),
  /** The originator's manifest of the item's next version, relayed unchanged hop by hop. */
  /**
   * The receiver of an accepted `agreement.lifecycle`, to its sender: the envelope it
   * acknowledges, the action, the instant it recorded and its status at that instant.
   */
  'lifecycle.ack': message(
    'lifecycle.ack',
    closed({
      envelope: Id,
      agreement: Id,
      action: LifecycleAction,
      at: Instant,
      status: AgreementStatusPayload,
    }),
  ),
  /** The sender's status of each agreement it shares with the recipient, at `at`. */
  'agreement.status': message(
    'agreement.status',
    closed({
      at: Instant,
      agreements: T.Array(closed({ agreement: Id, ...StatusMembers }), { maxItems: 256 }),
    }),
  ),
  'item.reclassified': message(
    'item.reclassified',
    closed({
      item: Id,
      manifest: Jws,
      /**
       * The marking the sender computed for the recipient along the route: the
       * recipient takes it only when higher than its own computation.
       */
      recipientMarking: Str(64),
    }),
  ),
  'compromise.report': message(
    'compromise.report',
    closed({ item: Id, reportedBy: Party, note: Str(4000), at: Instant }),
  ),
  /** A cosignature (C2SP tlog-cosignature) of the recipient's checkpoint. */
  'checkpoint.cosignature': message(
    'checkpoint.cosignature',
    closed({ size: T.Integer({ minimum: 0 }), line: T.String({ maxLength: 1000 }) }),
  ),
  /** An officer's acknowledgement of an alert, to its originator: `ack` is the sender's JWS. */
  'alert.ack': message('alert.ack', closed({ ack: Jws })),
  /** The originator escalates an unacknowledged alert: the recipient pushes it again. */
  'alert.escalation': message(
    'alert.escalation',
    closed({ alert: Id, level: T.Integer({ minimum: 1, maximum: 100 }), at: Instant }),
  ),
  /**
   * A message for a party the author is not peered with, through a hub: `message` is
   * the author's JWS (typ liaison-relayed+jws) of the inner message, passed on unchanged.
   */
  relay: message('relay', closed({ to: Party, message: Jws })),
  /**
   * The sender rotated its keys: `handover` is its hand-over (src/log/handover.ts,
   * signed by the old key and the new), `identity` its new identity, self-signed.
   * Sent signed with the old key; the receiver pins the new keys (docs/wire.md §2.1).
   */
  'node.keys': message('node.keys', closed({ handover: T.Unknown(), identity: Jws })),
};

export type MessageType = keyof typeof MESSAGES;
/** A message of type K (of any type by default): a union discriminated by `type`. */
export type Message<K extends MessageType = MessageType> = Static<(typeof MESSAGES)[K]>;
export type MessageBody<K extends MessageType> = Message<K>['body'];

/** A message as queued, before it is sealed (sentAt is set when it leaves). */
export type Draft = { [K in MessageType]: Omit<Message<K>, 'sentAt'> }[MessageType];
/** What a message says: its type, its body and the item it is about (if any). */
export type Outgoing = {
  [K in MessageType]: [type: K, body: MessageBody<K>, itemId?: string | null];
}[MessageType];

function isMessageType(t: string): t is MessageType {
  return Object.hasOwn(MESSAGES, t);
}

/** Every message type the federation sends (the console names each: test/unit/message-types.test.ts). */
export const MESSAGE_TYPES: readonly MessageType[] = Object.keys(MESSAGES).filter(isMessageType);

const MESSAGE = TypeCompiler.Compile(T.Union(Object.values(MESSAGES)));
/** The envelope alone, to say why a message is not one (whose body may be any object). */
const WIRE = TypeCompiler.Compile(
  T.Object({
    ...ENVELOPE,
    type: oneOf(...MESSAGE_TYPES),
    from: T.Unknown(),
    to: T.Unknown(),
    body: T.Union([T.Object({}), T.Array(T.Unknown())]),
  }),
);

/** The payload of an acknowledgement (a JWS by the acknowledging node). */
const AlertAckPayload = closed({ alert: Id, party: Party, user: Str(200), at: Instant });
export type AlertAckPayload = Static<typeof AlertAckPayload>;
const ALERT_ACK_CHECK = TypeCompiler.Compile(AlertAckPayload);

/** Whether an acknowledgement payload has its shape. */
export function isAlertAckPayload(c: unknown): c is AlertAckPayload {
  return ALERT_ACK_CHECK.Check(c);
}

/** The payload of a consent (a JWS by the originator, typ liaison-consent+jws). */
const ConsentPayload = closed({
  id: Id,
  item: Id,
  by: Party,
  holder: Party,
  to: Party,
  grantedAt: Instant,
  expires: T.Union([Instant, T.Null()]),
  /** The item's manifest version the consent is given for (a reclassification needs a new one). */
  version: T.Integer({ minimum: 1 }),
});
export type ConsentPayload = Static<typeof ConsentPayload>;
const CONSENT_CHECK = TypeCompiler.Compile(ConsentPayload);

/** Whether a consent payload has its shape. */
export function isConsentPayload(c: unknown): c is ConsentPayload {
  return CONSENT_CHECK.Check(c);
}

/** Signs (as `from`) then encrypts (to `to`). */
export function sealMessage(
  m: Message,
  signingKey: KeyObject,
  recipientEncryptionKey: KeyObject,
): string {
  const jws = signJws(Buffer.from(canonicalJson(m), 'utf8'), signingKey, {
    kid: m.from,
    typ: MESSAGE_TYP,
  });
  return encryptJwe(Buffer.from(jws, 'ascii'), recipientEncryptionKey, { kid: m.to, cty: 'JWS' });
}

/**
 * Opens a sealed message addressed to `self`: decrypts with our key (the newest first:
 * a sender may not yet have taken a rotation), verifies the sender's signature with
 * its pinned key, and checks it is well-formed and for us.
 */
export function openMessage(
  jwe: string,
  self: string,
  encryptionKeys: KeyObject | readonly KeyObject[],
  signingKeyOf: (party: string) => KeyObject | readonly KeyObject[] | undefined,
): Message {
  if (jwe.length > MAX_MESSAGE_BYTES)
    throw new MessageError(
      'oversize-message',
      `a message is limited to ${MAX_MESSAGE_BYTES} bytes`,
    );
  let kid: string;
  try {
    kid = jweKid(jwe);
  } catch {
    throw new MessageError('undecryptable', 'the message cannot be opened');
  }
  if (kid !== self)
    throw new MessageError('wrong-recipient', `the message is for ${kid}, not for ${self}`);
  let jws: string | null = null;
  for (const key of Array.isArray(encryptionKeys) ? encryptionKeys : [encryptionKeys]) {
    try {
      jws = decryptJwe(jwe, key).plaintext.toString('ascii');
      break;
    } catch {
      // the next (older) key
    }
  }
  if (jws === null) throw new MessageError('undecryptable', 'the message cannot be opened');
  let signer: string;
  try {
    signer = jwsKid(jws);
  } catch {
    throw new MessageError('bad-signature', 'the message signature does not verify');
  }
  const known = signingKeyOf(signer);
  if (known === undefined) throw new MessageError('unknown-peer', `no peer '${signer}'`);
  let payload: Buffer | null = null;
  for (const key of Array.isArray(known) ? known : [known]) {
    try {
      const v = verifyJws(jws, key);
      if (v.header.typ !== MESSAGE_TYP) throw new JoseError();
      payload = v.payload;
      break;
    } catch (e) {
      if (!(e instanceof JoseError)) throw e;
    }
  }
  if (payload === null)
    throw new MessageError('bad-signature', 'the message signature does not verify');
  let m: unknown;
  try {
    m = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('malformed-message', 'the message is not JSON');
  }
  if (MESSAGE.Check(m) && m.from === signer && m.to === self) return m;
  throw refusal(m, signer, self);
}

/** Why an opened payload is not a message from `signer` to `self`: the first check it fails. */
function refusal(m: unknown, signer: string, self: string): MessageError {
  const id =
    typeof m === 'object' && m !== null && 'id' in m && typeof m.id === 'string' ? m.id : null;
  if (!WIRE.Check(m))
    return new MessageError('malformed-message', 'the message does not have the wire format', id);
  const first = Value.Errors(MESSAGES[m.type].properties.body, m.body).First();
  if (first !== undefined)
    return new MessageError(
      'malformed-message',
      `the ${m.type} body is malformed at '${first.path || '/'}': ${first.message}`,
      id,
    );
  if (m.from !== signer)
    return new MessageError(
      'bad-signature',
      `the message claims to be from ${m.from} but ${signer} signed it`,
      id,
    );
  if (m.to !== self)
    return new MessageError('wrong-recipient', `the message is for ${m.to}, not for ${self}`, id);
  return new MessageError('malformed-message', `the ${m.type} body is malformed`, id);
}

/** The message types that may travel inside a `relay` (docs/wire.md §5.12). */
export const RELAYABLE: ReadonlySet<string> = new Set([
  'alert.ack',
  'consent.request',
  'consent.decision',
  'consent.revoked',
]);

/** The author's JWS of a message that travels through a hub (typ liaison-relayed+jws). */
export function signRelayed(message: object, from: string, signingKey: KeyObject): string {
  return signJws(Buffer.from(canonicalJson(message), 'utf8'), signingKey, {
    kid: from,
    typ: RELAYED_TYP,
  });
}

/** What a relayed JWS says it carries, unverified (its type decides its outbox lane). */
export function peekRelayed(jws: string): { type: string } | null {
  try {
    const p: unknown = JSON.parse(
      Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8'),
    );
    return typeof p === 'object' && p !== null && 'type' in p && typeof p.type === 'string'
      ? { type: p.type }
      : null;
  } catch {
    return null;
  }
}

/**
 * Opens a relayed message: its JWS must verify with a key of the party in its `kid`
 * (`keysOf`), carry typ liaison-relayed+jws, and hold a well-formed message whose
 * `from` is that party and whose type may be relayed.
 */
export function openRelayed(jws: string, keysOf: (party: string) => readonly KeyObject[]): Message {
  let author: string;
  try {
    author = jwsKid(jws);
  } catch {
    throw new MessageError('bad-signature', 'the relayed message is not a signed message');
  }
  let payload: Buffer | null = null;
  for (const key of keysOf(author)) {
    try {
      const v = verifyJws(jws, key);
      if (v.header.typ !== RELAYED_TYP) continue;
      payload = v.payload;
      break;
    } catch (e) {
      if (!(e instanceof JoseError)) throw e;
    }
  }
  if (payload === null)
    throw new MessageError(
      'bad-signature',
      `the relayed message does not verify with a key of ${author} known here`,
    );
  let m: unknown;
  try {
    m = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new MessageError('malformed-message', 'the relayed message is not JSON');
  }
  if (!MESSAGE.Check(m)) {
    const e = refusal(m, author, '');
    throw new MessageError(e.code, `relayed: ${e.message}`, e.envelope);
  }
  if (m.from !== author)
    throw new MessageError(
      'bad-signature',
      `the relayed message claims to be from ${m.from} but ${author} signed it`,
      m.id,
    );
  if (!RELAYABLE.has(m.type))
    throw new MessageError('malformed-message', `a ${m.type} message is not relayed`, m.id);
  return m;
}
