// The log's API: signed checkpoints, entries, inclusion and consistency proofs.
import { Type as T } from '@sinclair/typebox';
import { named, Stamp } from './schemas.js';

export const EntriesQuery = T.Object({
  start: T.Optional(T.Integer({ minimum: 0 })),
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 10_000 })),
});

export const InclusionQuery = T.Object({
  index: T.Integer({ minimum: 0 }),
  size: T.Optional(T.Integer({ minimum: 1 })),
});

export const ConsistencyQuery = T.Object({
  from: T.Integer({ minimum: 1 }),
  to: T.Optional(T.Integer({ minimum: 1 })),
});

export const CheckpointQuery = T.Object({ format: T.Optional(T.Literal('json')) });

export const CheckpointView = named(
  T.Object(
    {
      origin: T.String(),
      size: T.Integer(),
      root: T.String({ description: 'base64, as in the checkpoint' }),
      note: T.String({ description: 'the C2SP signed note, with partners’ cosignature lines' }),
      at: Stamp,
      cosignedBy: T.Array(T.String(), {
        description: 'partners whose cosignature lines the note carries',
      }),
    },
    { $id: 'CheckpointView' },
  ),
);

export const LogEntry = named(
  T.Object(
    {
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
    },
    { $id: 'LogEntry' },
  ),
);

const hashes = T.Array(
  T.String({ description: 'base64 hashes, from the leaf (or lower level) upward' }),
);

export const InclusionProof = named(
  T.Object(
    {
      index: T.Integer(),
      size: T.Integer(),
      root: T.String({ description: 'base64' }),
      leafHash: T.String({ description: 'base64' }),
      proof: hashes,
      checkpoint: T.String({ description: 'a signed checkpoint of `size`' }),
    },
    { $id: 'InclusionProof' },
  ),
);

export const ConsistencyProof = named(
  T.Object(
    {
      from: T.Integer(),
      fromRoot: T.String({ description: 'base64' }),
      size: T.Integer(),
      root: T.String({ description: 'base64' }),
      proof: hashes,
      checkpoint: T.String({ description: 'a signed checkpoint of `size`' }),
    },
    { $id: 'ConsistencyProof' },
  ),
);
