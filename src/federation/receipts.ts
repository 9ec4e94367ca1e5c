// Receipts: the receiver answers each message with a receipt, and signs a request's
// receipts together (one Ed25519 signature over the RFC 9162 root of the batch's
// receipts); each receipt travels with its path in that batch, so that it can be
// verified alone. docs/wire.md §6.2.
import type { KeyObject } from 'node:crypto';
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { canonicalJson } from '../crypto/canonical-json.js';
import { JoseError, signJws, verifyJws } from '../crypto/jose.js';
import { leafHash, MerkleTree, verifyInclusion } from '../log/merkle.js';
import { MessageError } from './errors.js';
import { WIRE_VERSION } from './messages.js';

const RECEIPTS_TYP = 'liaison-receipts+jws';

const Nullable = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);

/** The receipt: one schema for its type, its check, and (for the API) its answer. */
export const Receipt = T.Object({
  v: T.Literal(WIRE_VERSION),
  /** The envelope id, or null when the message could not be read. */
  envelope: Nullable(T.String()),
  /** The position of the message in its batch. */
  position: T.Integer(),
  from: T.String(),
  to: T.String(),
  status: T.Union([T.Literal('accepted'), T.Literal('refused')]),
  /** `accepted`, or the refusal code (a RULES reason code, or a message refusal). */
  code: T.String(),
  message: T.String(),
  /**
   * Always false when signed: an envelope received again is answered with its first
   * receipt, verbatim (the first receipt's effect stands).
   */
  duplicate: T.Boolean(),
  at: T.String(),
  /** Where the receiver logged it, and the proof that it is in the receiver's log. */
  logIndex: Nullable(T.Integer()),
  leafHash: Nullable(T.String()),
  treeSize: Nullable(T.Integer()),
  root: Nullable(T.String()),
  proof: Nullable(T.Array(T.String())),
});
export type Receipt = Static<typeof Receipt>;

/** What the receiver signs once per batch: the RFC 9162 root over the batch's receipts. */
const ReceiptBatch = T.Object({
  v: T.Literal(WIRE_VERSION),
  type: T.Literal('receipt-batch'),
  from: T.String(),
  to: T.String(),
  size: T.Integer({ minimum: 0 }),
  /** base64 RFC 9162 root of the leaves SHA-256(0x00 || canonical JSON of each receipt). */
  root: T.String(),
});
export type ReceiptBatch = Static<typeof ReceiptBatch>;

/**
 * A receipt as it travels and as the sender stores it: self-contained, verifiable on
 * its own. One Ed25519 signature covers a whole batch of receipts (the batch's Merkle
 * root); each receipt carries its inclusion proof in that batch.
 */
export const SignedReceipt = T.Object({
  receipt: Receipt,
  batch: T.Object({
    /** JWS (typ liaison-receipts+jws) over the canonical JSON of the ReceiptBatch. */
    signature: T.String(),
    index: T.Integer(),
    /** base64 RFC 9162 audit path of this receipt in the batch. */
    proof: T.Array(T.String()),
  }),
});
export type SignedReceipt = Static<typeof SignedReceipt>;

const SIGNED_RECEIPT = TypeCompiler.Compile(SignedReceipt);
const RECEIPT_BATCH = TypeCompiler.Compile(ReceiptBatch);

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
  let t: unknown;
  try {
    t = JSON.parse(token);
  } catch {
    throw bad();
  }
  if (!SIGNED_RECEIPT.Check(t)) throw bad();
  const sig = t.batch.signature;
  let batch = verified.get(sig);
  if (batch === undefined) {
    let signed: unknown;
    try {
      const v = verifyJws(sig, key);
      if (v.header.typ !== RECEIPTS_TYP) throw new JoseError();
      signed = JSON.parse(v.payload.toString('utf8'));
    } catch {
      throw bad();
    }
    if (!RECEIPT_BATCH.Check(signed)) throw bad();
    batch = signed;
    verified.set(sig, batch);
  }
  const r = t.receipt;
  if (
    batch.from !== r.from ||
    batch.to !== r.to ||
    !Number.isSafeInteger(t.batch.index) ||
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
