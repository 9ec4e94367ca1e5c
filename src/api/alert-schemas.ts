// FLASH alerts: sending one, the alert as officers see it, acknowledgements, and each
// party's delivery at the originator. The payload's schema is the alerts' own
// (src/alerts/model.ts); here it is named for the OpenAPI document.
import { Type as T } from '@sinclair/typebox';
import { AlertInputSchema, AlertPayloadSchema } from '../alerts/model.js';
import { AlertRelease } from './federation-schemas.js';
import { Marking, Nullable, named, ref } from './schemas.js';

const PartyList = T.Array(T.String({ minLength: 1, maxLength: 32 }), { maxItems: 64 });

export const SendBody = T.Object(
  {
    preset: T.Optional(T.Literal('launch', { description: 'send the realistic launch sample' })),
    alert: T.Optional(
      T.Object(
        {},
        {
          additionalProperties: true,
          description:
            'the alert (components.schemas.AlertInput), checked by the node, which names the field it refuses',
        },
      ),
    ),
    marking: T.Optional(T.String({ minLength: 1, maxLength: 64 })),
    categories: T.Optional(
      T.Array(T.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 64 }),
    ),
    releasableTo: T.Optional(PartyList),
    to: T.Optional(PartyList),
    ackWithinSeconds: T.Optional(T.Integer({ minimum: 1, maximum: 86_400 })),
  },
  { additionalProperties: false },
);

export const AlertInput = named(
  T.Object(AlertInputSchema.properties, {
    $id: 'AlertInput',
    additionalProperties: false,
    description: 'what an officer writes (or the launch preset supplies): the warning fields',
  }),
);

export const AlertPayload = named(
  T.Object(AlertPayloadSchema.properties, {
    $id: 'AlertPayload',
    additionalProperties: false,
    description: 'the payload as it travels and is stored: every field filled, instants in UTC',
  }),
);

const viewFields = {
  id: T.String(),
  originator: T.String(),
  precedence: T.String(),
  marking: ref(Marking),
  originatorMarking: ref(Marking),
  categories: T.Array(T.String()),
  title: T.String(),
  alert: ref(AlertPayload),
  receivedAt: T.String(),
  supersededBy: Nullable(T.String()),
  escalations: T.Integer(),
  acknowledgedHere: T.Optional(
    T.Boolean({
      description: 'in lists: whether an officer of this party has acknowledged it',
    }),
  ),
};

export const AlertView = named(T.Object(viewFields, { $id: 'AlertView' }));

export const AckView = named(
  T.Object(
    { party: T.String(), user: T.String(), at: T.String(), receivedAt: T.String() },
    { $id: 'AckView' },
  ),
);

const PartyStatus = named(
  T.Object(
    {
      party: T.String(),
      delivery: Nullable(
        T.String({ description: "the envelope's state: pending, delivered, refused, withheld" }),
      ),
      deliveredAt: Nullable(T.String()),
      firstAckAt: Nullable(T.String()),
      acks: T.Integer(),
    },
    { $id: 'PartyStatus' },
  ),
);

export const AlertDetail = named(
  T.Object(
    {
      ...viewFields,
      acks: T.Array(ref(AckView)),
      parties: T.Array(ref(PartyStatus), {
        description: 'at the originator: each party it was released to',
      }),
      logIndex: T.Integer({ description: 'where this read is logged' }),
    },
    { $id: 'AlertDetail' },
  ),
);

export const AckResult = named(
  T.Object(
    {
      item: T.String(),
      party: T.String(),
      user: T.String(),
      at: T.String(),
      sentTo: Nullable(
        T.String({ description: 'the originator it was sent to; null at the originator' }),
      ),
      already: T.Boolean(),
    },
    { $id: 'AckResult' },
  ),
);

export const SentAlert = named(
  T.Object(
    { id: T.String(), alert: ref(AlertView), releases: T.Array(ref(AlertRelease)) },
    { $id: 'SentAlert' },
  ),
);
