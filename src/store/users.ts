// People: their rows (roles, password hash, second factor) and the changes to their
// rights that wait for a second person's approval.
import type { Insertable, Kysely, Selectable } from 'kysely';
import { column, json } from './json.js';
import type { Database, UserChangeTable, UserTable } from './schema.js';

type Q = Kysely<Database>;

export type ChangeRow = Selectable<UserChangeTable>;

/** What sign-in and the rights checks read of a person. */
export interface Account {
  readonly id: string;
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly passwordHash: string | null;
  readonly totpSecret: string | null;
  readonly totpPending: string | null;
  readonly totpLastStep: number | null;
}

export async function account(q: Q, id: string): Promise<Account | undefined> {
  const r = await q
    .selectFrom('users')
    .select([
      'id',
      'roles',
      'disabled',
      'password_hash',
      'totp_secret',
      'totp_pending',
      'totp_last_step',
    ])
    .where('id', '=', id)
    .executeTakeFirst();
  return r === undefined
    ? undefined
    : {
        id: r.id,
        roles: column<string[]>(r.roles),
        disabled: r.disabled !== 0,
        passwordHash: r.password_hash,
        totpSecret: r.totp_secret,
        totpPending: r.totp_pending,
        totpLastStep: r.totp_last_step,
      };
}

/** Every person's id, roles and whether disabled, by id. */
export async function accounts(
  q: Q,
): Promise<{ id: string; roles: readonly string[]; disabled: boolean }[]> {
  const rows = await q
    .selectFrom('users')
    .select(['id', 'roles', 'disabled'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    roles: column<string[]>(r.roles),
    disabled: r.disabled !== 0,
  }));
}

export async function insertUser(q: Q, row: Insertable<UserTable>): Promise<void> {
  await q.insertInto('users').values(row).execute();
}

export async function setRoles(q: Q, id: string, roles: readonly string[]): Promise<void> {
  await q
    .updateTable('users')
    .set({ roles: json(roles) })
    .where('id', '=', id)
    .execute();
}

export async function setClearance(
  q: Q,
  id: string,
  clearance: string,
  needToKnow: readonly string[],
  expires: number | null,
): Promise<void> {
  await q
    .updateTable('users')
    .set({ clearance, need_to_know: json(needToKnow), clearance_expires: expires })
    .where('id', '=', id)
    .execute();
}

export async function setPasswordHash(q: Q, id: string, hash: string | null): Promise<void> {
  await q.updateTable('users').set({ password_hash: hash }).where('id', '=', id).execute();
}

/** Sets a person's second-factor columns (those given). */
export async function setTotp(
  q: Q,
  id: string,
  v: {
    readonly secret?: string | null;
    readonly pending?: string | null;
    readonly lastStep?: number | null;
  },
): Promise<void> {
  await q
    .updateTable('users')
    .set({
      ...(v.secret === undefined ? {} : { totp_secret: v.secret }),
      ...(v.pending === undefined ? {} : { totp_pending: v.pending }),
      ...(v.lastStep === undefined ? {} : { totp_last_step: v.lastStep }),
    })
    .where('id', '=', id)
    .execute();
}

// ---------------------------------------------------------------- changes awaiting approval

export function pendingChange(
  q: Q,
  user: string,
  kind: string,
): Promise<{ id: string } | undefined> {
  return q
    .selectFrom('user_changes')
    .select('id')
    .where('user_id', '=', user)
    .where('kind', '=', kind)
    .where('status', '=', 'pending')
    .executeTakeFirst();
}

export async function insertChange(q: Q, row: ChangeRow): Promise<void> {
  await q.insertInto('user_changes').values(row).execute();
}

export function changeRow(q: Q, id: string): Promise<ChangeRow | undefined> {
  return q.selectFrom('user_changes').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function decideChangeRow(
  q: Q,
  id: string,
  d: { status: string; by: string; at: number; note: string | null },
): Promise<void> {
  await q
    .updateTable('user_changes')
    .set({ status: d.status, decided_by: d.by, decided_at: d.at, note: d.note })
    .where('id', '=', id)
    .execute();
}

/** Changes awaiting approval (with `all`, decided ones too), newest first. */
export function pageChanges(
  q: Q,
  all: boolean,
  limit: number,
  offset: number,
): Promise<ChangeRow[]> {
  let s = q.selectFrom('user_changes').selectAll().orderBy('proposed_at', 'desc').orderBy('id');
  if (!all) s = s.where('status', '=', 'pending');
  return s.limit(limit).offset(offset).execute();
}
