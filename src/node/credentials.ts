// A person's console password, as stored and logged: one writer for every way it
// changes (their own change, an admin's reset, the node in setup).
import { account, setPasswordHash } from '../store/users.js';
import { type EventActor, record } from './events.js';
import type { LiaisonNode, Unit } from './service.js';

/** Stores a password hash (null: none, token sign-in only) and logs the change. */
export async function writePassword(
  u: Unit,
  actor: EventActor,
  userId: string,
  hash: string | null,
  how: { readonly reset: boolean; readonly setup: boolean; readonly sessionsRevoked: number },
): Promise<void> {
  await setPasswordHash(u.tx, userId, hash);
  record(u, 'user.password-changed', actor, { user: userId, cleared: hash === null, ...how });
}

/** Whether a person has enrolled a second factor. */
export async function hasSecondFactor(node: LiaisonNode, userId: string): Promise<boolean> {
  return ((await account(node.store.db, userId))?.totpSecret ?? null) !== null;
}
