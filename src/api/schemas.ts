// One TypeBox schema per message: Fastify validates with it at the edge, serializes
// answers with it (listing every field: what a schema does not name is not sent),
// the OpenAPI document is generated from it, and TypeScript types come from it
// (`Static<>` here, openapi-typescript in the console). This file holds what every
// domain shares; each domain's bodies and answers are in its own *-schemas.ts.
//
// Answers are named: `named` gives a schema its place in the document's
// components.schemas (the console's type names), and `ref` points to it. Request
// bodies stay inline, so that a client (and the fuzz test) reads them whole.
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { CategorySchema, CodeSchema, IdSchema, InstantText } from '../core/index.js';
import { ROLES, type Role } from '../node/roles.js';

const NAMED = new Map<string, TSchema>();

/** Registers a schema that carries a `$id` as a component of the OpenAPI document. */
export function named<S extends TSchema>(schema: S): S {
  const id = schema.$id;
  if (id === undefined) throw new Error('a named schema needs a $id');
  if (NAMED.has(id)) throw new Error(`two schemas named ${id}`);
  NAMED.set(id, schema);
  return schema;
}

/** Every named schema, for `app.addSchema` (server.ts). */
export const namedSchemas = (): TSchema[] => [...NAMED.values()];

/** A value of schema type T as a handler may build it: readonly arrays and fields welcome. */
type Answer<T> = T extends readonly (infer U)[]
  ? readonly Answer<U>[]
  : T extends object
    ? { readonly [K in keyof T]: Answer<T[K]> }
    : T;

/** A reference to a named schema, typed as (an answer of) the schema it points to. */
export function ref<S extends TSchema>(schema: S) {
  const id = schema.$id;
  if (id === undefined || NAMED.get(id) !== schema)
    throw new Error(`${id ?? 'a schema'} is not named`);
  return T.Unsafe<Answer<Static<S>>>(T.Ref(id));
}

/** A value or null. */
export const Nullable = <S extends TSchema>(s: S) => T.Union([s, T.Null()]);

/** An object whose keys are free (party ids, argument names) and whose values share one shape. */
export const MapOf = <S extends TSchema>(s: S, description?: string) =>
  T.Record(T.String(), s, description === undefined ? {} : { description });

// ------------------------------------------------------------------ request fields

export const Id = IdSchema;
export const Code = CodeSchema;
export const Category = CategorySchema;
export const Instant = InstantText;

/** An instant in an answer: RFC 3339, UTC. */
export const Stamp = T.String({ description: 'RFC 3339 instant, UTC' });

/** A role, as a request names it (node/roles.ts's ROLES is the one list). */
const roleSchema = (options: { $id?: string } = {}) =>
  T.Unsafe<Role>({ type: 'string', enum: [...ROLES], ...options });

export const Roles = T.Array(roleSchema(), { maxItems: ROLES.length });

export const IdParams = T.Object({ id: T.String({ minLength: 1, maxLength: 200 }) });

export const AtQuery = T.Object({ at: T.Optional(Instant) });

export const Text = T.String();

// ------------------------------------------------------------------ shared answers

export const RoleName = named(roleSchema({ $id: 'Role' }));

export const Reason = named(
  T.Object(
    {
      code: T.String({ description: 'a docs/rules.md reason code' }),
      rule: Nullable(T.String({ description: 'the docs/rules.md rule id (e.g. R4)' })),
      message: T.String(),
      ref: T.Optional(T.String({ description: 'agreement id and article' })),
      agreement: T.Optional(T.String()),
      party: T.Optional(T.String()),
    },
    { $id: 'Reason' },
  ),
);

export const ErrorBody = named(
  T.Object(
    {
      error: T.Object({
        code: T.String({
          description: 'a stable code: see the API documentation, or a docs/rules.md reason code',
        }),
        message: T.String(),
        field: T.Optional(
          T.String({
            description:
              'a refused request: the field at fault, as a path in the body or query (`categories`, `rows.0.JP`, `limit`)',
          }),
        ),
        reasons: T.Optional(T.Array(ref(Reason))),
      }),
    },
    { $id: 'Error' },
  ),
);

/** A classification marking in one party's scheme: `name` native, `en` its English gloss. */
export const Marking = named(
  T.Object(
    { party: T.String(), code: T.String(), name: T.String(), en: T.String() },
    { $id: 'Marking' },
  ),
);

/** A recipient's marking with the originator's beside it (RULES R5). */
export const MarkingPair = named(
  T.Object(
    {
      party: T.String(),
      code: T.String(),
      name: T.String(),
      en: T.String(),
      originator: ref(Marking),
    },
    { $id: 'MarkingPair' },
  ),
);

export const Decision = T.Union([T.Literal('allow'), T.Literal('deny')]);

export const DecisionView = named(
  T.Object({ decision: Decision, reasons: T.Array(ref(Reason)) }, { $id: 'DecisionView' }),
);

export const NoticeState = named(
  T.Object(
    { by: T.String(), receivedAt: Stamp, target: Stamp, suspended: T.Boolean() },
    { $id: 'NoticeState' },
  ),
);
