// The node's error families: what a request to a node can fail with, each a fixed
// union of codes (README "The HTTP API" lists them). No HTTP here: the API maps
// families and codes to statuses in one table (src/api/errors.ts).
import {
  DENY_CODES,
  type Decision,
  DefinitionError,
  type DenyCode,
  LiaisonError,
  oneOf,
  type Reason,
} from '../core/index.js';

/** The request itself is wrong: its shape, a value, its size. */
export type RequestCode =
  | 'invalid-request'
  | 'malformed-json'
  | 'body-too-large'
  | 'unsupported'
  | 'unknown-marking'
  | 'item-too-large';
export class RequestInvalid extends LiaisonError<RequestCode> {
  override readonly name = 'RequestInvalid';
  readonly family = 'request';
  constructor(
    code: RequestCode,
    message: string,
    /** The request field at fault (`categories`, `rows.0.JP`, `limit`), when one is. */
    readonly field: string | null = null,
  ) {
    super(code, message);
  }
}

/** Who is asking, and whether they may ask this at all. */
export type AccessCode =
  | 'unauthenticated'
  | 'token-expired'
  | 'token-revoked'
  | 'totp-required'
  | 'forbidden'
  | 'wrong-password';
export class AccessDenied extends LiaisonError<AccessCode> {
  override readonly name = 'AccessDenied';
  readonly family = 'access';
}

/** What the request names does not exist (or is not shown to this person, RULES V1). */
export type NotFoundCode =
  | 'not-found'
  | 'unknown-item'
  | 'unknown-user'
  | 'unknown-agreement'
  | 'unknown-token'
  | 'unknown-consent';
export class NotFound extends LiaisonError<NotFoundCode> {
  override readonly name = 'NotFound';
  readonly family = 'not-found';
}

/** The request clashes with the node's state (an id that exists, a change already decided). */
export class Conflict extends LiaisonError<'conflict'> {
  override readonly name = 'Conflict';
  readonly family = 'conflict';
  constructor(message: string) {
    super('conflict', message);
  }
}

/** Too much, too fast: try again after `retryAfter` seconds. */
export class LimitReached extends LiaisonError<'too-many-requests' | 'busy'> {
  override readonly name = 'LimitReached';
  readonly family = 'limit';
  constructor(
    code: 'too-many-requests' | 'busy',
    message: string,
    readonly retryAfter: number,
  ) {
    super(code, message);
  }
}

/** The rules refuse: a docs/rules.md reason code, with the decision's reasons. */
export class PolicyDenied extends LiaisonError<DenyCode> {
  override readonly name = 'PolicyDenied';
  readonly family = 'policy';
  constructor(
    code: DenyCode,
    message: string,
    readonly reasons: readonly Reason[] = [],
  ) {
    super(code, message);
  }
}

/** The node cannot answer (its store is down) or failed on its own. */
export class Unavailable extends LiaisonError<'not-ready' | 'internal'> {
  override readonly name = 'Unavailable';
  readonly family = 'unavailable';
}

/** A policy denial as an error: the first reason's code, every reason attached. */
export function deniedBy(d: Decision): PolicyDenied {
  const first = d.reasons[0];
  // A deny decision always has a first reason, with a deny code.
  const code: DenyCode =
    first !== undefined && oneOf(DENY_CODES, first.code) ? first.code : 'not-held';
  return new PolicyDenied(code, first?.message ?? 'denied', d.reasons);
}

/** A core DefinitionError as a request error naming the field; anything else is rethrown. */
export function definitionError(e: unknown): never {
  if (e instanceof DefinitionError) {
    const field = e.path.join('.');
    throw new RequestInvalid(
      'invalid-request',
      `${field === '' ? '' : `${field}: `}${e.message}`,
      field === '' ? null : field,
    );
  }
  throw e;
}
