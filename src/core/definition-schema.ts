// An agreement's definition as data (RULES §2): the one schema of its shape. The core
// takes its type from it; the API takes its request body and answer from it; a
// partner's proposal is checked against it before anyone signs. What the schema
// cannot say (parties known, rows covering each party's scheme, durations and
// instants that parse) the core checks when it compiles the text.
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** An id: letters, digits, '.', '_' and '-', starting with a letter or digit. */
export const IdSchema = T.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
});
/** A marking code of a party's scheme. */
export const CodeSchema = T.String({
  minLength: 1,
  maxLength: 32,
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$',
});
export const CategorySchema = T.String({ minLength: 1, maxLength: 64 });
export const PartyCodeSchema = T.String({ pattern: '^[A-Z][A-Z0-9]{1,15}$' });
export const InstantText = T.String({
  description: 'RFC 3339 instant with a UTC offset',
  maxLength: 40,
});
export const DurationText = T.String({
  minLength: 2,
  maxLength: 40,
  description: 'ISO 8601 duration, e.g. P1Y, P90D',
});

export const ARTICLE_TOPICS = [
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
/** What an article reference can be about; templates map each to their article. */
export type ArticleTopic = (typeof ARTICLE_TOPICS)[number];

export const ASSUMED_PARTS = ['rows', 'noticePeriod', 'articles'] as const;
/** Parts of a definition that can rest on an assumption. */
export type AssumedPart = (typeof ASSUMED_PARTS)[number];

const literals = <L extends string>(list: readonly L[]) => T.Union(list.map((l) => T.Literal(l)));

/** One row of an equivalence table: the codes of each party that are equivalent. */
export const EquivalenceRowSchema = T.Record(
  PartyCodeSchema,
  T.Array(CodeSchema, { minItems: 1, maxItems: 16 }),
  { minProperties: 2, maxProperties: 16 },
);

export const TopologySchema = T.Union([
  T.Object({ kind: T.Literal('mesh') }, { additionalProperties: false }),
  T.Object({ kind: T.Literal('hub'), hub: PartyCodeSchema }, { additionalProperties: false }),
]);

export const AgreementDefinitionSchema = T.Object(
  {
    id: IdSchema,
    title: T.Optional(T.String({ maxLength: 300 })),
    parties: T.Array(PartyCodeSchema, { minItems: 2, maxItems: 16 }),
    rows: T.Array(EquivalenceRowSchema, { maxItems: 64 }),
    /** Categories covered; absent = all categories. */
    scope: T.Optional(T.Array(CategorySchema, { minItems: 1, maxItems: 256 })),
    topology: TopologySchema,
    /** RFC 3339 with an explicit offset. */
    entryIntoForce: InstantText,
    /** ISO 8601 duration; absent = indefinite. */
    initialTerm: T.Optional(DurationText),
    /** ISO 8601 duration; absent = no automatic renewal. */
    renewalTerm: T.Optional(DurationText),
    noticePeriod: DurationText,
    /** IANA zone in which calendar arithmetic happens (RULES L2). */
    timezone: T.String({ minLength: 1, maxLength: 64, description: 'IANA time zone' }),
    articles: T.Optional(
      T.Partial(
        T.Object(Object.fromEntries(ARTICLE_TOPICS.map((k) => [k, T.String({ maxLength: 200 })])), {
          additionalProperties: false,
        }),
      ),
    ),
    /** Where the definition rests on this product's assumption rather than public text. */
    assumptions: T.Optional(T.Array(T.String({ maxLength: 500 }), { maxItems: 32 })),
    /** Which parts are assumed, so that decisions resting on them say so where shown. */
    assumed: T.Optional(T.Array(literals(ASSUMED_PARTS), { maxItems: 3 })),
  },
  { additionalProperties: false },
);

/** A value of a schema's type as the core keeps it: nothing in it changes. */
type Frozen<V> = V extends readonly (infer U)[]
  ? readonly Frozen<U>[]
  : V extends object
    ? { readonly [K in keyof V]: Frozen<V[K]> }
    : V;

export type Topology = Frozen<Static<typeof TopologySchema>>;
export type EquivalenceRow = Frozen<Static<typeof EquivalenceRowSchema>>;
export type AgreementDefinition = Frozen<
  Omit<Static<typeof AgreementDefinitionSchema>, 'articles'> & {
    articles?: Partial<Record<ArticleTopic, string>>;
  }
>;

/** Whether `v` has the shape of an agreement's definition (the core checks the rest). */
export function isAgreementDefinition(v: unknown): v is AgreementDefinition {
  return Value.Check(AgreementDefinitionSchema, v);
}

/** The first place where `v` departs from `schema`, as a path and a message. */
export function firstSchemaError(
  schema: TSchema,
  v: unknown,
): { path: string; message: string } | null {
  const e = Value.Errors(schema, v).First();
  return e === undefined ? null : { path: e.path, message: e.message };
}
