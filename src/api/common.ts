// What every route module shares: the typed Fastify instance, the role check's
// shape, and the request helpers (instants in and out, the authenticated actor).
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
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
import { ApiError } from '../node/errors.js';
import type { Actor, Role } from '../node/operations.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** A preHandler that lets only the given roles through. */
export type Auth = (
  roles: readonly Role[],
) => (req: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** An instant as RFC 3339 UTC, or null. */
export const iso = (ms: number | null): string | null => (ms === null ? null : formatInstant(ms));

/** A request's instant field (RFC 3339 with offset), or null; a bad one is a 400 naming it. */
export function instant(text: string | null | undefined, field: string): number | null {
  if (text === null || text === undefined) return null;
  try {
    return parseInstant(text).ms;
  } catch (e) {
    if (e instanceof TimeFormatError)
      throw new ApiError('invalid-request', `${field}: ${e.message}`);
    throw e;
  }
}

/** The authenticated actor of a request (set by the auth preHandler). */
export function actorOf(req: FastifyRequest): Actor {
  if (req.actor === undefined) throw new ApiError('unauthenticated', 'no credentials');
  return req.actor;
}
