// The messages nodes exchange, and how they are sealed: the canonical JSON of the
// message (RFC 8785) is signed by the sender (JWS, EdDSA), and the JWS is encrypted
// to the recipient node (JWE, ECDH-ES on X25519, A256GCM). Receipts are signed by the
// receiver a batch at a time (one signature over the batch's Merkle root). docs/wire.md specifies all of it for third-party implementations.
import type { KeyObject } from 'node:crypto';
import { Type as T, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { LiaisonError, type Precedence } from '../core/index.js';
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
import { leafHash, MerkleTree, verifyInclusion } from '../log/merkle.js';

export const WIRE_VERSION = 1;
/** Largest sealed message accepted (a JWE string), and largest batch request body. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
export const MAX_BATCH = 256;
export const MESSAGE_TYP = 'liaison-message+jws';
export const RECEIPTS_TYP = 'liaison-receipts+jws';
export const CONSENT_TYP = 'liaison-consent+jws';
export const ALERT_ACK_TYP = 'liaison-alert-ack+jws';

export interface ItemPayload {
  readonly id: string;
  readonly originator: string;
  /** The originator's marking code. */
  readonly marking: string;
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | null;
  readonly title: string;
  readonly body: string;
  /** ACP 121 precedence; ROUTINE when absent (senders before wire v1 alerts). */
  readonly precedence?: Precedence;
  /** A FLASH launch alert's structured payload, checked by the content port on arrival. */
  readonly alert?: unknown;
}

export interface MessageBodies {
  /** A release (from the originator) or forward (from a holder) of an item. */
  readonly item: {
    readonly kind: 'release' | 'forward';
    readonly item: ItemPayload;
    /** The sender's marking code (the originator's for a release). */
    readonly senderMarking: string;
    /** What the sender decided the recipient's marking is. */
    readonly recipientMarking: string;
    /** The agreements under which the sender decided to send. */
    readonly agreements: readonly string[];
    /** For a forward: the originator's signed consent (a JWS), or null. */
    readonly consent: string | null;
  };
  readonly 'consent.request': {
    readonly request: string;
    readonly item: string;
    readonly holder: string;
    readonly to: string;
    readonly requestedBy: string;
    readonly note: string;
  };
  readonly 'consent.decision': {
    readonly request: string;
    readonly decision: 'grant' | 'refuse';
    readonly reason: string;
    /** The signed consent (JWS by the originator) when granted. */
    readonly consent: string | null;
  };
  readonly 'consent.revoked': { readonly consent: string; readonly at: string };
  /** A party's signature of a proposal (an agreement to bind, or a change to it). */
  readonly 'proposal.signature': {
    readonly proposal: string;
    readonly kind: 'agreement' | 'change';
    readonly agreement: string;
    readonly body: unknown;
    readonly parties: readonly string[];
    readonly signatures: Readonly<Record<string, string>>;
  };
  /** A notice, suspension, resumption or withdrawal by the sending party. */
  readonly 'agreement.lifecycle': {
    readonly agreement: string;
    readonly action: 'notice' | 'suspend-notice' | 'resume-notice' | 'withdraw-notice';
    readonly at: string;
  };
  readonly 'item.reclassified': {
    readonly item: string;
    readonly marking: string;
    readonly at: string;
  };
  readonly 'compromise.report': {
    readonly item: string;
    readonly reportedBy: string;
    readonly note: string;
    readonly at: string;
  };
  /** A cosignature (C2SP tlog-cosignature) of the recipient's checkpoint. */
  readonly 'checkpoint.cosignature': { readonly size: number; readonly line: string };
  /** An officer's acknowledgement of an alert, to its originator: `ack` is the sender's JWS. */
  readonly 'alert.ack': { readonly ack: string };
  /** The originator escalates an unacknowledged alert: the recipient pushes it again. */
  readonly 'alert.escalation': {
    readonly alert: string;
    readonly level: number;
    readonly at: string;
  };
}

/** The payload of an acknowledgement (a JWS by the acknowledging node). */
export interface AlertAckPayload {
  readonly alert: string;
  readonly party: string;
  readonly user: string;
  readonly at: string;
}

export type MessageType = keyof MessageBodies;

export const MESSAGE_TYPES: readonly MessageType[] = [
  'item',
  'consent.request',
  'consent.decision',
  'consent.revoked',
  'proposal.signature',
  'agreement.lifecycle',
  'item.reclassified',
  'compromise.report',
  'checkpoint.cosignature',
  'alert.ack',
  'alert.escalation',
];

// What each body must look like: checked on arrival, so that a malformed message is
// refused by itself (malformed-message) instead of failing its whole batch.
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

const BODY_SCHEMAS: { readonly [K in MessageType]: TSchema } = {
  item: closed({
    kind: T.Union([T.Literal('release'), T.Literal('forward')]),
    item: closed({
      id: Id,
      originator: Party,
      marking: Str(64),
      categories: T.Array(Str(128), { maxItems: 64 }),
      releasableTo: T.Union([T.Array(Party, { maxItems: 64 }), T.Null()]),
      title: Str(1000),
      body: T.String({ maxLength: MAX_MESSAGE_BYTES }),
      precedence: T.Optional(
        T.Union(['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'].map((p) => T.Literal(p))),
      ),
      // Checked in full (sensor fields included) by the content port (src/alerts) on arrival.
      alert: T.Optional(T.Unknown()),
    }),
    senderMarking: Str(64),
    recipientMarking: Str(64),
    agreements: T.Array(Id, { maxItems: 64 }),
    consent: T.Union([Jws, T.Null()]),
  }),
  'consent.request': closed({
    request: Id,
    item: Id,
    holder: Party,
    to: Party,
    requestedBy: Str(200),
    note: Str(4000),
  }),
  'consent.decision': closed({
    request: Id,
    decision: T.Union([T.Literal('grant'), T.Literal('refuse')]),
    reason: Str(4000),
    consent: T.Union([Jws, T.Null()]),
  }),
  'consent.revoked': closed({ consent: Id, at: Instant }),
  'proposal.signature': closed({
    proposal: Id,
    kind: T.Union([T.Literal('agreement'), T.Literal('change')]),
    agreement: Id,
    body: T.Unknown(),
    parties: T.Array(Party, { minItems: 1, maxItems: 64 }),
    signatures: T.Record(
      T.String({ pattern: '^[A-Za-z0-9_-]{1,32}$' }),
      T.String({ maxLength: 200 }),
      {
        maxProperties: 64,
      },
    ),
  }),
  'agreement.lifecycle': closed({
    agreement: Id,
    action: T.Union([
      T.Literal('notice'),
      T.Literal('suspend-notice'),
      T.Literal('resume-notice'),
      T.Literal('withdraw-notice'),
    ]),
    at: Instant,
  }),
  'item.reclassified': closed({ item: Id, marking: Str(64), at: Instant }),
  'compromise.report': closed({ item: Id, reportedBy: Party, note: Str(4000), at: Instant }),
  'checkpoint.cosignature': closed({
    size: T.Integer({ minimum: 0 }),
    line: T.String({ maxLength: 1000 }),
  }),
  'alert.ack': closed({ ack: Jws }),
  'alert.escalation': closed({
    alert: Id,
    level: T.Integer({ minimum: 1, maximum: 100 }),
    at: Instant,
  }),
};

const ALERT_ACK_CHECK = TypeCompiler.Compile(
  closed({ alert: Id, party: Party, user: Str(200), at: Instant }),
);

/** Whether an acknowledgement payload has its shape. */
export function isAlertAckPayload(c: unknown): c is AlertAckPayload {
  return ALERT_ACK_CHECK.Check(c);
}

/** The payload of a consent (a JWS by the originator, typ liaison-consent+jws). */
export interface ConsentPayload {
  readonly id: string;
  readonly item: string;
  readonly by: string;
  readonly holder: string;
  readonly to: string;
  readonly grantedAt: string;
  readonly expires: string | null;
}

const CONSENT_CHECK = TypeCompiler.Compile(
  closed({
    id: Id,
    item: Id,
    by: Party,
    holder: Party,
    to: Party,
    grantedAt: Instant,
    expires: T.Union([Instant, T.Null()]),
  }),
);

/** Whether a consent payload has its shape. */
export function isConsentPayload(c: unknown): c is ConsentPayload {
  return CONSENT_CHECK.Check(c);
}

const BODY_CHECKS = Object.fromEntries(
  MESSAGE_TYPES.map((t) => [t, TypeCompiler.Compile(BODY_SCHEMAS[t])]),
) as { readonly [K in MessageType]: ReturnType<typeof TypeCompiler.Compile> };

/** Why a body does not have its type's shape, or null when it does. */
export function bodyProblem(type: MessageType, body: unknown): string | null {
  const check = BODY_CHECKS[type];
  if (check.Check(body)) return null;
  const first = check.Errors(body).First();
  return first === undefined
    ? `the ${type} body is malformed`
    : `the ${type} body is malformed at '${first.path || '/'}': ${first.message}`;
}

export interface Message<T extends MessageType = MessageType> {
  readonly v: typeof WIRE_VERSION;
  /** The envelope id: the receiver's idempotency key. */
  readonly id: string;
  readonly type: T;
  readonly from: string;
  readonly to: string;
  readonly sentAt: string;
  readonly body: MessageBodies[T];
}

export type MessageRefusal =
  | 'undecryptable'
  | 'bad-signature'
  | 'wrong-recipient'
  | 'malformed-message'
  | 'unknown-peer'
  | 'oversize-message';

export class MessageError extends LiaisonError<MessageRefusal> {
  override readonly name = 'MessageError';
  readonly family = 'message';
  constructor(
    code: MessageRefusal,
    message: string,
    /** The envelope id, when it could be read. */
    readonly envelope: string | null = null,
  ) {
    super(code, message);
  }
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
 * Opens a sealed message addressed to `self`: decrypts with our key, verifies the
 * sender's signature with its pinned key, and checks it is well-formed and for us.
 */
export function openMessage(
  jwe: string,
  self: string,
  encryptionKey: KeyObject,
  signingKeyOf: (party: string) => KeyObject | undefined,
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
  let jws: string;
  try {
    jws = decryptJwe(jwe, encryptionKey).plaintext.toString('ascii');
  } catch {
    throw new MessageError('undecryptable', 'the message cannot be opened');
  }
  let signer: string;
  try {
    signer = jwsKid(jws);
  } catch {
    throw new MessageError('bad-signature', 'the message signature does not verify');
  }
  const key = signingKeyOf(signer);
  if (key === undefined) throw new MessageError('unknown-peer', `no peer '${signer}'`);
  let payload: Buffer;
  try {
    const v = verifyJws(jws, key);
    if (v.header.typ !== MESSAGE_TYP) throw new JoseError();
    payload = v.payload;
  } catch (e) {
    if (e instanceof JoseError)
      throw new MessageError('bad-signature', 'the message signature does not verify');
    throw e;
  }
  let m: Message;
  try {
    m = JSON.parse(payload.toString('utf8')) as Message;
  } catch {
    throw new MessageError('malformed-message', 'the message is not JSON');
  }
  const id = typeof m?.id === 'string' ? m.id : null;
  if (
    m === null ||
    typeof m !== 'object' ||
    m.v !== WIRE_VERSION ||
    id === null ||
    !/^[A-Za-z0-9._:-]{1,128}$/.test(id) ||
    !MESSAGE_TYPES.includes(m.type) ||
    typeof m.sentAt !== 'string' ||
    typeof m.body !== 'object' ||
    m.body === null
  ) {
    throw new MessageError('malformed-message', 'the message does not have the wire format', id);
  }
  const problem = bodyProblem(m.type, m.body);
  if (problem !== null) throw new MessageError('malformed-message', problem, id);
  if (m.from !== signer)
    throw new MessageError(
      'bad-signature',
      `the message claims to be from ${m.from} but ${signer} signed it`,
      id,
    );
  if (m.to !== self)
    throw new MessageError('wrong-recipient', `the message is for ${m.to}, not for ${self}`, id);
  return m;
}

export interface Receipt {
  readonly v: typeof WIRE_VERSION;
  /** The envelope id, or null when the message could not be read. */
  readonly envelope: string | null;
  /** The position of the message in its batch. */
  readonly position: number;
  readonly from: string;
  readonly to: string;
  readonly status: 'accepted' | 'refused';
  /** `accepted`, or the refusal code (a RULES reason code, or a message refusal). */
  readonly code: string;
  readonly message: string;
  /**
   * Always false when signed: an envelope received again is answered with its first
   * receipt, verbatim (the first receipt's effect stands).
   */
  readonly duplicate: boolean;
  readonly at: string;
  /** Where the receiver logged it, and the proof that it is in the receiver's log. */
  readonly logIndex: number | null;
  readonly leafHash: string | null;
  readonly treeSize: number | null;
  readonly root: string | null;
  readonly proof: readonly string[] | null;
}

/** What the receiver signs once per batch: the RFC 9162 root over the batch's receipts. */
export interface ReceiptBatch {
  readonly v: typeof WIRE_VERSION;
  readonly type: 'receipt-batch';
  readonly from: string;
  readonly to: string;
  readonly size: number;
  /** base64 RFC 9162 root of the leaves SHA-256(0x00 || canonical JSON of each receipt). */
  readonly root: string;
}

/**
 * A receipt as it travels and as the sender stores it: self-contained, verifiable on
 * its own. One Ed25519 signature covers a whole batch of receipts (the batch's Merkle
 * root); each receipt carries its inclusion proof in that batch.
 */
export interface SignedReceipt {
  readonly receipt: Receipt;
  readonly batch: {
    /** JWS (typ liaison-receipts+jws) over the canonical JSON of the ReceiptBatch. */
    readonly signature: string;
    readonly index: number;
    /** base64 RFC 9162 audit path of this receipt in the batch. */
    readonly proof: readonly string[];
  };
}

const receiptLeaf = (r: Receipt) => leafHash(Buffer.from(canonicalJson(r), 'utf8'));

/** Signs receipts from `from` to `to` as one batch; returns one token (canonical JSON) each. */
export function signReceipts(
  receipts: readonly Receipt[],
  from: string,
  to: string,
  key: KeyObject,
): string[] {
  if (receipts.length === 0) return [];
  const tree = new MerkleTree();
  for (const r of receipts) tree.append(receiptLeaf(r));
  const batch: ReceiptBatch = {
    v: WIRE_VERSION,
    type: 'receipt-batch',
    from,
    to,
    size: tree.size,
    root: Buffer.from(tree.root()).toString('base64'),
  };
  const signature = signJws(Buffer.from(canonicalJson(batch), 'utf8'), key, {
    kid: from,
    typ: RECEIPTS_TYP,
  });
  return receipts.map((receipt, index) =>
    canonicalJson({
      receipt,
      batch: {
        signature,
        index,
        proof: tree.inclusionProof(index).map((h) => Buffer.from(h).toString('base64')),
      },
    } satisfies SignedReceipt),
  );
}

/**
 * Opens a receipt token with the receiver's key: the batch signature (verified once
 * per batch when `verified` is shared), then the receipt's place in the batch.
 */
export function openReceipt(
  token: string,
  key: KeyObject,
  verified: Map<string, ReceiptBatch> = new Map(),
): Receipt {
  const bad = () => new MessageError('bad-signature', 'the receipt does not verify');
  let t: SignedReceipt;
  try {
    t = JSON.parse(token) as SignedReceipt;
  } catch {
    throw bad();
  }
  const sig = t?.batch?.signature;
  if (typeof sig !== 'string' || t.receipt === null || typeof t.receipt !== 'object') throw bad();
  let batch = verified.get(sig);
  if (batch === undefined) {
    try {
      const v = verifyJws(sig, key);
      if (v.header.typ !== RECEIPTS_TYP) throw new JoseError();
      batch = JSON.parse(v.payload.toString('utf8')) as ReceiptBatch;
    } catch {
      throw bad();
    }
    verified.set(sig, batch);
  }
  const r = t.receipt;
  if (
    batch.v !== WIRE_VERSION ||
    r.v !== WIRE_VERSION ||
    batch.type !== 'receipt-batch' ||
    batch.from !== r.from ||
    batch.to !== r.to ||
    !Number.isSafeInteger(t.batch.index) ||
    !Array.isArray(t.batch.proof) ||
    !verifyInclusion(
      receiptLeaf(r),
      t.batch.index,
      batch.size,
      t.batch.proof.map((h) => Buffer.from(h, 'base64')),
      Buffer.from(batch.root, 'base64'),
    )
  ) {
    throw bad();
  }
  return r;
}
