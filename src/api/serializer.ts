// How Fastify turns a route's answer schema into its serializer (fast-json-stringify,
// which sends only the fields a schema names). Fastify's own factory hands every
// route's every status code all the named schemas, and fast-json-stringify checks
// each of them again on every build: about 600 builds over ~100 named schemas made a
// node spend 2–3 s of CPU and ~60 MB of short-lived heap at start-up, which V8 kept as
// resident memory afterwards (decision #163). This factory gives a build only the named
// schemas its schema reaches through `$ref`, and builds each distinct schema once
// (the error answer, shared by every route, is one build, not ~500).
import fastJsonStringify, { type Options } from 'fast-json-stringify';

type Schema = Record<string, unknown>;
type Serializer = (data: unknown) => string;
type FjsSchema = Parameters<typeof fastJsonStringify>[0];

/** The `$id`s a schema refers to (`{"$ref": "Item"}` or `"Item#/…"`), at any depth. */
function refsIn(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, into);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string') {
      const id = v.split('#')[0] ?? '';
      if (id !== '') into.add(id);
    } else refsIn(v, into);
  }
}

/** The named schemas `schema` reaches, directly or through one another. */
export function reachable(schema: unknown, named: Readonly<Record<string, unknown>>): Schema {
  const found = new Set<string>();
  refsIn(schema, found);
  const out: Schema = {};
  const todo = [...found];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    const s = named[id];
    if (s === undefined || id in out) continue;
    out[id] = s;
    const next = new Set<string>();
    refsIn(s, next);
    for (const n of next) if (!(n in out)) todo.push(n);
  }
  return out;
}

/** Fastify's `schemaController.compilersFactory.buildSerializer`. */
export function buildSerializer(
  externalSchemas?: unknown,
  serializerOpts?: Options,
): (route: { schema?: unknown }) => Serializer {
  // Fastify hands the schema bucket's contents: an object of named schemas by $id.
  const named = (externalSchemas ?? {}) as Readonly<Record<string, unknown>>;
  const opts = serializerOpts ?? {};
  const built = new Map<string, Serializer>();
  return ({ schema }) => {
    const key = JSON.stringify(schema ?? {});
    let s = built.get(key);
    if (s === undefined) {
      const externals = reachable(schema, named);
      // A named schema answered whole is built from itself, not as its own external.
      const id = typeof schema === 'object' && schema !== null ? Reflect.get(schema, '$id') : null;
      if (typeof id === 'string') delete externals[id];
      // Fastify's route schemas and named schemas are JSON schemas (TypeBox), what fjs takes;
      // fjs's answer is a function of one value to a string, whatever its generic type says.
      s = fastJsonStringify(schema as FjsSchema, {
        ...opts,
        schema: externals as Record<string, FjsSchema>, // named schemas: JSON schemas too
      }) as Serializer;
      built.set(key, s);
    }
    return s;
  };
}
