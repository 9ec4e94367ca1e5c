// JSON columns: written as canonical JSON of a typed value by this node, read back as
// that type.
import { canonicalJson } from '../crypto/canonical-json.js';

/** Canonical JSON for a JSON column. */
export const json = (v: unknown): string => canonicalJson(v);

/** Reads a JSON column as the type it was written from. */
export function column<T>(text: string): T {
  // Safe: only this node writes its columns, from a value of type T (`json`), and
  // nothing a partner sends is stored before it is checked.
  return JSON.parse(text) as T;
}
