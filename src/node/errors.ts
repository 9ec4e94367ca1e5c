// ApiError: the node's one error family for requests. Each has a stable code and an
// HTTP status; the API turns it into {"error": {"code", "message"}} in one place.
import { type Decision, DefinitionError, type DenyCode, type Reason } from '../core/index.js';

export const API_ERROR_STATUS = {
  'invalid-request': 400,
  'malformed-json': 400,
  'body-too-large': 413,
  unsupported: 415,
  unauthenticated: 401,
  'token-expired': 401,
  'token-revoked': 401,
  forbidden: 403,
  denied: 403,
  'not-found': 404,
  'unknown-item': 404,
  'unknown-user': 404,
  'unknown-agreement': 404,
  'unknown-token': 404,
  'unknown-marking': 400,
  conflict: 409,
  'no-peer': 409,
  'fingerprint-mismatch': 409,
  // The partner's node did not answer: a failed dependency, not this node failing.
  'peer-unreachable': 424,
  unsigned: 401,
  'bad-signature': 401,
  'stale-request': 401,
  'replayed-request': 401,
  'unknown-peer': 401,
  'malformed-message': 400,
  'oversize-request': 413,
  'item-too-large': 413,
  'not-ready': 503,
  'too-many-requests': 429,
  'totp-required': 401,
  // A password or code given in a body is wrong (the request's own token is fine).
  'wrong-password': 403,
  busy: 429,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    /** An ApiErrorCode, or for a policy denial the RULES reason code of its first reason. */
    readonly code: ApiErrorCode | DenyCode,
    message: string,
    /** For policy denials: the decision's reasons, first first. */
    readonly reasons?: readonly Reason[],
    /** For 429: seconds until a retry may succeed (the Retry-After header). */
    readonly extra: { readonly retryAfter?: number } = {},
  ) {
    super(message);
    this.status = code in API_ERROR_STATUS ? API_ERROR_STATUS[code as ApiErrorCode] : 403;
  }
}

/** A policy denial as an error: 403, the first reason's code, every reason attached. */
export function deniedBy(d: Decision): ApiError {
  const first = d.reasons[0];
  const code = (first?.code ?? 'denied') as DenyCode;
  return new ApiError(code, first?.message ?? 'denied', d.reasons);
}

/** A core DefinitionError as a 400 naming the field; anything else is rethrown. */
export function definitionError(e: unknown): never {
  if (e instanceof DefinitionError) {
    throw new ApiError(
      'invalid-request',
      `${e.path.length > 0 ? `${e.path.join('.')}: ` : ''}${e.message}`,
    );
  }
  throw e;
}
