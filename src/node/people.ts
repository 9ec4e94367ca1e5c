// A node's people as the rights checks see them: their roles (stored beside the
// World's clearance and need-to-know), and whether one person holds every right
// another holds (so that nobody raises their own rights through someone else's
// credential).
import type { UserRecord } from '../core/index.js';
import { account as accountRow, accounts } from '../store/users.js';
import { AccessDenied, NotFound } from './errors.js';
import { type Actor, isRole, type Role } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';
import { setupOpen } from './setup-mode.js';

export interface UserView {
  readonly id: string;
  readonly party: string;
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires: number | null;
  readonly roles: readonly Role[];
}

export function userView(u: UserRecord, roles: readonly Role[]): UserView {
  return {
    id: u.id,
    party: u.party.id,
    clearance: u.clearance.code,
    needToKnow: [...u.needToKnow],
    clearanceExpires: Number.isFinite(u.clearanceExpires) ? u.clearanceExpires : null,
    roles,
  };
}

/** The roles stored for a person (those this version knows). */
export function knownRoles(stored: readonly string[]): Role[] {
  return stored.filter(isRole);
}

export async function rolesOf(u: Unit, id: string): Promise<Role[]> {
  const row = await accountRow(u.tx, id);
  return row === undefined ? [] : knownRoles(row.roles);
}

/** A person as the rights checks see them. */
export interface Person {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly record: UserRecord | undefined;
}

export async function person(u: Unit, id: string): Promise<Person> {
  return { id, roles: await rolesOf(u, id), record: u.world.users.get(id) };
}

export function listUsers(node: LiaisonNode): Promise<UserView[]> {
  return node.transact(async (u) =>
    (await accounts(u.tx)).flatMap((r) => {
      const user = u.world.users.get(r.id);
      return user === undefined ? [] : [userView(user, knownRoles(r.roles))];
    }),
  );
}

export function getUser(node: LiaisonNode, id: string): Promise<UserView> {
  return node.transact(async (u) => {
    const user = u.world.users.get(id);
    if (user === undefined) throw new NotFound('unknown-user', `unknown user '${id}'`);
    return userView(user, await rolesOf(u, id));
  });
}

/**
 * Whether `a` holds every right `b` holds: roles, clearance (not expired) and
 * need-to-know. A credential for `b` issued by `a` would otherwise raise `a`'s rights.
 */
export function covers(a: Person, b: Person, now: number): boolean {
  if (a.record === undefined || b.record === undefined) return false;
  if (!b.roles.every((r) => a.roles.includes(r))) return false;
  const bActive = b.record.clearanceExpires > now && b.record.clearance.rank > 0;
  if (
    bActive &&
    (a.record.clearanceExpires <= now || a.record.clearance.rank < b.record.clearance.rank)
  )
    return false;
  for (const c of b.record.needToKnow) if (!a.record.needToKnow.has(c)) return false;
  return true;
}

/** In a unit: may `actor` act for `subjectId`'s credentials (a token, a reset)? */
export async function mayActFor(u: Unit, actor: Actor, subjectId: string): Promise<void> {
  if (actor.user === subjectId) return;
  if (!actor.roles.includes('admin'))
    throw new AccessDenied('forbidden', "only an admin acts on another person's credentials");
  if (!u.world.users.has(subjectId))
    throw new NotFound('unknown-user', `unknown user '${subjectId}'`);
  if (await setupOpen(u)) return;
  if (!covers(await person(u, actor.user), await person(u, subjectId), u.now)) {
    throw new AccessDenied(
      'forbidden',
      `${subjectId} holds rights you do not (roles, clearance or need-to-know): a credential for them would raise your own; ${subjectId} issues their own token after signing in`,
    );
  }
}
