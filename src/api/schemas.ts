// One TypeBox schema per message: Fastify validates with it at the edge, the
// OpenAPI document is generated from it, and TypeScript types come from it.
import { type Static, Type as T } from '@sinclair/typebox';
import { ROLES } from '../node/roles.js';

const Id = T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const Code = T.String({ minLength: 1, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' });
const Category = T.String({ minLength: 1, maxLength: 64 });
const Instant = T.String({ description: 'RFC 3339 instant with a UTC offset', maxLength: 40 });

export const ErrorBody = T.Object(
  {
    error: T.Object({
      code: T.String({
        description: 'a stable code: see the API documentation, or a RULES.md reason code',
      }),
      message: T.String(),
      reasons: T.Optional(T.Array(T.Object({}, { additionalProperties: true }))),
    }),
  },
  { $id: 'Error' },
);

export const Role = T.Union(ROLES.map((r) => T.Literal(r)));

export const MarkingView = T.Object({
  party: T.String(),
  code: T.String(),
  name: T.String(),
  en: T.String(),
});

export const UserBody = T.Object(
  {
    username: Id,
    clearance: Code,
    needToKnow: T.Array(Category, { maxItems: 256 }),
    clearanceExpires: T.Optional(T.Union([Instant, T.Null()])),
    roles: T.Array(Role, { maxItems: 5 }),
    password: T.Optional(
      T.String({
        minLength: 1,
        maxLength: 1024,
        description: 'for the console; hashed with scrypt',
      }),
    ),
    token: T.Optional(
      T.Boolean({
        description:
          'also issue the first API token (shown once): in setup, or for someone whose rights the admin holds',
      }),
    ),
  },
  { additionalProperties: false },
);
export type UserBody = Static<typeof UserBody>;

export const ClearanceBody = T.Object(
  {
    clearance: Code,
    needToKnow: T.Array(Category, { maxItems: 256 }),
    clearanceExpires: T.Optional(T.Union([Instant, T.Null()])),
  },
  { additionalProperties: false },
);
export type ClearanceBody = Static<typeof ClearanceBody>;

export const RolesBody = T.Object(
  { roles: T.Array(Role, { maxItems: 5 }) },
  { additionalProperties: false },
);

export const TokenBody = T.Object(
  {
    label: T.String({ minLength: 1, maxLength: 100 }),
    expiresAt: T.Optional(T.Union([Instant, T.Null()])),
  },
  { additionalProperties: false },
);
export type TokenBody = Static<typeof TokenBody>;

export const UserView = T.Object({
  id: T.String(),
  party: T.String(),
  clearance: T.String(),
  needToKnow: T.Array(T.String()),
  clearanceExpires: T.Union([T.String(), T.Null()]),
  roles: T.Array(Role),
});

/** A change to a person's clearance or roles, and whether it waits for a second person. */
export const ChangeView = T.Object({
  id: T.String(),
  user: T.String(),
  change: T.Union([
    T.Object({ kind: T.Literal('roles'), roles: T.Array(Role) }),
    T.Object({
      kind: T.Literal('clearance'),
      clearance: T.String(),
      needToKnow: T.Array(T.String()),
      clearanceExpires: T.Union([T.String(), T.Null()]),
    }),
  ]),
  proposedBy: T.String(),
  proposedAt: T.String(),
  status: T.Union([
    T.Literal('pending'),
    T.Literal('approved'),
    T.Literal('rejected'),
    T.Literal('withdrawn'),
  ]),
  decidedBy: T.Union([T.String(), T.Null()]),
  decidedAt: T.Union([T.String(), T.Null()]),
  note: T.Union([T.String(), T.Null()]),
  approver: T.String({ description: 'who may approve it, in words' }),
});

export const ChangeOutcome = T.Composite([
  UserView,
  T.Object({
    status: T.Union(
      [T.Literal('applied'), T.Literal('pending'), T.Literal('rejected'), T.Literal('withdrawn')],
      {
        description:
          'applied: in effect now; pending: waits for a second person (two-person rule); rejected or withdrawn: will not take effect',
      },
    ),
    change: T.Union([ChangeView, T.Null()]),
  }),
]);

export const IssuedToken = T.Object({
  id: T.String(),
  user: T.String(),
  token: T.String({ description: 'shown once; only its hash is stored' }),
  expiresAt: T.Union([T.String(), T.Null()]),
});

/** ACP 121 precedence, highest first. */
export const Precedence = T.Union(
  [T.Literal('FLASH'), T.Literal('IMMEDIATE'), T.Literal('PRIORITY'), T.Literal('ROUTINE')],
  { description: 'ACP 121 precedence: it orders delivery, never the release rules' },
);

export const ItemBody = T.Object(
  {
    marking: Code,
    categories: T.Array(Category, { minItems: 1, maxItems: 64 }),
    title: T.String({ minLength: 1, maxLength: 500 }),
    body: T.String({ maxLength: 512 * 1024 }),
    releasableTo: T.Optional(T.Array(Code, { maxItems: 64 })),
    precedence: T.Optional(Precedence),
  },
  { additionalProperties: false },
);
export type ItemBody = Static<typeof ItemBody>;

export const ItemSummary = T.Object({
  id: T.String(),
  originator: T.String(),
  marking: MarkingView,
  originatorMarking: MarkingView,
  categories: T.Array(T.String()),
  releasableTo: T.Union([T.Array(T.String()), T.Null()]),
  precedence: Precedence,
  createdAt: T.String(),
  compromised: T.Boolean(),
});

export const Reason = T.Object({
  code: T.String(),
  rule: T.Union([T.String(), T.Null()]),
  message: T.String(),
  ref: T.Optional(T.String()),
  agreement: T.Optional(T.String()),
  party: T.Optional(T.String()),
});

export const ItemContent = T.Composite([
  ItemSummary,
  T.Object({
    title: T.String(),
    body: T.String(),
    reasons: T.Array(Reason),
    logIndex: T.Integer(),
  }),
]);

export const ReclassifyBody = T.Object({ marking: Code }, { additionalProperties: false });

export const CompromiseBody = T.Object(
  { note: T.String({ maxLength: 4000 }) },
  { additionalProperties: false },
);

export const CompromiseView = T.Object({
  id: T.String(),
  item: T.String(),
  party: T.String(),
  reportedBy: T.String(),
  at: T.String(),
  note: T.String(),
});

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

export const DecisionView = T.Object({
  decision: T.Union([T.Literal('allow'), T.Literal('deny')]),
  reasons: T.Array(Reason),
});

export const AgreementSummary = T.Object({
  id: T.String(),
  title: T.Union([T.String(), T.Null()]),
  parties: T.Array(T.String()),
  binding: T.Boolean(),
  signedBy: T.Array(T.String()),
  awaiting: T.Array(T.String()),
  state: T.String(),
  termEnd: T.Union([T.String(), T.Null()]),
  nextNoticeDeadline: T.Union([T.String(), T.Null()]),
  notice: T.Union([T.Object({}, { additionalProperties: true }), T.Null()]),
});

export const Free = T.Object({}, { additionalProperties: true });

export const Text = T.String();

const Duration = T.String({
  minLength: 2,
  maxLength: 40,
  description: 'ISO 8601 duration, e.g. P1Y, P90D',
});

/** One equivalence row: the markings of each party that are equivalent (RULES §2). */
export const EquivalenceRow = T.Record(
  T.String({ pattern: '^[A-Z][A-Z0-9]{1,15}$' }),
  T.Array(Code, { minItems: 1, maxItems: 16 }),
  { minProperties: 2, maxProperties: 16 },
);

const ARTICLE_TOPICS = [
  'in-force',
  'term',
  'notice',
  'survival',
  'equivalence',
  'marking',
  'scope',
  'topology',
  'releasability',
  'third-party',
  'reclassification',
  'access',
  'compromise',
  'amendment',
  'termination',
] as const;

/** An agreement's definition (RULES §2), as proposed to partners. */
export const AgreementDefinition = T.Object(
  {
    id: Id,
    title: T.Optional(T.String({ maxLength: 300 })),
    parties: T.Array(T.String({ pattern: '^[A-Z][A-Z0-9]{1,15}$' }), {
      minItems: 2,
      maxItems: 16,
    }),
    rows: T.Array(EquivalenceRow, { maxItems: 64 }),
    scope: T.Optional(T.Array(Category, { minItems: 1, maxItems: 256 })),
    topology: T.Union([
      T.Object({ kind: T.Literal('mesh') }, { additionalProperties: false }),
      T.Object(
        { kind: T.Literal('hub'), hub: T.String({ pattern: '^[A-Z][A-Z0-9]{1,15}$' }) },
        { additionalProperties: false },
      ),
    ]),
    entryIntoForce: Instant,
    initialTerm: T.Optional(Duration),
    renewalTerm: T.Optional(Duration),
    noticePeriod: Duration,
    timezone: T.String({ minLength: 1, maxLength: 64, description: 'IANA time zone' }),
    articles: T.Optional(
      T.Partial(
        T.Object(Object.fromEntries(ARTICLE_TOPICS.map((k) => [k, T.String({ maxLength: 200 })])), {
          additionalProperties: false,
        }),
      ),
    ),
    assumptions: T.Optional(T.Array(T.String({ maxLength: 500 }), { maxItems: 32 })),
    assumed: T.Optional(
      T.Array(T.Union([T.Literal('rows'), T.Literal('noticePeriod'), T.Literal('articles')]), {
        maxItems: 3,
      }),
    ),
  },
  { additionalProperties: false },
);

export const IdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 200 }) });

export const AtQuery = T.Object({ at: T.Optional(Instant) });

export const EntriesQuery = T.Object({
  start: T.Optional(T.Integer({ minimum: 0 })),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
});

export const LogEntryView = T.Object({
  index: T.Integer(),
  leafHash: T.String({ description: 'hex' }),
  data: T.Optional(
    T.String({ description: 'the entry as canonical JSON: the exact bytes that were hashed' }),
  ),
  redacted: T.Optional(
    T.Literal(true, {
      description:
        'the entry is about an item the caller may not read (RULES V1): only its leaf hash is shown',
    }),
  ),
});

export const InclusionQuery = T.Object({
  index: T.Integer({ minimum: 0 }),
  size: T.Optional(T.Integer({ minimum: 1 })),
});

export const ConsistencyQuery = T.Object({
  from: T.Integer({ minimum: 1 }),
  to: T.Optional(T.Integer({ minimum: 1 })),
});

export const CheckpointView = T.Object({
  origin: T.String(),
  size: T.Integer(),
  root: T.String({ description: 'base64, as in the checkpoint' }),
  note: T.String({ description: 'the C2SP signed note' }),
  at: T.String(),
  cosignedBy: T.Optional(
    T.Array(T.String(), { description: 'partners whose cosignature lines the note carries' }),
  ),
});

export const ProofView = T.Object({
  size: T.Integer(),
  root: T.String({ description: 'base64' }),
  proof: T.Array(T.String({ description: 'base64 hashes, from the leaf (or lower level) upward' })),
  index: T.Optional(T.Integer()),
  leafHash: T.Optional(T.String({ description: 'base64' })),
  from: T.Optional(T.Integer()),
  fromRoot: T.Optional(T.String()),
  checkpoint: T.String({ description: 'a signed checkpoint of `size`' }),
});
