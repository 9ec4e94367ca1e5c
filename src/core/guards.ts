// Small checks that let the compiler see what the code knows, without casts.

/** Whether `s` is one of `list` (a union of string literals). */
export function oneOf<T extends string>(list: readonly T[], s: unknown): s is T {
  return list.some((x) => x === s);
}

/**
 * `v`, known to be there (an index into a list checked non-empty, a key set just
 * before): an invariant, not input. Throws if the invariant is broken.
 */
export function defined<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new RangeError(`internal: ${what} is missing`);
  return v;
}

/** What went wrong, from anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Whether `v` is a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
