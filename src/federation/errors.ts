// The federation's error family, for what a request to this node about its partners
// can fail with (the wire's own refusals are MessageError and HttpSigError).
import { LiaisonError } from '../core/index.js';

export type FederationCode =
  | 'no-peer'
  | 'fingerprint-mismatch'
  | 'peer-unreachable'
  /** A peer's receipt that does not verify, or is not for the envelope it answers. */
  | 'bad-receipt'
  | 'malformed-message'
  | 'oversize-request'
  | 'unsigned'
  | 'bad-signature'
  | 'stale-request'
  | 'replayed-request'
  | 'unknown-peer'
  /** The originator's manifest does not verify with the originator's key (issue 11). */
  | 'bad-originator-signature'
  /** The content is not what the originator's manifest hashes. */
  | 'content-mismatch'
  /** A marking the sender claims differs from the one computed from the manifest. */
  | 'marking-mismatch'
  /** The item as described differs from its manifest (another item, other categories, …). */
  | 'manifest-mismatch'
  /** A manifest version older than (or the same as) the one held. */
  | 'stale-manifest'
  | 'wrong-authority'
  /** A lifecycle instant outside the freshness window of its arrival (docs/wire.md §5.6). */
  | 'stale-instant';

export class FederationError extends LiaisonError<FederationCode> {
  override readonly name = 'FederationError';
  readonly family = 'federation';
}

/** A message refused as it is opened (docs/wire.md §4.3): its code, and its envelope id if read. */
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
