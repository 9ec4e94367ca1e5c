// The console's HTTP client: relative URLs (the node serves the console at `/`, same
// origin as the API), a bearer token, and one error type for every failure.
import type { ErrorBody, Reason } from './types';

/** A refused or failed request: the node's error code and message (and RULES reasons). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the node could not be reached. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly reasons: readonly Reason[] = [],
    /** For 429: seconds until a retry may succeed (the Retry-After header), when given. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

function isErrorBody(x: unknown): x is ErrorBody {
  if (typeof x !== 'object' || x === null || !('error' in x)) return false;
  const e = (x as { error: unknown }).error;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as { code?: unknown }).code === 'string' &&
    typeof (e as { message?: unknown }).message === 'string'
  );
}

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

function withQuery(path: string, query?: Query): string {
  if (query === undefined) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}

export interface Client {
  readonly token: string;
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
}

/** Called when the node says the token is no longer good (401). */
export type OnUnauthenticated = (error: ApiError) => void;

/** Seconds from a Retry-After header (seconds, or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

async function request<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  token: string | null,
  body: unknown,
  onUnauthenticated?: OnUnauthenticated,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const init: RequestInit = { method, headers, cache: 'no-store', credentials: 'omit' };
  if (signal !== undefined) init.signal = signal;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  const text = await res.text();
  let json: unknown = null;
  if (text !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
  }
  if (!res.ok) {
    const retryAfter =
      res.status === 429 ? retryAfterSeconds(res.headers.get('retry-after')) : null;
    const err = isErrorBody(json)
      ? new ApiError(
          res.status,
          json.error.code,
          json.error.message,
          json.error.reasons ?? [],
          retryAfter,
        )
      : new ApiError(
          res.status,
          `http-${res.status}`,
          res.statusText || `HTTP ${res.status}`,
          [],
          retryAfter,
        );
    if (res.status === 401 && onUnauthenticated !== undefined) onUnauthenticated(err);
    throw err;
  }
  return json as T;
}

export function createClient(token: string, onUnauthenticated?: OnUnauthenticated): Client {
  return {
    token,
    get: <T>(path: string, query?: Query) =>
      request<T>('GET', withQuery(path, query), token, undefined, onUnauthenticated),
    post: <T>(path: string, body?: unknown) =>
      request<T>('POST', path, token, body ?? {}, onUnauthenticated),
    put: <T>(path: string, body: unknown) =>
      request<T>('PUT', path, token, body, onUnauthenticated),
  };
}

/** The most a listing gives in one page (`?limit=`; a larger limit is refused). */
export const PAGE_SIZE = 200;
/** The most pages `getAll` asks for: a bound on what one screen loads. */
export const MAX_PAGES = 25;

/**
 * Every row of a listing that pages (`?limit=&offset=`): PAGE_SIZE at a time, until a
 * short page or `maxPages` pages. The node counts the offset over what the caller may
 * see; a row that arrived between two pages can show up twice, so rows with a `key`
 * already seen are dropped.
 */
export async function getAll<T>(
  client: Pick<Client, 'get'>,
  path: string,
  query: Query = {},
  options: { readonly key?: (row: T) => string; readonly maxPages?: number } = {},
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  const maxPages = options.maxPages ?? MAX_PAGES;
  for (let page = 0; page < maxPages; page++) {
    const rows = await client.get<T[]>(path, {
      ...query,
      limit: PAGE_SIZE,
      offset: page * PAGE_SIZE,
    });
    for (const r of rows) {
      if (options.key !== undefined) {
        const k = options.key(r);
        if (seen.has(k)) continue;
        seen.add(k);
      }
      out.push(r);
    }
    if (rows.length < PAGE_SIZE) break;
  }
  return out;
}

/**
 * One chunk of a listing that pages: `limit` rows (at most PAGE_SIZE) from `offset`,
 * in the node's order. The console's pages ask for a chunk only when the page on screen
 * needs it (components/Pager.tsx).
 */
export function getChunk<T>(
  client: Pick<Client, 'get'>,
  path: string,
  query: Query,
  offset: number,
  limit: number = PAGE_SIZE,
): Promise<T[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_SIZE)
    throw new RangeError(`limit must be 1 to ${PAGE_SIZE}, got ${limit}`);
  if (!Number.isInteger(offset) || offset < 0)
    throw new RangeError(`offset must be a whole number, got ${offset}`);
  return client.get<T[]>(path, { ...query, limit, offset });
}

/** A request before signing in (POST /v1/session). */
export function postAnonymous<T>(path: string, body: unknown): Promise<T> {
  return request<T>('POST', path, null, body);
}

/**
 * A DELETE with a token and a time limit, without the 401 handler (sign-out: the
 * token is about to be forgotten whatever the node answers).
 */
export function deleteWithToken(path: string, token: string, timeoutMs = 5000): Promise<void> {
  return request<void>('DELETE', path, token, undefined, undefined, AbortSignal.timeout(timeoutMs));
}

/** The node has no such route yet (an older node): 404 with code not-found. */
export const isMissingRoute = (e: unknown): boolean =>
  e instanceof ApiError && e.status === 404 && e.code === 'not-found';

export const enc = encodeURIComponent;
