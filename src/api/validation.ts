// A request the schema refuses, told in words that name the field: `categories: give at
// least 1`, not Ajv's `body/categories must NOT have fewer than 1 items`. The CLI turns
// the field into its flag (`--category`), the console into its form label.
import { isObject } from '../core/guards.js';
import { RequestInvalid } from '../node/errors.js';

/** One Ajv error, as Fastify hands it over in `err.validation`. */
interface AjvError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly message?: string | undefined;
}

function isAjvError(e: unknown): e is AjvError {
  return (
    isObject(e) &&
    typeof e.instancePath === 'string' &&
    typeof e.keyword === 'string' &&
    isObject(e.params)
  );
}

/** `/rows/0/JP` → `rows.0.JP`; a missing or extra property is named under its object. */
function fieldOf(e: AjvError): string {
  const path = e.instancePath.split('/').filter(Boolean);
  const extra =
    e.keyword === 'required'
      ? e.params.missingProperty
      : e.keyword === 'additionalProperties'
        ? e.params.additionalProperty
        : undefined;
  if (typeof extra === 'string') path.push(extra);
  return path.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

/** The schemas' patterns in words; another is named as it is written. */
const PATTERN_WORDS: Readonly<Record<string, string>> = {
  '^[A-Za-z0-9][A-Za-z0-9._-]*$':
    'must be letters, digits, . _ or -, starting with a letter or digit',
  '^[A-Za-z0-9][A-Za-z0-9_-]*$': 'must be letters, digits, _ or -, starting with a letter or digit',
  '^[A-Z][A-Z0-9]{1,15}$': 'must be 2 to 16 capital letters or digits, starting with a letter',
  '^[^\\u0000-\\u001f]*$': 'must not hold control characters',
};

const typeWords = (t: unknown): string =>
  (Array.isArray(t) ? t : [t]).map((x) => TYPE_WORDS[String(x)] ?? String(x)).join(' or ');

const n = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/** What is wrong with the field, in words. */
function problem(e: AjvError, all: readonly AjvError[]): string {
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return 'is missing';
    case 'additionalProperties':
      return 'is not a field of this request';
    case 'minItems':
      return n(p.limit) === 1 ? 'give at least one' : `give at least ${n(p.limit)}`;
    case 'maxItems':
      return `give at most ${n(p.limit)}`;
    case 'minLength':
      return n(p.limit) === 1 ? 'must not be empty' : `must be at least ${n(p.limit)} characters`;
    case 'maxLength':
      return `must be at most ${n(p.limit)} characters`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `must be ${e.keyword === 'minimum' ? 'at least' : 'more than'} ${n(p.limit)}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `must be ${e.keyword === 'maximum' ? 'at most' : 'less than'} ${n(p.limit)}`;
    case 'type':
      return `must be ${typeWords(p.type)}`;
    case 'pattern':
      return (
        PATTERN_WORDS[String(p.pattern)] ?? `is not in the expected form (${String(p.pattern)})`
      );
    case 'format':
      return `is not a valid ${String(p.format)}`;
    case 'enum':
      return `must be one of: ${(Array.isArray(p.allowedValues) ? p.allowedValues : []).join(', ')}`;
    case 'const':
    case 'anyOf': {
      // A union of literals (or of types): every branch's error sits at the same path.
      const same = all.filter((x) => x.instancePath === e.instancePath);
      const values = same.flatMap((x) =>
        x.keyword === 'const' ? [String(x.params.allowedValue)] : [],
      );
      if (values.length > 0) return `must be one of: ${values.join(', ')}`;
      const types = same.flatMap((x) => (x.keyword === 'type' ? [x.params.type] : []));
      if (types.length > 0) return `must be ${types.map(typeWords).join(' or ')}`;
      return 'is not one of the accepted forms';
    }
    default:
      return e.message ?? 'is not valid';
  }
}

/**
 * The error a refused request gets, or null when `validation` is not Ajv's: the first
 * failure, its field named (in the body, the query or the path), in words.
 */
export function validationError(validation: unknown, context: unknown): RequestInvalid | null {
  if (!Array.isArray(validation)) return null;
  const all = validation.filter(isAjvError);
  // A union's branches fail first and the union after: speak of the union.
  const first = all.find((e) => e.keyword !== 'const' && e.keyword !== 'type') ?? all[0];
  if (first === undefined) return null;
  const union = all.find((e) => e.keyword === 'anyOf' && e.instancePath === first.instancePath);
  const e =
    union !== undefined && all.some((x) => x.instancePath === union.instancePath && x !== union)
      ? union
      : first;
  const field = fieldOf(e);
  const where = context === 'querystring' ? 'query' : context === 'params' ? 'path' : 'body';
  const words = problem(e, all);
  if (field === '') return new RequestInvalid('invalid-request', `the ${where} ${words}`);
  return new RequestInvalid(
    'invalid-request',
    `${where === 'body' ? '' : `${where} `}${field}: ${words}`,
    field,
  );
}
