// Items: creation, summaries, a read, reclassification, compromise reports, and what
// the console shows beside an item (its history, a log proof of one entry).
import { Type as T } from '@sinclair/typebox';
import {
  Category,
  Code,
  Decision,
  MapOf,
  Marking,
  MarkingPair,
  Nullable,
  named,
  Reason,
  ref,
  Stamp,
} from './schemas.js';

/** ACP 121 precedence, highest first. */
export const Precedence = T.Union(
  [T.Literal('FLASH'), T.Literal('IMMEDIATE'), T.Literal('PRIORITY'), T.Literal('ROUTINE')],
  { description: 'ACP 121 precedence: it orders delivery, never the release rules' },
);

// ------------------------------------------------------------------ bodies

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

export const ReclassifyBody = T.Object({ marking: Code }, { additionalProperties: false });

export const CompromiseBody = T.Object(
  { note: T.String({ maxLength: 4000 }) },
  { additionalProperties: false },
);

export const ProofQuery = T.Object({ index: T.Integer({ minimum: 0 }) });

// ------------------------------------------------------------------ answers

const summaryFields = {
  id: T.String(),
  title: T.String({ description: 'shown only because you may read the item (RULES V1)' }),
  originator: T.String(),
  marking: ref(Marking),
  originatorMarking: ref(Marking),
  categories: T.Array(T.String()),
  releasableTo: Nullable(T.Array(T.String())),
  precedence: Precedence,
  createdAt: Stamp,
  compromised: T.Boolean(),
};

export const ItemSummary = named(T.Object(summaryFields, { $id: 'ItemSummary' }));

export const ItemContent = named(
  T.Object(
    {
      ...summaryFields,
      body: T.String(),
      reasons: T.Array(ref(Reason)),
      logIndex: T.Integer({ description: 'where this read is logged' }),
    },
    { $id: 'ItemContent' },
  ),
);

export const Reclassified = named(
  T.Object(
    {
      decision: Decision,
      reasons: T.Array(ref(Reason)),
      holders: T.Array(ref(MarkingPair), { description: "every holder's marking afterwards" }),
    },
    { $id: 'Reclassified' },
  ),
);

export const CompromiseReport = named(
  T.Object(
    {
      id: T.String(),
      item: T.String(),
      party: T.String(),
      reportedBy: T.String(),
      at: Stamp,
      note: T.String(),
    },
    { $id: 'CompromiseReport' },
  ),
);

/** Who acted in a log entry: a user of the node, or the node itself (null). */
const EntryActor = T.Object({ user: Nullable(T.String()), party: T.String() });

export const HistoryEntry = named(
  T.Object(
    {
      index: T.Integer(),
      type: T.String({ description: 'the event type (docs/log.md)' }),
      at: Stamp,
      actor: EntryActor,
      decision: Nullable(Decision),
      reasons: T.Array(T.String(), { description: 'reason codes, first first' }),
      subject: MapOf(T.Unknown(), "the event's subject, as logged (docs/log.md)"),
    },
    { $id: 'HistoryEntry' },
  ),
);

export const ItemHistory = named(
  T.Object({ item: T.String(), entries: T.Array(ref(HistoryEntry)) }, { $id: 'ItemHistory' }),
);

/** A log entry's content (the canonical JSON of `data`), as it is read back. */
export const LoggedEntry = T.Object({
  index: T.Integer(),
  type: T.String(),
  at: T.String(),
  actor: EntryActor,
  decision: T.Optional(Decision),
  reasons: T.Optional(T.Array(T.String())),
  subject: T.Record(T.String(), T.Unknown()),
});

export const ItemProof = named(
  T.Object(
    {
      index: T.Integer(),
      treeSize: T.Integer(),
      entry: T.String({ description: 'the entry as canonical JSON: the exact bytes hashed' }),
      leafHash: T.String({ description: 'base64' }),
      proof: T.Array(T.String({ description: 'base64 hashes, from the leaf upward' })),
      root: T.String({ description: 'base64' }),
      checkpoint: T.String({ description: 'the signed checkpoint of `treeSize`' }),
    },
    { $id: 'ItemProof' },
  ),
);
