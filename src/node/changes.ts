// Changes to a person's clearance or roles, under separation of duties (README
// "Security model"): nobody changes their own; a clearance is set by a security
// officer cleared at least as high as it; granting admin, security-officer or
// releasing-authority, and raising anyone to the party's top level, takes two people:
// one proposes, a different one approves. Every step is logged.
import { randomUUID } from 'node:crypto';
import { type Marking, oneOf, type UserRecord } from '../core/index.js';
import { column, json } from '../store/json.js';
import {
  type ChangeRow,
  changeRow,
  decideChangeRow,
  insertChange,
  pageChanges,
  pendingChange,
  setClearance,
  setRoles,
} from '../store/users.js';
import { AccessDenied, Conflict, NotFound, RequestInvalid } from './errors.js';
import { record } from './events.js';
import { type Person, person, rolesOf, type UserView, userView } from './people.js';
import { type Actor, orList, PRIVILEGED_ROLES, type Role } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';
import { maybeEndSetup, setupOpen, topRank } from './setup-mode.js';

export type UserChange =
  | {
      readonly kind: 'clearance';
      readonly clearance: string;
      readonly needToKnow: readonly string[];
      readonly clearanceExpires: number | null;
    }
  | { readonly kind: 'roles'; readonly roles: readonly Role[] };

const CHANGE_STATUSES = ['pending', 'approved', 'rejected', 'withdrawn'] as const;
export type ChangeStatus = (typeof CHANGE_STATUSES)[number];

export interface ChangeView {
  readonly id: string;
  readonly user: string;
  readonly change: UserChange;
  readonly proposedBy: string;
  readonly proposedAt: number;
  readonly status: ChangeStatus;
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

export interface Requirement {
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

// ---------------------------------------------------------------- changes

function changeView(r: ChangeRow): ChangeView {
  return {
    id: r.id,
    user: r.user_id,
    change: column<UserChange>(r.change),
    proposedBy: r.proposed_by,
    proposedAt: r.proposed_at,
    // Only these four are ever written; anything else reads as still pending.
    status: oneOf(CHANGE_STATUSES, r.status) ? r.status : 'pending',
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
    await setRoles(u.tx, subjectId, change.roles);
    u.touch(`user:${subjectId}`);
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
  await setClearance(
    u.tx,
    subjectId,
    user.clearance.code,
    [...user.needToKnow],
    change.clearanceExpires,
  );
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
export async function propose(
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
  const pending = await pendingChange(u.tx, subjectId, change.kind);
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
  await insertChange(u.tx, row);
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
    const row = await changeRow(u.tx, id);
    if (row === undefined) throw new NotFound('not-found', `no change '${id}'`);
    if (row.status !== 'pending') throw new Conflict(`change ${id} was already ${row.status}`);
    const subject = u.world.users.get(row.user_id);
    if (subject === undefined) throw new NotFound('unknown-user', `unknown user '${row.user_id}'`);
    const change = column<UserChange>(row.change);
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
    await decideChangeRow(u.tx, id, { status, by: actor.user, at: u.now, note });
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
  return node.transact(async (u) => (await pageChanges(u.tx, all, limit, offset)).map(changeView));
}

/** May `actor` make this change alone now (in setup, or with the authority it needs)? */
export async function alone(
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
