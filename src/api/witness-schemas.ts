// Witnessing by default (docs/wire.md §10): who cosigns this node's log, which partners'
// logs this node cosigns, the alarms it raised, and what a partner asks back.
import { Type as T } from '@sinclair/typebox';
import { Nullable, named, ref, Stamp } from './schemas.js';

export const Cosigner = named(
  T.Object(
    {
      party: T.String({ description: 'a partner that witnesses this log' }),
      size: Nullable(T.Integer({ description: 'the largest size of this log it cosigned' })),
      at: Nullable(Stamp),
      lastAttemptAt: Nullable(Stamp),
      lastError: Nullable(T.String({ description: 'why the last request failed' })),
      retryAt: Nullable(Stamp),
    },
    { $id: 'Cosigner' },
  ),
);

export const WitnessedLog = named(
  T.Object(
    {
      party: T.String(),
      origin: T.String(),
      size: T.Integer({ description: 'the latest checkpoint of its log this node cosigned' }),
      root: T.String({ description: 'base64' }),
      at: Stamp,
    },
    { $id: 'WitnessedLog' },
  ),
);

export const WitnessAlarm = named(
  T.Object(
    {
      peer: T.String(),
      kind: T.Union([T.Literal('split-view'), T.Literal('rollback')]),
      size: T.Integer(),
      root: T.String({ description: 'base64' }),
      problem: T.String(),
      at: Stamp,
      logIndex: T.Integer({ description: 'the witness.split-view entry that recorded it' }),
      note: T.String({ description: 'the checkpoint as the partner signed and presented it' }),
    },
    { $id: 'WitnessAlarm' },
  ),
);

export const Witnessing = named(
  T.Object(
    {
      intervalSeconds: Nullable(
        T.Integer({
          description: 'how often this node asks its peers to cosign (null: it does not)',
        }),
      ),
      cosigners: T.Array(ref(Cosigner)),
      witnessed: T.Array(ref(WitnessedLog)),
      alarms: T.Array(ref(WitnessAlarm), {
        description: 'newest first, at most 100',
      }),
    },
    { $id: 'Witnessing' },
  ),
);

export const WitnessedCheckpoint = named(
  T.Object(
    {
      checkpoint: Nullable(
        T.Object({
          size: T.Integer(),
          note: T.String({
            description:
              "the caller's checkpoint as it signed it, with this node's cosignature line",
          }),
          seenAt: Stamp,
        }),
      ),
    },
    { $id: 'WitnessedCheckpoint' },
  ),
);
