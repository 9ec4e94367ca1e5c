// Password sign-in, guarded (README "Security model"):
// - per-account and per-source exponential back-off after a few failures: 429 with
//   Retry-After, the same answer whether the account exists or not;
// - the password-hash work has a bounded queue: a flood is refused at once (429) and
//   an unrelated sign-in waits at most a few hashes;
// - failures are logged aggregated: the first per account per minute at once, the rest
//   as one count when the minute closes;
// - a second factor (RFC 6238 TOTP), required when the node says so;
// - a password change needs the current password; a change or an admin's reset
//   revokes the user's other sessions.
import { Secret, TOTP } from 'otpauth';
import { revokeTokenRow } from '../store/tokens.js';
import { type Account, account, setTotp } from '../store/users.js';
import { type IssuedToken, insertToken, revokeSessions } from './auth.js';
import { writePassword } from './credentials.js';
import { AccessDenied, Conflict, LimitReached, NotFound, RequestInvalid } from './errors.js';
import { type EventActor, type EventSubjects, record } from './events.js';
import { DUMMY_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import { knownRoles, mayActFor } from './people.js';
import type { Actor, Role } from './roles.js';
import type { LiaisonNode, Unit } from './service.js';
import { Backoff, HashQueue } from './throttle.js';

/** How long a console session's token lives. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** How long a token that may only enrol a second factor lives. */
const ENROL_MS = 15 * 60 * 1000;

export interface Session extends IssuedToken {
  readonly party: string;
  readonly roles: readonly Role[];
  /** The node requires a second factor and this user has none yet: the token may only enrol one. */
  readonly enrolRequired: boolean;
}

// ---------------------------------------------------------------- aggregated failure log

const WINDOW_MS = 60_000;
/** Accounts tracked per window; failures for more are counted under '*'. */
const MAX_ACCOUNTS_PER_WINDOW = 200;

interface Window {
  readonly start: number;
  failures: number;
  throttled: number;
  readonly sources: Set<string>;
}

// ---------------------------------------------------------------- the guard

export interface SignInOptions {
  /** Password sign-in needs a second factor (TOTP). */
  readonly requireTotp?: boolean | undefined;
}

function tooMany(waitMs: number): LimitReached {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new LimitReached(
    'too-many-requests',
    `too many sign-in attempts: try again in ${seconds} s`,
    seconds,
  );
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new RequestInvalid(
      'invalid-request',
      `password: at least ${MIN_PASSWORD_LENGTH} characters (a passphrase is best)`,
    );
}

const TOTP_PERIOD = 30;

/** Sign-in outcomes told to the node's other instances over the bus. */
const SIGN_IN_TOPIC = 'signin.outcome';
interface SignInEvent {
  readonly instance: string;
  readonly key: string;
  readonly source: string | null;
  readonly ok: boolean;
}

function parseSignInEvent(data: Uint8Array): SignInEvent | null {
  try {
    const v: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
    if (typeof v !== 'object' || v === null) return null;
    const { instance, key, source, ok } = v as Record<string, unknown>; // checked field by field below
    if (typeof instance !== 'string' || typeof key !== 'string' || typeof ok !== 'boolean')
      return null;
    if (source !== null && typeof source !== 'string') return null;
    return { instance, key, source, ok };
  } catch {
    return null;
  }
}

export class SignInGuard {
  private readonly accounts = new Backoff(3);
  private readonly sources = new Backoff(20);
  private readonly hashes = new HashQueue();
  private readonly windows = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly node: LiaisonNode,
    readonly options: SignInOptions = {},
  ) {
    this.timer = setInterval(() => void this.flush(false).catch(() => {}), 10_000);
    this.timer.unref();
    // The node's other instances count the same failures: a guesser spread over them
    // is slowed as if it met one (docs/deploy.md).
    node.bus?.subscribe(SIGN_IN_TOPIC, (data) => {
      const m = parseSignInEvent(data);
      // Only failures are taken from the bus: a message that could clear an
      // account's back-off would be a way around it for whoever can publish there.
      if (m === null || m.instance === node.instance || m.ok) return;
      this.accounts.fail(m.key, node.now());
      if (m.source !== null) this.sources.fail(m.source, node.now());
    });
  }

  /** A failed attempt for `key` (and `source`, when it counts), here and at the other instances. */
  private failed(key: string, source: string | null): void {
    this.accounts.fail(key, this.node.now());
    if (source !== null) this.sources.fail(source, this.node.now());
    this.tellInstances({ key, source, ok: false });
  }

  private succeeded(key: string): void {
    this.accounts.succeed(key);
  }

  private tellInstances(e: Omit<SignInEvent, 'instance'>): void {
    const bus = this.node.bus;
    if (bus === null || bus.kind === 'local') return;
    const data = Buffer.from(JSON.stringify({ ...e, instance: this.node.instance }), 'utf8');
    void bus.publish(SIGN_IN_TOPIC, data).catch(() => {});
  }

  get requireTotp(): boolean {
    return this.options.requireTotp === true;
  }

  /** Logs what is still counted, and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush(true);
  }

  private totp(username: string, secret: string): TOTP {
    return new TOTP({
      issuer: `Liaison ${this.node.party}`,
      label: username,
      secret: Secret.fromBase32(secret),
      algorithm: 'SHA1',
      digits: 6,
      period: TOTP_PERIOD,
    });
  }

  /**
   * Checks a TOTP code against a secret: ±1 step, and never a step at or before the
   * last one accepted (a code is good once). The step accepted, or why not.
   */
  private acceptCode(
    username: string,
    secret: string,
    code: string,
    last: number | null,
  ): number | 'wrong' | 'used' {
    if (!/^\d{6}$/.test(code)) return 'wrong';
    const now = this.node.now();
    const delta = this.totp(username, secret).validate({ token: code, timestamp: now, window: 1 });
    if (delta === null) return 'wrong';
    const step = Math.floor(now / 1000 / TOTP_PERIOD) + delta;
    if (last !== null && step <= last) return 'used';
    return step;
  }

  /** Records a failed attempt for the aggregated log; logs the first of each minute at once. */
  private async recordFailure(username: string, source: string, throttled: boolean): Promise<void> {
    const now = this.node.now();
    let key = username.slice(0, 200);
    if (!this.windows.has(key) && this.windows.size >= MAX_ACCOUNTS_PER_WINDOW) key = '*';
    const w = this.windows.get(key);
    if (w !== undefined && now - w.start < WINDOW_MS) {
      if (throttled) w.throttled++;
      else w.failures++;
      if (w.sources.size < 20) w.sources.add(source);
      return;
    }
    if (w !== undefined) await this.logWindow(key, w, now);
    this.windows.set(key, { start: now, failures: 0, throttled: 0, sources: new Set() });
    await this.node.transact(async (u) => {
      signInEntry(
        u,
        { user: null, party: this.node.party },
        { username: key, source, factor: null },
        throttled ? 'too-many-requests' : 'unauthenticated',
      );
    });
  }

  private async logWindow(key: string, w: Window, now: number): Promise<void> {
    this.windows.delete(key);
    if (w.failures + w.throttled === 0) return;
    await this.node.transact(async (u) => {
      record(
        u,
        'user.sign-in-failures',
        { user: null, party: this.node.party },
        {
          username: key,
          failures: w.failures,
          throttled: w.throttled,
          sources: [...w.sources],
          from: new Date(w.start).toISOString(),
          to: new Date(now).toISOString(),
        },
        { decision: 'deny', reasons: ['unauthenticated'] },
      );
    });
  }

  /** Logs the counts of every minute that has closed (every window, on close). */
  async flush(all: boolean): Promise<void> {
    const now = this.node.now();
    for (const [key, w] of [...this.windows]) {
      if (all || now - w.start >= WINDOW_MS) await this.logWindow(key, w, now);
    }
  }

  /** Refuses at once (429) while the account or the source must wait. */
  private throttle(key: string, source: string): void {
    const now = this.node.now();
    const wait = Math.max(this.accounts.wait(key, now), this.sources.wait(source, now));
    if (wait > 0) throw tooMany(wait);
  }

  /** Verifies a password through the bounded hash queue (a full queue: 429). */
  private async verify(key: string, source: string, password: string, hash: string) {
    try {
      return await this.hashes.run(key, source, () => verifyPassword(password, hash));
    } catch (e) {
      if (e instanceof LimitReached) throw tooMany(1000);
      throw e;
    }
  }

  /**
   * Password sign-in. Throttled per account and per source before any work; the hash
   * is queued with a bound; a wrong username costs the same scrypt as a wrong password.
   */
  async signIn(
    username: string,
    password: string,
    code: string | undefined,
    source: string,
  ): Promise<Session> {
    const node = this.node;
    const key = username.toLowerCase();
    let row: Account | undefined;
    let ok: boolean;
    try {
      this.throttle(key, source);
      row = await account(node.store.db, username);
      ok = await this.verify(key, source, password, row?.passwordHash ?? DUMMY_HASH);
    } catch (e) {
      // Throttled: counted for the aggregated log, as a failure is.
      if (e instanceof LimitReached) await this.recordFailure(username, source, true);
      throw e;
    }
    const fail = async (): Promise<never> => {
      this.failed(key, source);
      await this.recordFailure(username, source, false);
      throw new AccessDenied('unauthenticated', 'wrong username, password or code');
    };
    if (!ok || row === undefined || row.passwordHash === null || row.disabled) return fail();
    let step: number | null = null;
    if (row.totpSecret !== null) {
      if (code === undefined || code === '') {
        // The password was right: say what is missing. (Not a failure: every wrong
        // password before it was counted, and the code is still needed.)
        throw new AccessDenied(
          'totp-required',
          'this account needs its one-time code (TOTP): send code',
        );
      }
      const accepted = this.acceptCode(row.id, row.totpSecret, code, row.totpLastStep);
      if (accepted === 'used') {
        this.failed(key, null);
        await this.recordFailure(username, source, false);
        throw new AccessDenied(
          'unauthenticated',
          'that code was already used: wait for the next one',
        );
      }
      if (accepted === 'wrong') return fail();
      step = accepted;
    }
    this.succeeded(key);
    const enrol = this.requireTotp && row.totpSecret === null;
    const issued = await node.transact(async (u) => {
      if (step !== null) await setTotp(u.tx, row.id, { lastStep: step });
      signInEntry(
        u,
        { user: row.id, party: node.party },
        { username: row.id, source, factor: step === null ? 'password' : 'password+totp' },
        null,
      );
      return insertToken(
        u,
        node.party,
        null,
        row.id,
        enrol ? 'enrolment (second factor required)' : 'console session',
        u.now + (enrol ? ENROL_MS : SESSION_MS),
        enrol ? 'enrol' : 'session',
      );
    });
    return {
      ...issued,
      party: node.party,
      roles: enrol ? [] : knownRoles(row.roles),
      enrolRequired: enrol,
    };
  }

  /**
   * Sets a console password. For oneself, the current password is needed (when one is
   * set), checked like a sign-in; the user's other sessions are revoked. An admin's
   * reset of someone else's revokes all their sessions. `next` null clears it.
   */
  async setPassword(
    actor: Actor,
    tokenId: string,
    userId: string,
    next: string | null,
    current: string | undefined,
    source: string,
  ): Promise<{ sessionsRevoked: number }> {
    const node = this.node;
    const self = actor.user === userId;
    if (!self && !actor.roles.includes('admin'))
      throw new AccessDenied('forbidden', "only an admin sets another person's password");
    if (next !== null) checkPassword(next);
    if (self) {
      const row = await account(node.store.db, userId);
      if (row !== undefined && row.passwordHash !== null) {
        const stored = row.passwordHash;
        if (current === undefined)
          throw new RequestInvalid(
            'invalid-request',
            'current: give your current password to change it',
          );
        const key = userId.toLowerCase();
        this.throttle(key, source);
        if (!(await this.verify(key, source, current, stored))) {
          this.failed(key, source);
          await this.recordFailure(userId, source, false);
          throw new AccessDenied('wrong-password', 'current: that is not your current password');
        }
      }
    }
    const hash = next === null ? null : await hashPassword(next);
    return node.transact(async (u) => {
      if (!u.world.users.has(userId))
        throw new NotFound('unknown-user', `unknown user '${userId}'`);
      const n = await revokeSessions(u, userId, self ? tokenId : null);
      await writePassword(u, { user: actor.user, party: node.party }, userId, hash, {
        reset: !self,
        setup: false,
        sessionsRevoked: n,
      });
      return { sessionsRevoked: n };
    });
  }

  /**
   * Starts enrolment of a second factor: a new secret, shown once as an otpauth URI.
   * Replacing a factor one has takes a current code of it, so that a stolen session
   * cannot swap the owner's factor for its own.
   */
  enrolTotp(actor: Actor, code: string | undefined): Promise<{ secret: string; uri: string }> {
    const secret = new Secret({ size: 20 }).base32;
    return this.node.transact(async (u) => {
      const row = await account(u.tx, actor.user);
      if (row !== undefined && row.totpSecret !== null) {
        if (code === undefined || code === '')
          throw new AccessDenied(
            'totp-required',
            'you have a second factor: send a current code of it (code) to replace it',
          );
        const step = this.acceptCode(actor.user, row.totpSecret, code, row.totpLastStep);
        if (typeof step !== 'number')
          throw new AccessDenied(
            'wrong-password',
            'code: not a current code of your second factor',
          );
        await setTotp(u.tx, actor.user, { lastStep: step });
      }
      await setTotp(u.tx, actor.user, { pending: secret });
      return { secret, uri: this.totp(actor.user, secret).toString() };
    });
  }

  /** Confirms enrolment with a code from the authenticator; from now on sign-in needs one. */
  confirmTotp(actor: Actor, code: string, tokenId: string): Promise<{ enrolled: true }> {
    const node = this.node;
    return node.transact(async (u) => {
      const pending = (await account(u.tx, actor.user))?.totpPending ?? null;
      if (pending === null)
        throw new Conflict('no enrolment in progress: start one first (POST /v1/me/totp)');
      const step = this.acceptCode(actor.user, pending, code, null);
      if (typeof step !== 'number')
        throw new RequestInvalid('invalid-request', 'code: not the current code of the new secret');
      await setTotp(u.tx, actor.user, { secret: pending, pending: null, lastStep: step });
      // An enrolment token has done its job; sign in again with the code.
      await revokeTokenRow(u.tx, tokenId, u.now, 'enrol');
      u.touch(`token:${tokenId}`);
      record(
        u,
        'user.totp-enrolled',
        { user: actor.user, party: node.party },
        { user: actor.user },
      );
      return { enrolled: true };
    });
  }

  /**
   * An admin removes a person's second factor (a lost device): only for someone whose
   * rights the admin holds too (or in setup), since a removal opens the account to a
   * password alone. The person's sessions end; they enrol again.
   */
  removeTotp(actor: Actor, userId: string): Promise<void> {
    const node = this.node;
    return node.transact(async (u) => {
      await mayActFor(u, actor, userId);
      await setTotp(u.tx, userId, { secret: null, pending: null, lastStep: null });
      await revokeSessions(u, userId, null);
      record(u, 'user.totp-removed', { user: actor.user, party: node.party }, { user: userId });
    });
  }
}

/** The one writer of `user.sign-in`: a sign-in, or (`refused`: its code) a failure. */
function signInEntry(
  u: Unit,
  actor: EventActor,
  subject: EventSubjects['user.sign-in'],
  refused: string | null,
): void {
  record(
    u,
    'user.sign-in',
    actor,
    subject,
    refused === null
      ? { decision: 'allow', reasons: ['allowed'] }
      : { decision: 'deny', reasons: [refused] },
  );
}
