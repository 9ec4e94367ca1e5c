// Setup mode (README "Security model"): from `node init` until the node has an admin
// and, besides them, a security officer cleared at the top level (or until an admin
// ends it), the setup's people act alone; every such change is logged with
// `setup: true`.
import type { UserRecord } from '../core/index.js';
import { metaValue, putMeta } from '../store/meta.js';
import { accounts } from '../store/users.js';
import { writePassword } from './credentials.js';
import { AccessDenied, Conflict, NotFound } from './errors.js';
import { record } from './events.js';
import { knownRoles } from './people.js';
import type { Actor } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';

const SETUP_KEY = 'setup';

/** Whether the node is in setup: written 'open' at `node init`; a node without the key never was. */
export async function setupOpen(u: Unit): Promise<boolean> {
  return (await metaValue(u.tx, SETUP_KEY)) === 'open';
}

/** Whether the node is in setup, outside a unit (for display). */
export async function inSetup(node: LiaisonNode): Promise<boolean> {
  return (await metaValue(node.store.db, SETUP_KEY)) === 'open';
}

/** Opens setup (at `node init`); a node that already has the key keeps its state. */
export async function openSetup(u: Unit): Promise<void> {
  await putMeta(u.tx, { [SETUP_KEY]: 'open' }, true);
}

async function closeSetup(
  u: Unit,
  party: string,
  actor: string | null,
  how: string,
): Promise<void> {
  await putMeta(u.tx, { [SETUP_KEY]: 'ended' });
  record(u, 'node.setup-ended', { user: actor, party }, { how });
}

export function topRank(record: UserRecord): number {
  return Math.max(...record.party.scheme.markings.map((m) => m.rank));
}

/** Setup ends by itself once two people can approve each kind of change. */
export async function maybeEndSetup(u: Unit, party: string): Promise<void> {
  if (!(await setupOpen(u))) return;
  const people = (await accounts(u.tx))
    .filter((r) => !r.disabled)
    .map((r) => ({ id: r.id, roles: knownRoles(r.roles), record: u.world.users.get(r.id) }));
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
    await writePassword(u, { user: null, party: node.party }, userId, hash, {
      reset: true,
      setup: true,
      sessionsRevoked: 0,
    });
  });
}
