// A node's people, under separation of duties (README "Security model"):
// - nobody changes their own clearance, need-to-know or roles;
// - a clearance is set by a security officer cleared at least as high as it;
// - granting admin, security-officer or releasing-authority, and raising anyone to the
//   party's top level, takes two people: one proposes, a different one approves;
// - while the node is in setup (from `node init` until it has an admin and, besides
//   them, a security officer cleared at the top level, or until an admin ends it), the
//   setup's people act alone, and every such change is logged with `setup: true`.
// Every step is logged.
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Marking, UserRecord } from '../core/index.js';
import type { UserChangeTable } from '../store/schema.js';
import { forgetTokens, type IssuedToken, insertToken } from './auth.js';
import { AccessDenied, Conflict, NotFound, RequestInvalid, Unavailable } from './errors.js';
import { record } from './events.js';
import { type Actor, isRole, orList, PRIVILEGED_ROLES, type Role } from './roles.js';
import { json, type LiaisonNode, type Unit } from './service.js';

export interface UserView {
  readonly id: string;
  readonly party: string;
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires: number | null;
  readonly roles: readonly Role[];
}

export type UserChange =
  | {
      readonly kind: 'clearance';
      readonly clearance: string;
      readonly needToKnow: readonly string[];
      readonly clearanceExpires: number | null;
    }
  | { readonly kind: 'roles'; readonly roles: readonly Role[] };

export interface ChangeView {
  readonly id: string;
  readonly user: string;
  readonly change: UserChange;
  readonly proposedBy: string;
  readonly proposedAt: number;
  readonly status: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly note: string | null;
  /** Who may approve it, in words. */
  readonly approver: string;
}

export interface ChangeOutcome {
  /**
   * `applied`: in effect now; `pending`: waits for a second person's approval;
   * `rejected` or `withdrawn`: will not take effect.
   */
  readonly status: 'applied' | 'pending' | 'rejected' | 'withdrawn';
  readonly user: UserView;
  readonly change: ChangeView | null;
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

export function parseRoles(text: string): Role[] {
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed)
    ? parsed.filter((r): r is Role => typeof r === 'string' && isRole(r))
    : [];
}

async function rolesOf(u: Unit, id: string): Promise<Role[]> {
  const row = await u.tx
    .selectFrom('users')
    .select('roles')
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? [] : parseRoles(row.roles);
}

// ---------------------------------------------------------------- setup

const SETUP_KEY = 'setup';

/** Whether the node is in setup: written 'open' at `node init`; a node without the key never was. */
export async function setupOpen(u: Unit): Promise<boolean> {
  const row = await u.tx
    .selectFrom('meta')
    .select('value')
    .where('key', '=', SETUP_KEY)
    .executeTakeFirst();
  return row?.value === 'open';
}

/** Opens setup (at `node init`); a node that already has the key keeps its state. */
export async function openSetup(u: Unit): Promise<void> {
  await u.tx
    .insertInto('meta')
    .values({ key: SETUP_KEY, value: 'open' })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
}

async function closeSetup(
  u: Unit,
  party: string,
  actor: string | null,
  how: string,
): Promise<void> {
  await u.tx.updateTable('meta').set({ value: 'ended' }).where('key', '=', SETUP_KEY).execute();
  record(u, 'node.setup-ended', { user: actor, party }, { how });
}

function topRank(record: UserRecord): number {
  return Math.max(...record.party.scheme.markings.map((m) => m.rank));
}

/** Setup ends by itself once two people can approve each kind of change. */
async function maybeEndSetup(u: Unit, party: string): Promise<void> {
  if (!(await setupOpen(u))) return;
  const rows = await u.tx.selectFrom('users').select(['id', 'roles', 'disabled']).execute();
  const people = rows
    .filter((r) => r.disabled === 0)
    .map((r) => ({ id: r.id, roles: parseRoles(r.roles), record: u.world.users.get(r.id) }));
  const topSo = people.filter(
    (p) =>
      p.roles.includes('security-officer') &&
      p.record !== undefined &&
      p.record.clearanceExpires > u.now &&
      p.record.clearance.rank === topRank(p.record),
  );
  const admins = people.filter((p) => p.roles.includes('admin'));
  if (topSo.some((s) => admins.some((a) => a.id !== s.id))) {
    await closeSetup(
      u,
      party,
      null,
      'automatic: the node has an admin and another person who is a security officer cleared at the top level',
    );
  }
}

/** An admin ends setup: from now on every privileged change takes two people. */
export function endSetup(node: LiaisonNode, actor: Actor): Promise<{ setup: false }> {
  return node.transact(async (u) => {
    if (!(await setupOpen(u))) throw new Conflict('the node is not in setup');
    await closeSetup(u, node.party, actor.user, 'ended by an admin');
    return { setup: false };
  });
}

/** In setup, the node itself sets a person's console password (the demo's people). */
export function setupPassword(node: LiaisonNode, userId: string, hash: string): Promise<void> {
  return node.transact(async (u) => {
    if (!(await setupOpen(u))) throw new AccessDenied('forbidden', 'the node is not in setup');
    if (!u.world.users.has(userId)) throw new NotFound('unknown-user', `unknown user '${userId}'`);
    await u.tx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
    record(
      u,
      'user.password-changed',
      { user: null, party: node.party },
      { user: userId, cleared: false, reset: true, setup: true, sessionsRevoked: 0 },
    );
  });
}

// ---------------------------------------------------------------- who may do what

interface Person {
  readonly id: string;
  readonly roles: readonly Role[];
  readonly record: UserRecord | undefined;
}

interface Requirement {
  /** Who may propose the change at all. */
  readonly proposer: (p: Person) => boolean;
  readonly proposerText: string;
  /** Takes two people (the two-person rule), even for someone who could approve it. */
  readonly twoPerson: boolean;
  /** Who may carry it out: alone (when not two-person), or as the approver. */
  readonly approver: (p: Person) => boolean;
  readonly approverText: string;
}

function clearedSo(p: Person, level: Marking, now: number): boolean {
  const r = p.record;
  return (
    p.roles.includes('security-officer') &&
    r !== undefined &&
    r.clearanceExpires > now &&
    r.clearance.party === level.party &&
    r.clearance.rank >= level.rank
  );
}

function requirement(
  subject: UserRecord,
  roles: readonly Role[],
  change: UserChange,
  now: number,
): Requirement {
  if (change.kind === 'roles') {
    const added = change.roles.filter((r) => !roles.includes(r));
    const privileged = added.filter((r) => PRIVILEGED_ROLES.includes(r));
    return {
      proposer: (p) => p.roles.includes('admin'),
      proposerText: 'an admin',
      twoPerson: privileged.length > 0,
      approver: (p) =>
        privileged.length > 0
          ? p.roles.includes('admin') || p.roles.includes('security-officer')
          : p.roles.includes('admin'),
      approverText:
        privileged.length > 0
          ? `another admin or a security officer (granting ${orList(privileged)} takes two people)`
          : 'an admin',
    };
  }
  const level = subject.party.scheme.byCode.get(change.clearance);
  if (level === undefined) {
    throw new RequestInvalid(
      'unknown-marking',
      `clearance: unknown marking '${change.clearance}' for ${subject.party.id} (known: ${subject.party.scheme.markings.map((m) => m.code).join(', ')})`,
    );
  }
  const raise = level.rank > subject.clearance.rank;
  const top = level.rank === topRank(subject);
  return {
    proposer: (p) => p.roles.includes('security-officer') || p.roles.includes('admin'),
    proposerText: 'a security officer or an admin',
    twoPerson: raise && top,
    approver: (p) => clearedSo(p, level, now),
    approverText: `${raise && top ? 'another ' : ''}security officer cleared at least ${level.label}${
      raise && top ? ` (raising anyone to ${subject.party.id}'s top level takes two people)` : ''
    }`,
  };
}

async function person(u: Unit, id: string): Promise<Person> {
  return { id, roles: await rolesOf(u, id), record: u.world.users.get(id) };
}

// ---------------------------------------------------------------- changes

function changeView(r: Selectable<UserChangeTable>): ChangeView {
  return {
    id: r.id,
    user: r.user_id,
    change: JSON.parse(r.change) as UserChange,
    proposedBy: r.proposed_by,
    proposedAt: r.proposed_at,
    status: r.status as ChangeView['status'],
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    note: r.note,
    approver: r.approver,
  };
}

function changeSubject(change: UserChange) {
  return change.kind === 'roles'
    ? {
        kind: 'roles' as const,
        roles: change.roles,
        clearance: null,
        needToKnow: null,
        expires: null,
      }
    : {
        kind: 'clearance' as const,
        roles: null,
        clearance: change.clearance,
        needToKnow: change.needToKnow,
        expires: change.clearanceExpires,
      };
}

/** Applies a change in a unit: the World, the store and the log. */
async function apply(
  u: Unit,
  node: LiaisonNode,
  actor: Actor | null,
  subjectId: string,
  change: UserChange,
  how: { readonly setup: boolean; readonly proposedBy?: string; readonly change?: string },
): Promise<UserView> {
  const before = u.world.users.get(subjectId);
  if (before === undefined) throw new NotFound('unknown-user', `unknown user '${subjectId}'`);
  const extra = {
    setup: how.setup,
    proposedBy: how.proposedBy ?? null,
    change: how.change ?? null,
  };
  if (change.kind === 'roles') {
    const from = await rolesOf(u, subjectId);
    await u.tx
      .updateTable('users')
      .set({ roles: json(change.roles) })
      .where('id', '=', subjectId)
      .execute();
    u.afterCommit(() => forgetTokens(node, (t) => t.actor.user === subjectId));
    record(
      u,
      'user.roles-changed',
      { user: actor?.user ?? null, party: node.party },
      { user: subjectId, from, to: change.roles, ...extra },
    );
    return userView(before, change.roles);
  }
  u.apply({
    kind: 'update-user',
    id: subjectId,
    change: {
      clearance: change.clearance,
      needToKnow: change.needToKnow,
      clearanceExpires: change.clearanceExpires ?? undefined,
    },
  });
  const user = u.world.users.get(subjectId) ?? before;
  await u.tx
    .updateTable('users')
    .set({
      clearance: user.clearance.code,
      need_to_know: json([...user.needToKnow]),
      clearance_expires: change.clearanceExpires,
    })
    .where('id', '=', subjectId)
    .execute();
  record(
    u,
    'user.clearance-changed',
    { user: actor?.user ?? null, party: node.party },
    {
      user: subjectId,
      from: { clearance: before.clearance.code, needToKnow: [...before.needToKnow] },
      to: {
        clearance: user.clearance.code,
        needToKnow: [...user.needToKnow],
        expires: change.clearanceExpires,
      },
      ...extra,
    },
  );
  return userView(user, await rolesOf(u, subjectId));
}

/**
 * Proposes a change to a person's clearance or roles in a unit. It takes effect at
 * once when the proposer may make it alone (or the node is in setup); otherwise it
 * waits for a different person's approval. `actor` null: the node itself, in setup.
 */
async function propose(
  u: Unit,
  node: LiaisonNode,
  actor: Actor | null,
  subjectId: string,
  change: UserChange,
): Promise<ChangeOutcome> {
  const subject = u.world.users.get(subjectId);
  if (subject === undefined) throw new NotFound('unknown-user', `unknown user '${subjectId}'`);
  const inSetup = await setupOpen(u);
  if (actor === null) {
    if (!inSetup) throw new AccessDenied('forbidden', 'the node is not in setup');
    const user = await apply(u, node, null, subjectId, change, { setup: true });
    await maybeEndSetup(u, node.party);
    return { status: 'applied', user, change: null };
  }
  if (actor.user === subjectId) {
    throw new AccessDenied(
      'forbidden',
      `nobody changes their own ${change.kind === 'roles' ? 'roles' : 'clearance or need-to-know'}: ask another ${change.kind === 'roles' ? 'admin' : 'security officer'}`,
    );
  }
  const roles = await rolesOf(u, subjectId);
  const req = requirement(subject, roles, change, u.now);
  const me = await person(u, actor.user);
  if (!req.proposer(me)) {
    throw new AccessDenied(
      'forbidden',
      `a change of ${change.kind} is proposed by ${req.proposerText}`,
    );
  }
  if (inSetup || (!req.twoPerson && req.approver(me))) {
    const user = await apply(u, node, actor, subjectId, change, { setup: inSetup });
    if (inSetup) await maybeEndSetup(u, node.party);
    return { status: 'applied', user, change: null };
  }
  const pending = await u.tx
    .selectFrom('user_changes')
    .select('id')
    .where('user_id', '=', subjectId)
    .where('kind', '=', change.kind)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (pending !== undefined) {
    throw new Conflict(
      `a change of ${subjectId}'s ${change.kind} (${pending.id}) already awaits approval: approve, reject or withdraw it first`,
    );
  }
  const row = {
    id: `chg-${randomUUID()}`,
    user_id: subjectId,
    kind: change.kind,
    change: json(change),
    proposed_by: actor.user,
    proposed_at: u.now,
    status: 'pending',
    decided_by: null,
    decided_at: null,
    note: null,
    // Who may approve, as it stood when proposed (the subject's rights change once approved).
    approver: req.approverText,
  };
  await u.tx.insertInto('user_changes').values(row).execute();
  record(
    u,
    'user.change-proposed',
    { user: actor.user, party: node.party },
    {
      change: row.id,
      user: subjectId,
      ...changeSubject(change),
      approver: req.approverText,
    },
  );
  return {
    status: 'pending',
    user: userView(subject, roles),
    change: changeView(row),
  };
}

/** Proposes (or, where one person may, makes) a change to a person's clearance or roles. */
export function requestChange(
  node: LiaisonNode,
  actor: Actor,
  subjectId: string,
  change: UserChange,
): Promise<ChangeOutcome> {
  return node.transact((u) => propose(u, node, actor, subjectId, change));
}

/**
 * A second person approves or rejects a pending change; its proposer may withdraw it
 * (reject their own). Approving takes a different person from the proposer and the
 * subject, with the authority the change needs.
 */
export function decideChange(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  approve: boolean,
  note: string | null,
): Promise<ChangeOutcome> {
  return node.transact(async (u) => {
    const row = await u.tx
      .selectFrom('user_changes')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (row === undefined) throw new NotFound('not-found', `no change '${id}'`);
    if (row.status !== 'pending') throw new Conflict(`change ${id} was already ${row.status}`);
    const subject = u.world.users.get(row.user_id);
    if (subject === undefined) throw new NotFound('unknown-user', `unknown user '${row.user_id}'`);
    const change = JSON.parse(row.change) as UserChange;
    const roles = await rolesOf(u, row.user_id);
    const req = requirement(subject, roles, change, u.now);
    const me = await person(u, actor.user);
    const withdraw = !approve && actor.user === row.proposed_by;
    if (actor.user === row.user_id)
      throw new AccessDenied(
        'forbidden',
        'nobody approves or rejects a change of their own rights',
      );
    if (approve && actor.user === row.proposed_by)
      throw new AccessDenied(
        'forbidden',
        `the two-person rule: ${change.kind === 'roles' ? 'a role grant' : 'a clearance'} proposed by ${row.proposed_by} is approved by someone else (${req.approverText})`,
      );
    if (!withdraw && !req.approver(me))
      throw new AccessDenied(
        'forbidden',
        `this change is approved or rejected by ${req.approverText}`,
      );
    const status: 'approved' | 'rejected' | 'withdrawn' = approve
      ? 'approved'
      : withdraw
        ? 'withdrawn'
        : 'rejected';
    await u.tx
      .updateTable('user_changes')
      .set({ status, decided_by: actor.user, decided_at: u.now, note })
      .where('id', '=', id)
      .execute();
    record(
      u,
      'user.change-decided',
      { user: actor.user, party: node.party },
      { change: id, user: row.user_id, status, proposedBy: row.proposed_by, note },
      { decision: approve ? 'allow' : 'deny', reasons: [status] },
    );
    const decided = changeView({ ...row, status, decided_by: actor.user, decided_at: u.now, note });
    if (status !== 'approved') return { status, user: userView(subject, roles), change: decided };
    const user = await apply(u, node, actor, row.user_id, change, {
      setup: false,
      proposedBy: row.proposed_by,
      change: id,
    });
    return { status: 'applied', user, change: decided };
  });
}

/** Changes awaiting approval (and, with `all`, decided ones too), newest first. */
export function listChanges(
  node: LiaisonNode,
  all = false,
  limit = 100,
  offset = 0,
): Promise<ChangeView[]> {
  return node.transact(async (u) => {
    let q = u.tx
      .selectFrom('user_changes')
      .selectAll()
      .orderBy('proposed_at', 'desc')
      .orderBy('id');
    if (!all) q = q.where('status', '=', 'pending');
    return (await q.limit(limit).offset(offset).execute()).map(changeView);
  });
}

// ---------------------------------------------------------------- users

export interface NewUser {
  readonly username: string;
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires?: number | null | undefined;
  readonly roles: readonly Role[];
  /** For the console's sign-in: an scrypt hash, computed before the unit. */
  readonly passwordHash?: string | null | undefined;
  /** Issue the new user's first API token in the same unit (allowed as `issueToken` is). */
  readonly token?: boolean | undefined;
}

export interface Created {
  readonly user: UserView;
  /** Parts of the request that wait for a second person's approval. */
  readonly pending: readonly ChangeView[];
  /** The first API token, when asked for (shown once). */
  readonly token: IssuedToken | null;
}

/** May `actor` make this change alone now (in setup, or with the authority it needs)? */
async function alone(
  u: Unit,
  actor: Actor | null,
  subject: UserRecord,
  roles: readonly Role[],
  change: UserChange,
): Promise<boolean> {
  if (await setupOpen(u)) return true;
  if (actor === null) throw new AccessDenied('forbidden', 'the node is not in setup');
  const req = requirement(subject, roles, change, u.now);
  const me = await person(u, actor.user);
  return !req.twoPerson && req.proposer(me) && req.approver(me);
}

/**
 * Creates a user of this node's party (an admin; `actor` null: the node itself in
 * setup). What the creator may grant alone is in effect at once, in one log entry; a
 * clearance or a privileged role that needs someone else starts unclassified, without
 * that role, and is proposed as a change for a second person's approval (`pending`).
 */
export function createUser(
  node: LiaisonNode,
  actor: Actor | null,
  input: NewUser,
): Promise<Created> {
  return node.transact(async (u) => {
    if (u.world.users.has(input.username)) throw new Conflict(`user '${input.username}' exists`);
    const party = u.world.parties.get(node.party);
    if (party === undefined) throw new Unavailable('internal', `no scheme for ${node.party}`);
    if (!party.scheme.byCode.has(input.clearance)) {
      throw new RequestInvalid(
        'unknown-marking',
        `clearance: unknown marking '${input.clearance}' for ${node.party} (known: ${party.scheme.markings.map((m) => m.code).join(', ')})`,
      );
    }
    const roles = [...new Set(input.roles)];
    const plain = roles.filter((r) => !PRIVILEGED_ROLES.includes(r));
    const unclassified = party.scheme.unclassified;
    // Everything is decided on a draft before anything is written (a refusal writes nothing).
    const draft: UserRecord = {
      id: input.username,
      party,
      clearance: unclassified,
      needToKnow: new Set(),
      clearanceExpires: Number.POSITIVE_INFINITY,
    };
    const clearance: UserChange = {
      kind: 'clearance',
      clearance: input.clearance,
      needToKnow: input.needToKnow,
      clearanceExpires: input.clearanceExpires ?? null,
    };
    const rolesChange: UserChange = { kind: 'roles', roles };
    // An unclassified account without need-to-know grants nothing: no one need approve it.
    const nothing =
      input.clearance === unclassified.code &&
      input.needToKnow.length === 0 &&
      (input.clearanceExpires ?? null) === null;
    const clearNow = nothing || (await alone(u, actor, draft, plain, clearance));
    const rolesNow =
      roles.length === plain.length || (await alone(u, actor, draft, plain, rolesChange));
    const inSetup = await setupOpen(u);
    const granted = rolesNow ? roles : plain;
    if (input.token === true && actor !== null && !inSetup) {
      const level = clearNow ? party.scheme.byCode.get(input.clearance) : unclassified;
      const subject: Person = {
        id: input.username,
        roles: granted,
        record: {
          ...draft,
          clearance: level ?? unclassified,
          needToKnow: new Set(clearNow ? input.needToKnow : []),
        },
      };
      if (!covers(await person(u, actor.user), subject, u.now))
        throw new AccessDenied(
          'forbidden',
          `a token for ${input.username} would carry rights you do not hold: they sign in and issue their own`,
        );
    }
    u.apply({
      kind: 'add-user',
      user: {
        id: input.username,
        party: node.party,
        clearance: clearNow ? input.clearance : unclassified.code,
        needToKnow: clearNow ? input.needToKnow : [],
        clearanceExpires: clearNow ? (input.clearanceExpires ?? undefined) : undefined,
      },
    });
    const user = u.world.users.get(input.username) ?? draft;
    await u.tx
      .insertInto('users')
      .values({
        id: user.id,
        username: user.id,
        party: node.party,
        clearance: user.clearance.code,
        need_to_know: json([...user.needToKnow]),
        clearance_expires: clearNow ? (input.clearanceExpires ?? null) : null,
        roles: json(granted),
        created_at: u.now,
        disabled: 0,
        password_hash: input.passwordHash ?? null,
      })
      .execute();
    record(
      u,
      'user.created',
      { user: actor?.user ?? null, party: node.party },
      {
        user: user.id,
        clearance: user.clearance.code,
        needToKnow: [...user.needToKnow],
        roles: granted,
        setup: inSetup,
      },
    );
    const pending: ChangeView[] = [];
    for (const [now, change] of [
      [rolesNow, rolesChange],
      [clearNow, clearance],
    ] as const) {
      if (now) continue;
      const r = await propose(u, node, actor, user.id, change);
      if (r.change !== null) pending.push(r.change);
    }
    const token =
      input.token === true
        ? await insertToken(u, node.party, actor, user.id, 'first token (user create)', null, 'api')
        : null;
    if (inSetup) await maybeEndSetup(u, node.party);
    return { user: userView(user, granted), pending, token };
  });
}

export function listUsers(node: LiaisonNode): Promise<UserView[]> {
  return node.transact(async (u) => {
    const rows = await u.tx.selectFrom('users').select(['id', 'roles']).orderBy('id').execute();
    return rows.flatMap((r) => {
      const user = u.world.users.get(r.id);
      return user === undefined ? [] : [userView(user, parseRoles(r.roles))];
    });
  });
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

/**
 * Issues an API token: for oneself, or (an admin) for someone whose rights the admin
 * holds too; during setup, for anyone. `actor` null: the node itself (init, the demo).
 */
export function issueToken(
  node: LiaisonNode,
  actor: Actor | null,
  userId: string,
  label: string,
  expiresAt: number | null = null,
): Promise<IssuedToken> {
  return node.transact(async (u) => {
    if (actor !== null) await mayActFor(u, actor, userId);
    return insertToken(u, node.party, actor, userId, label, expiresAt, 'api');
  });
}
