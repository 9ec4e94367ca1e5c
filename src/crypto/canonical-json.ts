// RFC 8785 JSON Canonicalization Scheme: object members sorted by their names'
// UTF-16 code units, no white space, numbers and strings as ECMAScript prints them.
// What is signed or hashed is always this form.
import { LiaisonError } from '../core/errors.js';
import { isObject } from '../core/guards.js';

export class CanonicalJsonError extends LiaisonError<'not-canonical'> {
  override readonly name = 'CanonicalJsonError';
  readonly family = 'canonical-json';
  constructor(message: string) {
    super('not-canonical', message);
  }
}

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${value} has no JSON form`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          const v: unknown = value[i];
          s += v === undefined ? 'null' : write(v);
        }
        return `${s}]`;
      }
      if (!isObject(value)) throw new CanonicalJsonError(`cannot encode ${typeof value}`);
      const o = value;
      // The default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
      const keys = Object.keys(o).sort();
      let s = '{';
      let first = true;
      for (const k of keys) {
        const v = o[k];
        if (v === undefined) continue;
        if (!first) s += ',';
        first = false;
        s += `${JSON.stringify(k)}:${write(v)}`;
      }
      return `${s}}`;
    }
    default:
      throw new CanonicalJsonError(`a ${typeof value} has no JSON form`);
  }
}

export function canonicalJson(value: unknown): string {
  return write(value);
}
