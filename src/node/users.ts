// Creating a node's people and issuing their API tokens, under separation of duties
// (changes.ts): what the creator may grant alone takes effect at once; the rest waits
// for a second person.
import type { UserRecord } from '../core/index.js';
import { json } from '../store/json.js';
import { insertUser } from '../store/users.js';
import { type IssuedToken, insertToken } from './auth.js';
import { alone, type ChangeView, propose, type UserChange } from './changes.js';
import { AccessDenied, Conflict, RequestInvalid, Unavailable } from './errors.js';
import { record } from './events.js';
import { covers, mayActFor, type Person, person, type UserView, userView } from './people.js';
import { type Actor, PRIVILEGED_ROLES, type Role } from './roles.js';
import type { LiaisonNode } from './service.js';
import { maybeEndSetup, setupOpen } from './setup-mode.js';

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
    await insertUser(u.tx, {
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
    });
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
