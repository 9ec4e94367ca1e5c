// Bearer tokens: random, stored as SHA-256 hashes only, cached per process, revoked
// at once. A token is an API token, a console session (password sign-in), or an
// enrolment token that may only enrol a second factor.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { oneOf } from '../core/guards.js';
import {
  insertTokenRow,
  revokeTokenRow,
  revokeTokensOf,
  tokenHolder,
  tokenIdOfHash,
  tokenRow,
} from '../store/tokens.js';
import { AccessDenied, NotFound } from './errors.js';
import { record } from './events.js';
import { type Actor, isRole } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';

export type TokenKind = 'api' | 'session' | 'enrol';

export interface Credential {
  readonly actor: Actor;
  readonly tokenId: string;
  readonly kind: TokenKind;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface CachedToken extends Credential {
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly disabled: boolean;
}

/**
 * Tokens this process has resolved, by hash. A unit that changes a token or a
 * user's roles touches `token:<id>` or `user:<id>`; every instance of the node then
 * drops the matching entries (this one after the commit, the others before their
 * next decision, woken by the bus), so a revocation takes effect at once.
 */
const tokenCache = new WeakMap<LiaisonNode, Map<string, CachedToken>>();

function cacheOf(node: LiaisonNode): Map<string, CachedToken> {
  let c = tokenCache.get(node);
  if (c === undefined) {
    const cache = new Map<string, CachedToken>();
    c = cache;
    tokenCache.set(node, cache);
    node.onTouched((tags) => {
      for (const tag of tags) {
        if (tag === 'reloaded') cache.clear();
        else if (tag.startsWith('token:')) forgetTokens(node, (t) => `token:${t.tokenId}` === tag);
        else if (tag.startsWith('user:')) forgetTokens(node, (t) => `user:${t.actor.user}` === tag);
      }
    });
  }
  return c;
}

/** Drops cached tokens that match (after a revocation or a change of roles). */
export function forgetTokens(node: LiaisonNode, match: (t: Credential) => boolean): void {
  const c = cacheOf(node);
  for (const [k, v] of c) if (match(v)) c.delete(k);
}

/** Resolves a bearer token to its user; tokens are stored as SHA-256 hashes only. */
export async function authenticate(node: LiaisonNode, token: string): Promise<Credential> {
  const hash = hashToken(token);
  const cache = cacheOf(node);
  let entry = cache.get(hash);
  if (entry === undefined) {
    entry = await lookupToken(node, hash);
    if (cache.size >= 10_000) cache.clear();
    cache.set(hash, entry);
  }
  const now = node.now();
  if (entry.revokedAt !== null && entry.revokedAt <= now) {
    throw new AccessDenied('token-revoked', 'this token was revoked');
  }
  if (entry.expiresAt !== null && entry.expiresAt <= now) {
    throw new AccessDenied('token-expired', 'this token has expired');
  }
  if (entry.disabled) throw new AccessDenied('unauthenticated', 'this user is disabled');
  return entry;
}

const TOKEN_KINDS: readonly TokenKind[] = ['api', 'session', 'enrol'];
const isTokenKind = (k: string): k is TokenKind => oneOf(TOKEN_KINDS, k);

async function lookupToken(node: LiaisonNode, hash: string): Promise<CachedToken> {
  const t = await tokenHolder(node.store.db, hash);
  if (t === undefined) throw new AccessDenied('unauthenticated', 'unknown token');
  return {
    tokenId: t.tokenId,
    actor: { user: t.user, party: t.party, roles: t.roles.filter(isRole) },
    // Only the three kinds are ever written; anything else is treated as the narrowest.
    kind: isTokenKind(t.kind) ? t.kind : 'enrol',
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
    disabled: t.disabled,
  };
}

export interface IssuedToken {
  readonly id: string;
  readonly user: string;
  /** Shown once: only its hash is stored. */
  readonly token: string;
  readonly expiresAt: number | null;
}

/** Writes a new token in a unit and logs it; `actor` null: the node itself. */
export async function insertToken(
  u: Unit,
  party: string,
  actor: Actor | null,
  userId: string,
  label: string,
  expiresAt: number | null,
  kind: TokenKind,
  subject: Readonly<Record<string, unknown>> = {},
): Promise<IssuedToken> {
  if (!u.world.users.has(userId)) throw new NotFound('unknown-user', `unknown user '${userId}'`);
  const token = `lsn_${randomBytes(32).toString('base64url')}`;
  const id = `tok-${randomUUID()}`;
  await insertTokenRow(u.tx, {
    id,
    user_id: userId,
    hash: hashToken(token),
    label,
    created_at: u.now,
    expires_at: expiresAt,
    revoked_at: null,
    kind,
  });
  record(
    u,
    'token.created',
    { user: actor?.user ?? null, party },
    { token: id, user: userId, label, expiresAt, kind, ...subject },
  );
  return { id, user: userId, token, expiresAt };
}

export function revokeToken(
  node: LiaisonNode,
  actor: Actor,
  tokenId: string,
): Promise<{ id: string; revokedAt: number }> {
  return node.transact(async (u) => {
    const row = await tokenRow(u.tx, tokenId);
    if (row === undefined) throw new NotFound('unknown-token', `unknown token '${tokenId}'`);
    const at = row.revoked_at ?? u.now;
    await revokeTokenRow(u.tx, tokenId, at);
    // Dropped after commit: a lookup during the unit may still have cached the old row.
    u.touch(`token:${tokenId}`);
    record(
      u,
      'token.revoked',
      { user: actor.user, party: node.party },
      { token: tokenId, user: row.user_id },
    );
    return { id: tokenId, revokedAt: at };
  });
}

/**
 * Revokes a user's console sessions (and enrolment tokens) in a unit, except the one
 * named: after a password change or reset, nobody stays signed in with the old one.
 * API tokens are credentials of their own and stay; they are revoked one by one.
 */
export async function revokeSessions(
  u: Unit,
  userId: string,
  except: string | null,
): Promise<number> {
  const n = await revokeTokensOf(u.tx, userId, ['session', 'enrol'], u.now, except);
  u.touch(`user:${userId}`);
  return n;
}

/** Signs out: revokes the token the request came with. */
export async function signOut(node: LiaisonNode, actor: Actor, token: string): Promise<void> {
  const id = await tokenIdOfHash(node.store.db, hashToken(token));
  if (id !== undefined) await revokeToken(node, actor, id);
}
