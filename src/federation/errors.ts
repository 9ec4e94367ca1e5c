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
  | 'unknown-peer';

export class FederationError extends LiaisonError<FederationCode> {
  override readonly name = 'FederationError';
  readonly family = 'federation';
}
