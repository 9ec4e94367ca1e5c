// API tokens and console sessions: only a token's hash is stored.
import type { Insertable, Kysely } from 'kysely';
import { column } from './json.js';
import type { Database, TokenTable } from './schema.js';

type Q = Kysely<Database>;

/** A token and the person it belongs to, as authentication reads them. */
export interface TokenHolder {
  readonly tokenId: string;
  readonly kind: string;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly user: string;
  readonly party: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
}

export async function tokenHolder(q: Q, hash: string): Promise<TokenHolder | undefined> {
  const r = await q
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select([
      'tokens.id as token_id',
      'tokens.expires_at',
      'tokens.revoked_at',
      'tokens.kind',
      'users.id',
      'users.party',
      'users.roles',
      'users.disabled',
    ])
    .where('tokens.hash', '=', hash)
    .executeTakeFirst();
  return r === undefined
    ? undefined
    : {
        tokenId: r.token_id,
        kind: r.kind,
        expiresAt: r.expires_at,
        revokedAt: r.revoked_at,
        user: r.id,
        party: r.party,
        roles: column<string[]>(r.roles),
        disabled: r.disabled !== 0,
      };
}

export async function insertTokenRow(q: Q, row: Insertable<TokenTable>): Promise<void> {
  await q.insertInto('tokens').values(row).execute();
}

export function tokenRow(
  q: Q,
  id: string,
): Promise<{ id: string; user_id: string; revoked_at: number | null } | undefined> {
  return q
    .selectFrom('tokens')
    .select(['id', 'user_id', 'revoked_at'])
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function tokenIdOfHash(q: Q, hash: string): Promise<string | undefined> {
  const r = await q.selectFrom('tokens').select('id').where('hash', '=', hash).executeTakeFirst();
  return r?.id;
}

/** Revokes a token (of a kind, when given). */
export async function revokeTokenRow(q: Q, id: string, at: number, kind?: string): Promise<void> {
  let s = q.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id);
  if (kind !== undefined) s = s.where('kind', '=', kind);
  await s.execute();
}

/** Revokes a person's live tokens of the kinds given, but one; returns how many. */
export async function revokeTokensOf(
  q: Q,
  user: string,
  kinds: readonly string[],
  at: number,
  except: string | null,
): Promise<number> {
  let s = q
    .updateTable('tokens')
    .set({ revoked_at: at })
    .where('user_id', '=', user)
    .where('kind', 'in', kinds)
    .where('revoked_at', 'is', null);
  if (except !== null) s = s.where('id', '!=', except);
  const r = await s.executeTakeFirst();
  return Number(r.numUpdatedRows);
}
