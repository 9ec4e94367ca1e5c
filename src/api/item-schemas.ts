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

/** A file's name as its creator gave it: no path, no control characters. */
const FileName = T.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^(?!\\.{1,2}$)[^/\\\\\\x00-\\x1f\\x7f]+$',
  description: 'the file name shown and used on download: no / or \\, not . or ..',
});
const MediaType = T.String({
  maxLength: 127,
  pattern: '^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$',
  description: 'its media type, e.g. application/pdf (application/octet-stream when unknown)',
});
const Sha256 = T.String({
  pattern: '^[0-9a-f]{64}$',
  description: 'SHA-256 of the whole file, hex',
});

export const AttachmentBody = T.Object(
  { name: FileName, type: MediaType, sha256: Sha256 },
  { additionalProperties: false },
);

export const ItemBody = T.Object(
  {
    marking: Code,
    categories: T.Array(Category, { minItems: 1, maxItems: 64 }),
    title: T.String({ minLength: 1, maxLength: 500 }),
    body: T.String({ maxLength: 512 * 1024 }),
    releasableTo: T.Optional(T.Array(Code, { maxItems: 64 })),
    precedence: T.Optional(Precedence),
    attachments: T.Optional(
      T.Array(AttachmentBody, {
        maxItems: 100,
        description: 'files you uploaded (POST /v1/attachments), in order',
      }),
    ),
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

export const Attachment = named(
  T.Object(
    {
      name: T.String(),
      type: T.String(),
      size: T.Integer({ minimum: 0 }),
      sha256: Sha256,
    },
    { $id: 'Attachment' },
  ),
);

export const Uploaded = named(
  T.Object(
    { sha256: Sha256, size: T.Integer({ minimum: 0 }) },
    { $id: 'Uploaded', description: 'a file stored here: name it in an item by its sha256' },
  ),
);

export const ItemSummary = named(T.Object(summaryFields, { $id: 'ItemSummary' }));

export const ItemContent = named(
  T.Object(
    {
      ...summaryFields,
      body: T.String(),
      reasons: T.Array(ref(Reason)),
      logIndex: T.Integer({ description: 'where this read is logged' }),
      attachments: T.Array(ref(Attachment), { description: 'its files, in order' }),
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
