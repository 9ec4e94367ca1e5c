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
import { forgetTokens, type IssuedToken, insertToken, revokeSessions } from './auth.js';
import { AccessDenied, Conflict, LimitReached, NotFound, RequestInvalid } from './errors.js';
import { record } from './events.js';
import { DUMMY_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import type { Actor, Role } from './roles.js';
import type { LiaisonNode } from './service.js';
import { mayActFor, parseRoles } from './users.js';

/** How long a console session's token lives. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** How long a token that may only enrol a second factor lives. */
export const ENROL_MS = 15 * 60 * 1000;

export interface Session extends IssuedToken {
  readonly party: string;
  readonly roles: readonly Role[];
  /** The node requires a second factor and this user has none yet: the token may only enrol one. */
  readonly enrolRequired: boolean;
}

// ---------------------------------------------------------------- back-off

interface BackoffEntry {
  failures: number;
  until: number;
  last: number;
}

/**
 * Exponential back-off per key: after `free` failures, each further attempt waits
 * base·2^k (capped); entries are forgotten after a quiet period, and the table is bounded.
 */
export class Backoff {
  private readonly entries = new Map<string, BackoffEntry>();
  constructor(
    private readonly free: number,
    private readonly baseMs = 1_000,
    private readonly maxMs = 15 * 60_000,
    private readonly forgetMs = 30 * 60_000,
    private readonly maxKeys = 20_000,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  wait(key: string, now: number): number {
    const e = this.entries.get(key);
    if (e === undefined) return 0;
    if (now - e.last > this.forgetMs) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, e.until - now);
  }

  fail(key: string, now: number): void {
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= this.maxKeys) this.evict(now);
      e = { failures: 0, until: 0, last: now };
      this.entries.set(key, e);
    }
    e.failures++;
    e.last = now;
    if (e.failures >= this.free) {
      e.until = now + Math.min(this.baseMs * 2 ** (e.failures - this.free), this.maxMs);
    }
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  private evict(now: number): void {
    for (const [k, e] of this.entries) if (now - e.last > this.forgetMs) this.entries.delete(k);
    // Still full: drop the oldest half (Map keeps insertion order).
    if (this.entries.size >= this.maxKeys) {
      let n = this.entries.size / 2;
      for (const k of this.entries.keys()) {
        if (n-- <= 0) break;
        this.entries.delete(k);
      }
    }
  }
}

// ---------------------------------------------------------------- the hash queue

/**
 * scrypt runs on libuv's thread pool; a flood of sign-ins would queue there without
 * bound and delay everyone. This runs at most `concurrency` at once, lets at most
 * `waiting` wait, at most one per account and `perSource` per source, and refuses the
 * rest at once.
 */
export class HashQueue {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  private readonly byAccount = new Map<string, number>();
  private readonly bySource = new Map<string, number>();

  constructor(
    private readonly concurrency = 2,
    private readonly waiting = 6,
    private readonly perSource = 3,
  ) {}

  async run<T>(account: string, source: string, fn: () => Promise<T>): Promise<T> {
    if (
      (this.byAccount.get(account) ?? 0) >= 1 ||
      (this.bySource.get(source) ?? 0) >= this.perSource ||
      (this.running >= this.concurrency && this.queue.length >= this.waiting)
    ) {
      throw new LimitReached('busy', 'sign-in is busy: try again in a second', 1);
    }
    const inc = (m: Map<string, number>, k: string, d: number) => {
      const v = (m.get(k) ?? 0) + d;
      if (v <= 0) m.delete(k);
      else m.set(k, v);
    };
    inc(this.byAccount, account, 1);
    inc(this.bySource, source, 1);
    try {
      if (this.running >= this.concurrency) {
        await new Promise<void>((resolve) => this.queue.push(resolve));
      }
      this.running++;
      try {
        return await fn();
      } finally {
        this.running--;
        this.queue.shift()?.();
      }
    } finally {
      inc(this.byAccount, account, -1);
      inc(this.bySource, source, -1);
    }
  }
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
      record(
        u,
        'user.sign-in',
        { user: null, party: this.node.party },
        { username: key, source, factor: null },
        { decision: 'deny', reasons: [throttled ? 'too-many-requests' : 'unauthenticated'] },
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
    const account = username.toLowerCase();
    const now = node.now();
    const wait = Math.max(this.accounts.wait(account, now), this.sources.wait(source, now));
    if (wait > 0) {
      await this.recordFailure(username, source, true);
      throw tooMany(wait);
    }
    const row = await node.store.db
      .selectFrom('users')
      .select(['id', 'roles', 'disabled', 'password_hash', 'totp_secret', 'totp_last_step'])
      .where('id', '=', username)
      .executeTakeFirst();
    let ok: boolean;
    try {
      ok = await this.hashes.run(account, source, () =>
        verifyPassword(password, row?.password_hash ?? DUMMY_HASH),
      );
    } catch (e) {
      if (e instanceof LimitReached) {
        await this.recordFailure(username, source, true);
        throw tooMany(1000);
      }
      throw e;
    }
    const fail = async (): Promise<never> => {
      this.accounts.fail(account, node.now());
      this.sources.fail(source, node.now());
      await this.recordFailure(username, source, false);
      throw new AccessDenied('unauthenticated', 'wrong username, password or code');
    };
    if (!ok || row === undefined || row.password_hash === null || row.disabled !== 0) return fail();
    let step: number | null = null;
    if (row.totp_secret !== null) {
      if (code === undefined || code === '') {
        // The password was right: say what is missing. (Not a failure: every wrong
        // password before it was counted, and the code is still needed.)
        throw new AccessDenied(
          'totp-required',
          'this account needs its one-time code (TOTP): send code',
        );
      }
      const accepted = this.acceptCode(row.id, row.totp_secret, code, row.totp_last_step);
      if (accepted === 'used') {
        this.accounts.fail(account, node.now());
        await this.recordFailure(username, source, false);
        throw new AccessDenied(
          'unauthenticated',
          'that code was already used: wait for the next one',
        );
      }
      if (accepted === 'wrong') return fail();
      step = accepted;
    }
    this.accounts.succeed(account);
    const enrol = this.requireTotp && row.totp_secret === null;
    const issued = await node.transact(async (u) => {
      if (step !== null) {
        await u.tx
          .updateTable('users')
          .set({ totp_last_step: step })
          .where('id', '=', row.id)
          .execute();
      }
      record(
        u,
        'user.sign-in',
        { user: row.id, party: node.party },
        { username: row.id, source, factor: step === null ? 'password' : 'password+totp' },
        { decision: 'allow', reasons: ['allowed'] },
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
      roles: enrol ? [] : parseRoles(row.roles),
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
      const row = await node.store.db
        .selectFrom('users')
        .select('password_hash')
        .where('id', '=', userId)
        .executeTakeFirst();
      if (row?.password_hash != null) {
        if (current === undefined)
          throw new RequestInvalid(
            'invalid-request',
            'current: give your current password to change it',
          );
        const account = userId.toLowerCase();
        const wait = Math.max(
          this.accounts.wait(account, node.now()),
          this.sources.wait(source, node.now()),
        );
        if (wait > 0) throw tooMany(wait);
        let ok: boolean;
        try {
          ok = await this.hashes.run(account, source, () =>
            verifyPassword(current, row.password_hash ?? DUMMY_HASH),
          );
        } catch (e) {
          if (e instanceof LimitReached) throw tooMany(1000);
          throw e;
        }
        if (!ok) {
          this.accounts.fail(account, node.now());
          this.sources.fail(source, node.now());
          await this.recordFailure(userId, source, false);
          throw new AccessDenied('wrong-password', 'current: that is not your current password');
        }
      }
    }
    const hash = next === null ? null : await hashPassword(next);
    return node.transact(async (u) => {
      if (!u.world.users.has(userId))
        throw new NotFound('unknown-user', `unknown user '${userId}'`);
      await u.tx
        .updateTable('users')
        .set({ password_hash: hash })
        .where('id', '=', userId)
        .execute();
      const n = await revokeSessions(u, node, userId, self ? tokenId : null);
      record(
        u,
        'user.password-changed',
        { user: actor.user, party: node.party },
        { user: userId, cleared: next === null, reset: !self, setup: false, sessionsRevoked: n },
      );
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
      const row = await u.tx
        .selectFrom('users')
        .select(['totp_secret', 'totp_last_step'])
        .where('id', '=', actor.user)
        .executeTakeFirst();
      if (row?.totp_secret != null) {
        if (code === undefined || code === '')
          throw new AccessDenied(
            'totp-required',
            'you have a second factor: send a current code of it (code) to replace it',
          );
        const step = this.acceptCode(actor.user, row.totp_secret, code, row.totp_last_step);
        if (typeof step !== 'number')
          throw new AccessDenied(
            'wrong-password',
            'code: not a current code of your second factor',
          );
        await u.tx
          .updateTable('users')
          .set({ totp_last_step: step })
          .where('id', '=', actor.user)
          .execute();
      }
      await u.tx
        .updateTable('users')
        .set({ totp_pending: secret })
        .where('id', '=', actor.user)
        .execute();
      return { secret, uri: this.totp(actor.user, secret).toString() };
    });
  }

  /** Confirms enrolment with a code from the authenticator; from now on sign-in needs one. */
  confirmTotp(actor: Actor, code: string, tokenId: string): Promise<{ enrolled: true }> {
    const node = this.node;
    return node.transact(async (u) => {
      const row = await u.tx
        .selectFrom('users')
        .select(['totp_pending', 'totp_last_step'])
        .where('id', '=', actor.user)
        .executeTakeFirst();
      if (row?.totp_pending == null)
        throw new Conflict('no enrolment in progress: start one first (POST /v1/me/totp)');
      const step = this.acceptCode(actor.user, row.totp_pending, code, null);
      if (typeof step !== 'number')
        throw new RequestInvalid('invalid-request', 'code: not the current code of the new secret');
      await u.tx
        .updateTable('users')
        .set({ totp_secret: row.totp_pending, totp_pending: null, totp_last_step: step })
        .where('id', '=', actor.user)
        .execute();
      // An enrolment token has done its job; sign in again with the code.
      await u.tx
        .updateTable('tokens')
        .set({ revoked_at: u.now })
        .where('id', '=', tokenId)
        .where('kind', '=', 'enrol')
        .execute();
      u.afterCommit(() => forgetTokens(node, (t) => t.tokenId === tokenId));
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
      await u.tx
        .updateTable('users')
        .set({ totp_secret: null, totp_pending: null, totp_last_step: null })
        .where('id', '=', userId)
        .execute();
      await revokeSessions(u, node, userId, null);
      record(u, 'user.totp-removed', { user: actor.user, party: node.party }, { user: userId });
    });
  }
}
