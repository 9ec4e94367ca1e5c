// The roles a node's people hold, and who is acting. A role opens a route; what a
// person may then do with an item is decided by the core (RULES A1–A3, P1).
import { oneOf } from '../core/guards.js';
import { AccessDenied } from './errors.js';

export const ROLES = [
  'officer',
  'releasing-authority',
  'security-officer',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** Roles whose grant takes two people (one proposes, another approves). */
export const PRIVILEGED_ROLES: readonly Role[] = [
  'admin',
  'security-officer',
  'releasing-authority',
];

export function isRole(s: string): s is Role {
  return oneOf(ROLES, s);
}

export interface Actor {
  readonly user: string;
  readonly party: string;
  readonly roles: readonly Role[];
}

export function requireRole(actor: Actor, allowed: readonly Role[]): void {
  if (!actor.roles.some((r) => allowed.includes(r))) {
    throw new AccessDenied(
      'forbidden',
      `this needs the role ${orList(allowed)}; you have ${actor.roles.join(', ') || 'no role'}`,
    );
  }
}

/** "a", "a or b", "a, b or c". */
export function orList(xs: readonly string[]): string {
  if (xs.length <= 1) return xs.join('');
  return `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`;
}
