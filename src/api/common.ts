// What every route module shares: the typed Fastify instance, the authentication hook,
// and the request helpers (instants in and out, the authenticated actor, a page).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import { formatInstant, parseInstant, TimeFormatError } from '../core/index.js';
import { authenticate, type Credential } from '../node/auth.js';
import { AccessDenied, RequestInvalid } from '../node/errors.js';
import { type Actor, ROLES, type Role, requireRole } from '../node/roles.js';
import type { LiaisonNode } from '../node/service.js';
import { type Page, page } from '../node/visibility.js';
import { ErrorBody, ref } from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    credential?: Credential;
  }
}

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export type Hook = (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * An `onRequest` hook that lets only the given roles through. It runs before the body
 * is read or validated, so an unauthenticated request never learns what the schema
 * wants. An enrolment token (a sign-in still missing its second factor) passes only
 * where `enrol` is set.
 */
export type Auth = (roles: readonly Role[], options?: { readonly enrol?: boolean }) => Hook;

/** Every role (node/roles.ts's list). */
export const ALL_ROLES: readonly Role[] = ROLES;
export const READERS: readonly Role[] = ['officer', 'releasing-authority', 'security-officer'];

/** The bearer token of a request, or undefined. */
export function bearer(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  return header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header)?.[1];
}

export function makeAuth(node: LiaisonNode): Auth {
  return (roles, options = {}) =>
    async (req) => {
      const token = bearer(req);
      if (token === undefined)
        throw new AccessDenied('unauthenticated', 'send Authorization: Bearer <token>');
      const credential = await authenticate(node, token);
      if (credential.kind === 'enrol' && options.enrol !== true) {
        throw new AccessDenied(
          'forbidden',
          'this node requires a second factor: enrol one first (POST /v1/me/totp), then sign in again with its code',
        );
      }
      requireRole(credential.actor, roles);
      req.actor = credential.actor;
      req.credential = credential;
    };
}

/** An instant as RFC 3339 UTC, or null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : formatInstant(ms));

/** A request's instant field (RFC 3339 with offset), or null; a bad one is a 400 naming it. */
export function instant(text: string | null | undefined, field: string): number | null {
  if (text === null || text === undefined) return null;
  try {
    return parseInstant(text).ms;
  } catch (e) {
    if (e instanceof TimeFormatError)
      throw new RequestInvalid('invalid-request', `${field}: ${e.message}`, field);
    throw e;
  }
}

/** The authenticated actor of a request (set by the auth hook). */
/**
 * This node's base URL as the client reached it (scheme and Host), for links in what is
 * answered (a STIX artifact's url); a Host that is not a plain host[:port] is not echoed.
 */
export function baseUrlOf(req: FastifyRequest): string {
  const host = /^[A-Za-z0-9.[\]:-]{1,255}$/.test(req.host) ? req.host : 'localhost';
  return `${req.protocol}://${host}`;
}

export function actorOf(req: FastifyRequest): Actor {
  if (req.actor === undefined) throw new AccessDenied('unauthenticated', 'no credentials');
  return req.actor;
}

/** The authenticated credential of a request (set by the auth hook). */
export function credentialOf(req: FastifyRequest): Credential {
  if (req.credential === undefined) throw new AccessDenied('unauthenticated', 'no credentials');
  return req.credential;
}

/** `?limit=&offset=` of a listing: every listing pages, at most 200 a page. */
export const PageQuery = T.Object({
  limit: T.Optional(T.Integer({ minimum: 1, maximum: 200 })),
  offset: T.Optional(T.Integer({ minimum: 0, maximum: 1_000_000 })),
});

export function pageOf(q: { limit?: number | undefined; offset?: number | undefined }): Page {
  return page(q.limit, q.offset);
}

/** The error answers every route may give, for the OpenAPI document. */
const error = ref(ErrorBody);
export const ERRORS = {
  400: error,
  401: error,
  403: error,
  404: error,
  409: error,
  429: error,
} as const;
export type Errors = typeof ERRORS;
