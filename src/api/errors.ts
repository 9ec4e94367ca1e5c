// Every failure as the answer a client gets: {"error": {"code", "message"[, "reasons"]}}
// with an HTTP status. The one table from error families and codes to statuses.
import { type ErrorFamily, LiaisonError } from '../core/index.js';
import { StixInvalid } from '../interop/errors.js';
import {
  LimitReached,
  NotFound,
  PolicyDenied,
  RequestInvalid,
  Unavailable,
} from '../node/errors.js';
import { validationError } from './validation.js';

/** Statuses by family (every one); a code listed in BY_CODE overrides its family's. */
const BY_FAMILY: Readonly<Record<ErrorFamily, number>> = {
  request: 400,
  definition: 400,
  scenario: 400,
  alert: 400,
  stix: 400,
  time: 400,
  'canonical-json': 400,
  // A signed object or a note the client gave that does not open.
  jose: 400,
  note: 400,
  access: 403,
  'not-found': 404,
  conflict: 409,
  limit: 429,
  policy: 403,
  federation: 409,
  identity: 409,
  message: 400,
  'request-signature': 401,
  unavailable: 503,
  // The node's own keys, store or setup: this node cannot serve now.
  keys: 503,
  store: 503,
  setup: 503,
  // The CLI's own families never reach the API.
  usage: 500,
  remote: 500,
  unreachable: 500,
};

const BY_CODE: Readonly<Record<string, number>> = {
  // A policy decision whose first reason is an unknown id names a missing thing.
  'unknown-item': 404,
  'unknown-user': 404,
  'unknown-agreement': 404,
  'unknown-consent': 404,
  'unknown-marking': 400,
  // A STIX import of another party's content: this party may not become its originator.
  'foreign-originator': 403,
  'body-too-large': 413,
  'item-too-large': 413,
  unsupported: 415,
  unauthenticated: 401,
  'token-expired': 401,
  'token-revoked': 401,
  'totp-required': 401,
  // The partner's node did not answer: a failed dependency, not this node failing.
  'peer-unreachable': 424,
  'oversize-request': 413,
  'malformed-message': 400,
  unsigned: 401,
  'bad-signature': 401,
  'stale-request': 401,
  'replayed-request': 401,
  'unknown-peer': 401,
  // A signed request captured on its way to another node and replayed here.
  'wrong-authority': 401,
  internal: 500,
};

function statusOf(e: LiaisonError): number {
  return BY_CODE[e.code] ?? BY_FAMILY[e.family] ?? 500;
}

export interface ErrorAnswer {
  readonly status: number;
  readonly retryAfter: number | null;
  readonly body: {
    error: { code: string; message: string; field?: string; reasons?: unknown };
  };
}

export function answer(e: LiaisonError): ErrorAnswer {
  const body: ErrorAnswer['body'] = { error: { code: e.code, message: e.message } };
  if (e instanceof PolicyDenied && e.reasons.length > 0) body.error.reasons = e.reasons;
  if (e instanceof RequestInvalid && e.field !== null) body.error.field = e.field;
  if (e instanceof StixInvalid && e.path !== '') body.error.field = e.path;
  return {
    status: statusOf(e),
    retryAfter: e instanceof LimitReached ? e.retryAfter : null,
    body,
  };
}

/** Any failure as one of ours: ours as is, Fastify's by its code; null when it is a fault. */
export function fromFramework(
  err: Error & {
    code?: string;
    statusCode?: number;
    validation?: unknown;
    validationContext?: unknown;
  },
  bodyLimit: number,
): LiaisonError | null {
  if (err instanceof LiaisonError) return err;
  if (err.validation !== undefined)
    return (
      validationError(err.validation, err.validationContext) ??
      new RequestInvalid('invalid-request', err.message)
    );
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new RequestInvalid(
        'body-too-large',
        `the request body is larger than ${bodyLimit} bytes`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new RequestInvalid('unsupported', 'send JSON (Content-Type: application/json)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new RequestInvalid('malformed-json', 'the request body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return new RequestInvalid('invalid-request', 'the URL is malformed');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new RequestInvalid('invalid-request', 'the Content-Length does not match the body');
  }
  if (err instanceof SyntaxError)
    return new RequestInvalid('malformed-json', 'the request body is not valid JSON');
  // Fastify's other client errors: keep the status class, never its internals.
  if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
    if (err.statusCode === 404) return new NotFound('not-found', 'not found');
    if (err.statusCode === 413)
      return new RequestInvalid('body-too-large', 'the request is too large');
    if (err.statusCode === 415)
      return new RequestInvalid('unsupported', 'send JSON (Content-Type: application/json)');
    return new RequestInvalid('invalid-request', 'the request is malformed');
  }
  return null;
}

/** A fault of the node's own: logged there, told as `internal` without detail. */
export const INTERNAL = new Unavailable('internal', 'internal error; the node logged it');
