// Who is signed in: a bearer token and what the node says about its holder (GET
// /v1/me). Kept in sessionStorage, so it ends with the browser tab.
import { createContext, useContext } from 'react';
import { type Client, createClient, deleteWithToken, postAnonymous } from './api';
import { type Marking, type Me, ROLES, type Role, type Session, type TotpState } from './types';

/** A session: the token, and who it belongs to as GET /v1/me says. */
export interface SignedIn extends Omit<Me, 'totp' | 'enrolRequired'> {
  readonly token: string;
  readonly expiresAt: string | null;
  readonly via: 'password' | 'token';
  /** The account's second factor as GET /v1/me says (null: an older node says nothing). */
  readonly totp: TotpState | null;
  /**
   * The node requires a second factor and the account has none: this token may only
   * enrol one (the console shows the enrolment screen instead of its pages).
   */
  readonly enrolRequired: boolean;
}

export interface SessionContextValue {
  readonly session: SignedIn;
  readonly client: Client;
  readonly signOut: () => void;
  /** Asks GET /v1/me again (after a change to one's own account). */
  readonly refresh: () => Promise<void>;
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

const isMarking = (m: unknown): m is Marking =>
  typeof m === 'object' &&
  m !== null &&
  typeof (m as Marking).party === 'string' &&
  typeof (m as Marking).code === 'string' &&
  typeof (m as Marking).name === 'string' &&
  typeof (m as Marking).en === 'string';

const isTotpState = (x: unknown): x is TotpState =>
  typeof x === 'object' &&
  x !== null &&
  typeof (x as TotpState).enrolled === 'boolean' &&
  typeof (x as TotpState).required === 'boolean';

export function loadStoredSession(): SignedIn | null {
  try {
    const text = window.sessionStorage.getItem(KEY);
    if (text === null) return null;
    const s = JSON.parse(text) as Partial<SignedIn>;
    if (typeof s.token !== 'string' || typeof s.user !== 'string' || typeof s.party !== 'string')
      return null;
    if (!Array.isArray(s.roles)) return null;
    const expiresAt = typeof s.expiresAt === 'string' ? s.expiresAt : null;
    if (expiresAt !== null && Date.parse(expiresAt) <= Date.now()) return null;
    // Whatever is missing is filled in by the check of GET /v1/me that follows.
    return {
      token: s.token,
      user: s.user,
      party: s.party,
      roles: s.roles.filter(isRole),
      clearance: isMarking(s.clearance) ? s.clearance : null,
      needToKnow: Array.isArray(s.needToKnow) ? s.needToKnow : [],
      scheme: Array.isArray(s.scheme) ? s.scheme.filter(isMarking) : [],
      expiresAt,
      via: s.via === 'password' ? 'password' : 'token',
      totp: isTotpState(s.totp) ? s.totp : null,
      enrolRequired: s.enrolRequired === true,
    };
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

type SessionFields = Pick<SignedIn, 'token' | 'expiresAt' | 'via'> & Partial<SignedIn>;

/** What GET /v1/me says, over the session's other fields. */
function withMe(s: SessionFields, me: Me): SignedIn {
  const enrolRequired = me.enrolRequired === true;
  return {
    ...s,
    user: me.user,
    party: me.party,
    // An enrolment token has no role, whatever the account holds.
    roles: enrolRequired ? [] : me.roles.filter(isRole),
    clearance: me.clearance ?? null,
    needToKnow: me.needToKnow ?? [],
    scheme: me.scheme ?? [],
    totp: isTotpState(me.totp) ? me.totp : null,
    enrolRequired,
  };
}

export async function signInWithToken(token: string): Promise<SignedIn> {
  const me = await createClient(token).get<Me>('/v1/me');
  return withMe({ token, expiresAt: null, via: 'token' }, me);
}

/**
 * Password sign-in (POST /v1/session), with the one-time code when the account has a
 * second factor. The node answers 401 `totp-required` when the password was right but
 * the code is missing, 401 `unauthenticated` when anything is wrong, 429 with
 * Retry-After after too many attempts (all as an ApiError).
 */
export async function signInWithPassword(
  username: string,
  password: string,
  code?: string,
): Promise<SignedIn> {
  const s = await postAnonymous<Session>('/v1/session', {
    username,
    password,
    ...(code === undefined || code === '' ? {} : { code }),
  });
  let me: Me;
  try {
    me = await createClient(s.token).get<Me>('/v1/me');
  } catch (e) {
    // Not signed in after all: the new token is not left valid behind us.
    await revokeSession(s.token);
    throw e;
  }
  return withMe(
    {
      token: s.token,
      expiresAt: s.expiresAt ?? null,
      via: 'password',
    },
    { ...me, enrolRequired: me.enrolRequired === true || s.enrolRequired === true },
  );
}

/** Checks a stored session again (roles, clearance or the scheme may have changed since). */
export async function refreshSession(s: SignedIn): Promise<SignedIn> {
  return withMe(s, await createClient(s.token).get<Me>('/v1/me'));
}

/**
 * Sign-out: DELETE /v1/session revokes the token at the node (a password session's or
 * an API token alike). A failure (the node unreachable, the token already expired) is
 * ignored: the console forgets the token anyway.
 */
export async function revokeSession(token: string): Promise<void> {
  try {
    await deleteWithToken('/v1/session', token);
  } catch {
    // Nothing more to do: the token expires on its own.
  }
}
