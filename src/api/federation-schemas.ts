// Between nodes: peers, releases and forwards, the inbox and the outbox with their
// signed receipts, consents, and what a peer asks of this node.

import { Type as T } from '@sinclair/typebox';
import { Receipt as WireReceipt } from '../federation/receipts.js';
import { Decision, Marking, MarkingPair, Nullable, named, Reason, ref, Stamp } from './schemas.js';

const PartyId = T.String({ minLength: 1, maxLength: 32 });

// ------------------------------------------------------------------ bodies

export const ToBody = T.Object({ to: PartyId }, { additionalProperties: false });

/** A release to several parties: each decided and answered on its own. */
export const ToEachBody = T.Object(
  { to: T.Array(PartyId, { minItems: 1, maxItems: 32 }) },
  { additionalProperties: false },
);

export const ConsentRequestBody = T.Object(
  {
    item: T.String({ minLength: 1, maxLength: 200 }),
    to: PartyId,
    note: T.Optional(T.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const GrantBody = T.Object(
  {
    reason: T.String({ minLength: 1, maxLength: 2000 }),
    expires: T.Optional(T.Union([T.String({ maxLength: 40 }), T.Null()])),
  },
  { additionalProperties: false },
);

export const RefuseBody = T.Object(
  { reason: T.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);

export const PeerBody = T.Object(
  {
    url: T.String({ minLength: 1, maxLength: 500 }),
    fingerprint: T.String({ minLength: 16, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const ConsentQuery = T.Object({
  direction: T.Optional(T.Union([T.Literal('incoming'), T.Literal('outgoing')])),
});

// ------------------------------------------------------------------ answers

export const Peer = named(
  T.Object(
    {
      party: T.String(),
      url: T.String(),
      origin: T.String({ description: "the peer's log origin" }),
      fingerprint: T.String({ description: 'of its keys, as confirmed out of band' }),
      verifierKey: T.String({ description: "its log's note verifier key" }),
      epoch: T.Integer({
        description:
          'the epoch of its keys pinned here (0: as first pinned; each hand-over it sent adds one)',
      }),
      holdsOurEpoch: T.Integer({
        description:
          'the epoch of our keys it has accepted: we sign towards it with those until it takes the next',
      }),
    },
    { $id: 'Peer' },
  ),
);

export const KeyRotation = named(
  T.Object(
    {
      epoch: T.Integer({ description: "the new keys' epoch (keys.json's are 0)" }),
      fingerprint: T.String({ description: 'of the new keys: what partners see from now on' }),
      verifierKey: T.String({ description: "the log's new note verifier key" }),
      previousVerifierKey: T.String({ description: 'the verifier key handed over from' }),
      peers: T.Array(T.String(), { description: 'the peers told (a node.keys message each)' }),
      logIndex: T.Integer({ description: 'the node.keys-rotated entry' }),
    },
    { $id: 'KeyRotation' },
  ),
);

export const Retried = named(
  T.Object(
    { peer: T.String(), queued: T.Integer({ description: 'messages due now' }) },
    { $id: 'Retried' },
  ),
);

export const WitnessReport = named(
  T.Object(
    {
      peer: T.String(),
      size: T.Integer(),
      root: T.String(),
      checkedAgainst: T.Array(T.Integer(), { description: 'sizes of its checkpoints seen before' }),
      problems: T.Array(T.String()),
      ok: T.Boolean({ description: 'consistent, and cosigned' }),
    },
    { $id: 'WitnessReport' },
  ),
);

/** The answer to a release or forward (202), and each release of an alert. */
const transferFields = {
  envelope: Nullable(T.String()),
  decision: Decision,
  marking: Nullable(ref(MarkingPair)),
  reasons: T.Array(ref(Reason)),
};

export const TransferResult = named(T.Object(transferFields, { $id: 'TransferResult' }));

/** One party's answer in a release to several (200): its own decision, envelope and reasons. */
export const TransferResultTo = named(
  T.Object({ to: T.String(), ...transferFields }, { $id: 'TransferResultTo' }),
);

export const TransferResults = named(
  T.Object({ results: T.Array(ref(TransferResultTo)) }, { $id: 'TransferResults' }),
);

export const AlertRelease = named(
  T.Object({ to: T.String(), ...transferFields }, { $id: 'AlertRelease' }),
);

export const InboxEntry = named(
  T.Object(
    {
      envelope: T.String(),
      item: T.String(),
      from: T.String(),
      receivedAt: Stamp,
      title: T.String(),
      marking: ref(Marking),
      originatorMarking: ref(Marking),
      categories: T.Array(T.String()),
    },
    { $id: 'InboxEntry' },
  ),
);

const outboxFields = {
  envelope: T.String(),
  to: T.String(),
  seq: T.Integer(),
  type: T.String({ description: 'the message type (docs/wire.md)' }),
  item: Nullable(T.String()),
  title: Nullable(
    T.String({
      description: "the item's title; null for a message about no item (an agreement notice)",
    }),
  ),
  originator: Nullable(T.String({ description: "the item's originator; null: about no item" })),
  // This node's marking of the item, and the originator's; null: about no item.
  marking: Nullable(ref(Marking)),
  originatorMarking: Nullable(ref(Marking)),
  state: T.String({ description: 'pending, delivered, refused or withheld' }),
  attempts: T.Integer(),
  lastError: Nullable(T.String()),
  createdAt: Stamp,
  settledAt: Nullable(Stamp),
};

export const OutboxEntry = named(T.Object(outboxFields, { $id: 'OutboxEntry' }));

/** What the receiver says of one message (docs/wire.md "Receipts"): the wire's own schema. */
export const Receipt = named(T.Object(WireReceipt.properties, { $id: 'Receipt' }));

export const SignedReceipt = named(
  T.Object(
    {
      receipt: ref(Receipt),
      batch: T.Object({
        signature: T.String({ description: "JWS over the batch's RFC 9162 root" }),
        index: T.Integer(),
        proof: T.Array(T.String(), { description: 'base64 audit path in the batch' }),
      }),
    },
    { $id: 'SignedReceipt' },
  ),
);

export const OutboxEnvelope = named(
  T.Object({ ...outboxFields, receipt: Nullable(ref(SignedReceipt)) }, { $id: 'OutboxEnvelope' }),
);

export const ConsentRequest = named(
  T.Object(
    {
      id: T.String(),
      direction: T.String({ description: 'incoming or outgoing' }),
      item: T.String(),
      title: T.String({ description: "the item's title" }),
      originator: T.String(),
      holder: T.String(),
      to: T.String(),
      requestedBy: T.String(),
      note: T.String({ description: "the requester's note to the originator ('' if none)" }),
      requestedAt: Stamp,
      status: T.String({ description: 'pending, granted or refused' }),
      reason: Nullable(T.String()),
      consent: Nullable(T.String()),
    },
    { $id: 'ConsentRequest' },
  ),
);

export const ConsentDecision = named(
  T.Object(
    {
      request: T.String(),
      decision: T.Union([T.Literal('grant'), T.Literal('refuse')]),
      consent: Nullable(T.String()),
      reasons: T.Array(ref(Reason)),
    },
    { $id: 'ConsentDecision' },
  ),
);

// ------------------------------------------------------------------ node to node

export const PeerReceipts = named(
  T.Object(
    {
      receipts: T.Array(T.String(), {
        description: 'one signed receipt per message, in order (a SignedReceipt as JSON text)',
      }),
    },
    { $id: 'PeerReceipts' },
  ),
);

export const PeerConsistencyProof = named(
  T.Object(
    { from: T.Integer(), to: T.Integer(), proof: T.Array(T.String({ description: 'base64' })) },
    { $id: 'PeerConsistencyProof' },
  ),
);
