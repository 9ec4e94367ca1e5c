// Paging a listing in the console, pure: the rows loaded so far from the node (asked
// `?limit=&offset=` a chunk at a time, only as far as the page on screen needs), the
// filtered rows, and the window of one page of them. The hook that drives it is
// components/Pager.tsx.

/** The rows of a listing loaded so far, in the node's order. */
export interface Loaded<T> {
  readonly rows: readonly T[];
  /** The keys of `rows`: a row seen twice (rows arrived between two chunks) is dropped. */
  readonly keys: ReadonlySet<string>;
  /** The next offset to ask the node for (counts every row it gave, duplicates too). */
  readonly offset: number;
  /** The node has no more rows (its last chunk was short). */
  readonly complete: boolean;
}

export const nothingLoaded = <T>(): Loaded<T> => ({
  rows: [],
  keys: new Set(),
  offset: 0,
  complete: false,
});

/** `loaded` with one more chunk: the node's answer to `?limit=${limit}&offset=${loaded.offset}`. */
export function addChunk<T>(
  loaded: Loaded<T>,
  chunk: readonly T[],
  limit: number,
  key: (row: T) => string,
): Loaded<T> {
  const rows = [...loaded.rows];
  const keys = new Set(loaded.keys);
  for (const r of chunk) {
    const k = key(r);
    if (keys.has(k)) continue;
    keys.add(k);
    rows.push(r);
  }
  return { rows, keys, offset: loaded.offset + chunk.length, complete: chunk.length < limit };
}

/** One page of the matching rows, and what the pager says of it. */
export interface PageWindow {
  /** The page shown, from 1 (a page past the last, once every row is known, is the last). */
  readonly page: number;
  /** The first and last row on the page, counted from 1; both 0 when it is empty. */
  readonly from: number;
  readonly to: number;
  /** Matching rows known so far; the total once `complete`. */
  readonly matched: number;
  readonly complete: boolean;
  readonly hasPrev: boolean;
  readonly hasNext: boolean;
  /** The last page, once every row is known. */
  readonly last: number | null;
  /**
   * More rows must be loaded before this page can be shown in full (or before it is
   * known whether another page follows).
   */
  readonly needMore: boolean;
}

export function pageWindow(
  matched: number,
  complete: boolean,
  requested: number,
  pageSize: number,
): PageWindow {
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
  const last = complete ? Math.max(1, Math.ceil(matched / pageSize)) : null;
  const wanted = Number.isInteger(requested) && requested >= 1 ? requested : 1;
  const page = last === null ? wanted : Math.min(wanted, last);
  const first = (page - 1) * pageSize;
  const from = matched > first ? first + 1 : 0;
  const to = from === 0 ? 0 : Math.min(matched, first + pageSize);
  // One row past the page says whether a next page exists.
  const needMore = !complete && matched < first + pageSize + 1;
  return {
    page,
    from,
    to,
    matched,
    complete,
    hasPrev: page > 1,
    hasNext: matched > first + pageSize,
    last,
    needMore,
  };
}

/**
 * The log read newest first, a chunk at a time: the `start` and `limit` of
 * /v1/log/entries for rows [offset, offset + limit) counted from the newest of a log
 * of `size` entries. `limit` 0 means nothing is left.
 */
export function logChunk(
  size: number,
  offset: number,
  limit: number,
): { readonly start: number; readonly limit: number } {
  const end = Math.max(0, size - offset);
  const start = Math.max(0, end - limit);
  return { start, limit: end - start };
}

/** A page number from the fragment's query (`?page=3`): 1 when absent or not a page. */
export function pageParam(value: string | null): number {
  if (value === null || !/^[1-9]\d{0,5}$/.test(value)) return 1;
  return Number(value);
}
