// The handler of each message type: a table, so that a type without a handler is a
// type error, and each handler sees its own message type.
import type { MessageType } from '../messages.js';
import { receiveKeys } from '../rotation.js';
import { receiveCosignature } from '../witness.js';
import { receiveLifecycle, receiveProposalSignature } from './agreements.js';
import type { Arrival, Handler, Outcome } from './arrival.js';
import {
  receiveConsentDecision,
  receiveConsentRequest,
  receiveConsentRevoked,
} from './consents.js';
import {
  receiveCompromise,
  receiveContentMessage,
  receiveItem,
  receiveReclassified,
} from './items.js';
import { receiveRelay } from './relay.js';
import { receiveLifecycleAck, receiveStatus } from './sync.js';

const HANDLERS: { readonly [K in MessageType]: Handler<K> } = {
  item: receiveItem,
  'consent.request': receiveConsentRequest,
  'consent.decision': receiveConsentDecision,
  'consent.revoked': receiveConsentRevoked,
  'proposal.signature': receiveProposalSignature,
  'agreement.lifecycle': receiveLifecycle,
  'lifecycle.ack': receiveLifecycleAck,
  'agreement.status': receiveStatus,
  'item.reclassified': receiveReclassified,
  'compromise.report': receiveCompromise,
  'checkpoint.cosignature': receiveCosignature,
  'alert.ack': receiveContentMessage,
  'alert.escalation': receiveContentMessage,
  relay: (a) => receiveRelay(a, handle),
  'node.keys': receiveKeys,
};

/** Handles an arriving message of type `type` (its message's own). */
export function handle<K extends MessageType>(type: K, a: Arrival<K>): Promise<Outcome> {
  return HANDLERS[type](a);
}
