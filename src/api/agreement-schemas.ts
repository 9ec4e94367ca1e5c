// Agreements: a definition as proposed, a change to one, the catalog, one explained,
// its lifecycle events, notice actions, and proposals awaiting signatures.
import { Type as T, type TSchema } from '@sinclair/typebox';
import { AgreementDefinitionSchema, ASSUMED_PARTS, EquivalenceRowSchema } from '../core/index.js';
import { Category, MapOf, Marking, NoticeState, Nullable, named, ref, Stamp } from './schemas.js';

/** One equivalence row: the markings of each party that are equivalent (RULES §2). */
export const EquivalenceRow = EquivalenceRowSchema;

/** An agreement's definition (RULES §2), as proposed to partners: the core's schema. */
export const AgreementDefinition = AgreementDefinitionSchema;

export const ProposalBody = T.Object(
  { definition: AgreementDefinition },
  { additionalProperties: false },
);

export const ChangeBody = T.Object(
  {
    kind: T.Union([T.Literal('terminate'), T.Literal('amend')]),
    effectiveAt: T.Optional(T.String({ maxLength: 40 })),
    rows: T.Optional(T.Array(EquivalenceRow, { maxItems: 64 })),
    scope: T.Optional(T.Union([T.Array(Category, { maxItems: 256 }), T.Null()])),
    noticePeriod: T.Optional(T.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

export const NoticeBody = T.Object(
  {
    action: T.Union([
      T.Literal('notice'),
      T.Literal('suspend-notice'),
      T.Literal('resume-notice'),
      T.Literal('withdraw-notice'),
    ]),
  },
  { additionalProperties: false },
);

// ------------------------------------------------------------------ answers

const State = T.Union([T.Literal('pending'), T.Literal('in-force'), T.Literal('terminated')]);
const Codes = MapOf(T.Array(T.String()), 'marking codes by party');

export const AgreementSummary = named(
  T.Object(
    {
      id: T.String(),
      title: Nullable(T.String()),
      parties: T.Array(T.String()),
      timezone: T.String({
        description:
          "the agreement's IANA time zone: its calendar, and where its instants are shown",
      }),
      binding: T.Boolean({ description: 'every party has signed' }),
      signedBy: T.Array(T.String()),
      awaiting: T.Array(T.String()),
      state: State,
      endedAt: Nullable(Stamp),
      endedBy: Nullable(T.Union([T.Literal('notice'), T.Literal('mutual'), T.Literal('expiry')])),
      contested: T.Boolean({
        description: 'RULES L5: ended by resuming a notice after its target',
      }),
      termEnd: Nullable(Stamp),
      nextNoticeDeadline: Nullable(Stamp),
      notice: Nullable(ref(NoticeState)),
    },
    { $id: 'AgreementSummary' },
  ),
);

/** The amendable text of an agreement (RULES L8). */
const AgreementText = named(
  T.Object(
    {
      rows: T.Array(Codes),
      scope: T.Optional(Nullable(T.Array(T.String()))),
      noticePeriod: T.String(),
    },
    { $id: 'AgreementText' },
  ),
);

/** A lifecycle event: a notice action, a mutual termination or an amendment. */
const lifecycleEvent = <S extends TSchema>($id: string, effectiveAt: S) =>
  named(
    T.Object(
      {
        kind: T.Union([
          T.Literal('notice'),
          T.Literal('suspend-notice'),
          T.Literal('resume-notice'),
          T.Literal('withdraw-notice'),
          T.Literal('terminate'),
          T.Literal('amend'),
        ]),
        at: Stamp,
        by: T.Optional(T.String({ description: 'the party that acted (notice actions)' })),
        target: T.Optional(Stamp),
        effectiveAt: T.Optional(effectiveAt),
        text: T.Optional(ref(AgreementText)),
      },
      { $id },
    ),
  );

/** As an agreement's explanation shows it. */
export const LifecycleEvent = lifecycleEvent(
  'LifecycleEvent',
  T.String({ description: 'a mutual termination: when it takes effect (RFC 3339, UTC)' }),
);

/** As GET /v1/agreements/{id}/notices lists it: a termination's `effectiveAt` in epoch ms. */
const LifecycleRecord = lifecycleEvent(
  'LifecycleRecord',
  T.Integer({ description: 'a mutual termination: when it takes effect (epoch ms)' }),
);

const NoticeAction = T.Union([
  T.Literal('notice'),
  T.Literal('suspend-notice'),
  T.Literal('resume-notice'),
  T.Literal('withdraw-notice'),
]);

/** An agreement's status at an instant as nodes compare it (docs/wire.md §5.13). */
export const AgreementStatusView = named(
  T.Object(
    {
      state: State,
      endedBy: Nullable(T.Union([T.Literal('notice'), T.Literal('mutual'), T.Literal('expiry')])),
      endedAt: Nullable(T.String({ description: 'RFC 3339 instant' })),
      notice: Nullable(
        T.Object({
          by: T.String(),
          receivedAt: T.String({ description: 'RFC 3339 instant' }),
          target: T.String({ description: 'RFC 3339 instant' }),
          suspended: T.Boolean(),
        }),
      ),
      contested: T.Boolean(),
    },
    { $id: 'AgreementStatusView' },
  ),
);

/** A lifecycle message this node sent: its outcome at the partner and its acknowledgement. */
export const LifecycleDelivery = named(
  T.Object(
    {
      envelope: T.String(),
      agreement: T.String(),
      to: T.String({ description: 'the partner it was sent to' }),
      action: NoticeAction,
      at: Stamp,
      sentAt: Stamp,
      state: T.Union([
        T.Literal('pending'),
        T.Literal('delivered'),
        T.Literal('refused'),
        T.Literal('withheld'),
      ]),
      code: Nullable(
        T.String({
          description:
            "the partner's refusal code (stale-instant: the action did not reach it in time; act again)",
        }),
      ),
      acknowledged: Nullable(
        T.Object({
          at: Stamp,
          receivedAt: Stamp,
          status: ref(AgreementStatusView),
          differs: T.Array(T.String(), {
            description: 'what differs from this node at that instant (empty: in step)',
          }),
        }),
      ),
    },
    { $id: 'LifecycleDelivery' },
  ),
);

export const NoticesList = named(
  T.Object(
    {
      agreement: T.String(),
      timezone: T.String({ description: "the agreement's IANA time zone" }),
      binding: T.Optional(T.Literal(false, { description: 'a proposal: no lifecycle yet' })),
      events: T.Array(ref(LifecycleRecord)),
      deliveries: T.Array(ref(LifecycleDelivery), {
        description:
          'the lifecycle messages this node sent to partners, with their outcome and acknowledgement',
      }),
    },
    { $id: 'NoticesList' },
  ),
);

/** A peer's last report of an agreement, compared with this node at its instant. */
export const PeerSync = named(
  T.Object(
    {
      peer: T.String(),
      result: T.Union(
        [T.Literal('agrees'), T.Literal('diverged'), T.Literal('silent'), T.Literal('awaiting')],
        {
          description:
            'silent: no report within the expected period; awaiting: none yet, still in time',
        },
      ),
      reportedAt: Nullable(Stamp),
      receivedAt: Nullable(Stamp),
      theirs: Nullable(ref(AgreementStatusView)),
      ours: Nullable(ref(AgreementStatusView)),
      differs: T.Array(T.String()),
    },
    { $id: 'PeerSync' },
  ),
);

export const AgreementSync = named(
  T.Object(
    {
      agreement: T.String(),
      timezone: T.String({ description: "the agreement's IANA time zone" }),
      status: ref(AgreementStatusView),
      peers: T.Array(ref(PeerSync)),
      deliveries: T.Array(ref(LifecycleDelivery)),
    },
    { $id: 'AgreementSync' },
  ),
);

/** GET /v1/agreement-sync: whether this node and its peers compute the same statuses. */
export const SyncReport = named(
  T.Object(
    {
      at: Stamp,
      intervalSeconds: T.Integer(),
      expectedWithinSeconds: T.Integer(),
      inStep: T.Boolean({
        description: 'no agreement diverges and no peer is silent',
      }),
      agreements: T.Array(ref(AgreementSync)),
    },
    { $id: 'SyncReport' },
  ),
);

export const SyncQuery = T.Object({
  agreement: T.Optional(T.String({ minLength: 1, maxLength: 200 })),
});

export const AgreementExplanation = named(
  T.Object(
    {
      id: T.String(),
      title: Nullable(T.String()),
      parties: T.Array(T.Object({ id: T.String(), name: T.String() })),
      topology: T.Union([T.Literal('mesh'), T.Object({ hub: T.String() })]),
      timezone: T.String(),
      entryIntoForce: Stamp,
      initialTerm: Nullable(T.String()),
      renewalTerm: Nullable(T.String()),
      termKind: T.Union([T.Literal('renews'), T.Literal('fixed'), T.Literal('indefinite')]),
      noticePeriod: T.String(),
      scope: Nullable(T.Array(T.String())),
      assumptions: T.Array(T.String()),
      assumed: T.Array(T.Union(ASSUMED_PARTS.map((p) => T.Literal(p)))),
      articles: MapOf(
        T.String(),
        'the articles decisions under this agreement cite, by topic (e.g. thirdParty: "Art. 21.3")',
      ),
      at: Stamp,
      state: State,
      term: Nullable(T.Object({ index: T.Integer(), start: Stamp, end: Nullable(Stamp) })),
      termEnd: Nullable(Stamp),
      endedAt: Nullable(Stamp),
      endedBy: Nullable(T.Union([T.Literal('notice'), T.Literal('mutual'), T.Literal('expiry')])),
      contested: T.Boolean({
        description: 'RULES L5: ended by resuming a notice after its target',
      }),
      notice: Nullable(ref(NoticeState)),
      boundaries: T.Array(T.Object({ index: T.Integer(), at: Stamp })),
      nextNoticeDeadline: Nullable(
        T.Object({ boundary: Stamp, deadline: Stamp, noticePeriod: T.String() }),
      ),
      equivalence: T.Array(MapOf(T.Array(ref(Marking)), 'markings by party')),
      uncovered: MapOf(T.Array(ref(Marking)), 'classified markings no row covers, by party'),
      versions: T.Array(T.Object({ from: Nullable(Stamp) })),
      events: T.Array(ref(LifecycleEvent)),
      binding: T.Boolean(),
      signedBy: T.Array(T.String()),
      awaiting: T.Array(T.String()),
    },
    { $id: 'AgreementExplanation' },
  ),
);

/** A definition as signed and stored: the same schema, named in the document. */
export const SignedDefinition = named(
  T.Object(AgreementDefinitionSchema.properties, {
    $id: 'AgreementDefinition',
    additionalProperties: false,
  }),
);

/** A mutual termination or an amendment, as signed. */
export const SignedChange = named(
  T.Object(
    {
      proposal: T.String(),
      agreement: T.String(),
      kind: T.Union([T.Literal('terminate'), T.Literal('amend')]),
      effectiveAt: T.String(),
      rows: T.Optional(T.Array(Codes)),
      scope: T.Optional(Nullable(T.Array(T.String()))),
      noticePeriod: T.Optional(T.String()),
    },
    { $id: 'AgreementChange' },
  ),
);

export const Proposal = named(
  T.Union(
    [
      T.Object({
        id: T.String(),
        kind: T.Literal('agreement'),
        agreement: T.String(),
        parties: T.Array(T.String()),
        signedBy: T.Array(T.String()),
        awaiting: T.Array(T.String()),
        status: T.String(),
        body: ref(SignedDefinition),
      }),
      T.Object({
        id: T.String(),
        kind: T.Literal('change'),
        agreement: T.String(),
        parties: T.Array(T.String()),
        signedBy: T.Array(T.String()),
        awaiting: T.Array(T.String()),
        status: T.String(),
        body: ref(SignedChange),
      }),
    ],
    { $id: 'Proposal' },
  ),
);

export const ProposalCreated = named(
  T.Object({ proposal: T.String() }, { $id: 'ProposalCreated' }),
);

/** The signing keys bound to an agreement when it bound (docs/wire.md §9), to compare out of band. */
export const AgreementKeyList = named(
  T.Array(
    T.Object({
      party: T.String(),
      /** The raw Ed25519 public key, base64, as the party's identity document gives it. */
      signingKey: T.String(),
      /** SHA-256 of the raw key, hex: the short form to read out over another channel. */
      sha256: T.String(),
      /** `pinned`: this node peers with the party and the key is the pinned one; `agreement`: learnt only through the agreement. */
      source: T.Union([T.Literal('pinned'), T.Literal('agreement'), T.Literal('own')]),
    }),
    { $id: 'AgreementKeyList' },
  ),
);
