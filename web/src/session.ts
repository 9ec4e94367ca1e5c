// Who is signed in: a bearer token and what the node says about its holder (GET
// /v1/me). Kept in sessionStorage, so it ends with the browser tab.
import { createContext, useContext } from 'react';
import { ApiError, type Client, createClient, isMissingRoute, postAnonymous } from './api';
import { type Me, type NodeInfo, ROLES, type Role, type Session } from './types';

export interface SignedIn {
  readonly token: string;
  /** null when the node cannot say (a token sign-in on a node without /v1/me). */
  readonly user: string | null;
  readonly party: string;
  readonly roles: readonly Role[];
  readonly clearance: string | null;
  readonly needToKnow: readonly string[];
  readonly expiresAt: string | null;
  readonly via: 'password' | 'token';
}

export interface SessionContextValue {
  readonly session: SignedIn;
  readonly client: Client;
  readonly signOut: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const s = useContext(SessionContext);
  if (s === null) throw new Error('useSession outside a signed-in page');
  return s;
}

export const hasRole = (s: { roles: readonly Role[] }, ...roles: readonly Role[]): boolean =>
  roles.some((r) => s.roles.includes(r));

const KEY = 'liaison.session';

export function loadStoredSession(): SignedIn | null {
  try {
    const text = window.sessionStorage.getItem(KEY);
    if (text === null) return null;
    const s = JSON.parse(text) as SignedIn;
    if (typeof s.token !== 'string' || !Array.isArray(s.roles)) return null;
    if (s.expiresAt !== null && Date.parse(s.expiresAt) <= Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export function storeSession(s: SignedIn | null): void {
  try {
    if (s === null) window.sessionStorage.removeItem(KEY);
    else window.sessionStorage.setItem(KEY, JSON.stringify(s));
  } catch {
    // No storage: the session lasts until the page is reloaded.
  }
}

const isRole = (r: string): r is Role => (ROLES as readonly string[]).includes(r);

/** The roles a `forbidden` refusal names ("… you have officer, auditor"). */
function rolesFromRefusal(e: ApiError): Role[] | null {
  const m = /you have (.*)$/.exec(e.message);
  if (m === null) return null;
  return (m[1] as string)
    .split(/[,\s]+/)
    .map((r) => r.trim())
    .filter(isRole);
}

/**
 * For a node without GET /v1/me: the party from GET /v1/node, the roles from how
 * two role-restricted routes answer a request that would change nothing (an unknown
 * agreement, an unknown item): a refusal lists the caller's roles.
 */
async function probeIdentity(client: Client): Promise<Me> {
  const node = await client.get<NodeInfo>('/v1/node');
  const probes: readonly [Role, string, unknown][] = [
    ['admin', '/v1/agreements/console-role-probe/notices', { action: 'notice' }],
    ['releasing-authority', '/v1/items/console-role-probe/reclassify', { marking: 'U' }],
  ];
  const held: Role[] = [];
  for (const [role, path, body] of probes) {
    try {
      await client.post(path, body);
      held.push(role);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === 'forbidden') {
        const roles = rolesFromRefusal(e);
        if (roles !== null)
          return { user: '', party: node.party, roles, clearance: '', needToKnow: [] };
      } else if (e.status === 401) throw e;
      else held.push(role);
    }
  }
  return { user: '', party: node.party, roles: [...ROLES], clearance: '', needToKnow: [] };
}

async function whoAmI(client: Client): Promise<{ me: Me; probed: boolean }> {
  try {
    return { me: await client.get<Me>('/v1/me'), probed: false };
  } catch (e) {
    if (!isMissingRoute(e)) throw e;
    return { me: await probeIdentity(client), probed: true };
  }
}

export async function signInWithToken(token: string): Promise<SignedIn> {
  const client = createClient(token);
  const { me, probed } = await whoAmI(client);
  return {
    token,
    user: probed || me.user === '' ? null : me.user,
    party: me.party,
    roles: me.roles.filter(isRole),
    clearance: probed ? null : me.clearance,
    needToKnow: me.needToKnow,
    expiresAt: null,
    via: 'token',
  };
}

export async function signInWithPassword(username: string, password: string): Promise<SignedIn> {
  const s = await postAnonymous<Session>('/v1/session', { username, password });
  let clearance: string | null = null;
  let needToKnow: readonly string[] = [];
  try {
    const me = await createClient(s.token).get<Me>('/v1/me');
    clearance = me.clearance;
    needToKnow = me.needToKnow;
  } catch {
    // The session answer already says who and with which roles.
  }
  return {
    token: s.token,
    user: s.user,
    party: s.party,
    roles: s.roles.filter(isRole),
    clearance,
    needToKnow,
    expiresAt: s.expiresAt ?? null,
    via: 'password',
  };
}

/** Checks a stored session again (roles may have changed since). */
export async function refreshSession(s: SignedIn): Promise<SignedIn> {
  const { me, probed } = await whoAmI(createClient(s.token));
  return {
    ...s,
    user: probed ? s.user : me.user,
    party: me.party,
    roles: me.roles.filter(isRole),
    clearance: probed ? s.clearance : me.clearance,
    needToKnow: probed ? s.needToKnow : me.needToKnow,
  };
}
