// What a node does for its people: the operations behind the API and the CLI. Each
// change decides with the core, then writes its rows and its log entry in one unit.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  type AgreementDefinition,
  type AgreementExplanation,
  applyEffect,
  type Decision,
  DefinitionError,
  decide,
  explainAgreement,
  type ItemRecord,
  markingRef,
  type NoticeActionKind,
  type Precedence,
  type UserRecord,
  World,
} from '../core/index.js';
import { ApiError, deniedBy } from './errors.js';
import { DUMMY_HASH, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './passwords.js';
import { json, type LiaisonNode, type Unit } from './service.js';

export const ROLES = [
  'officer',
  'releasing-authority',
  'security-officer',
  'auditor',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  readonly user: string;
  readonly party: string;
  readonly roles: readonly Role[];
}

export interface UserView {
  readonly id: string;
  readonly party: string;
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires: number | null;
  readonly roles: readonly Role[];
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function definitionError(e: unknown): never {
  if (e instanceof DefinitionError) {
    throw new ApiError(
      'invalid-request',
      `${e.path.length > 0 ? `${e.path.join('.')}: ` : ''}${e.message}`,
    );
  }
  throw e;
}

// ---------------------------------------------------------------- authentication

interface CachedToken {
  readonly tokenId: string;
  readonly actor: Actor;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly disabled: boolean;
}

/**
 * Tokens this process has resolved, by hash. Every change to a token or a user's
 * roles in this process drops the affected entries, so a revocation takes effect at
 * once. (Several processes per node will need to broadcast these drops.)
 */
const tokenCache = new WeakMap<LiaisonNode, Map<string, CachedToken>>();

function cacheOf(node: LiaisonNode): Map<string, CachedToken> {
  let c = tokenCache.get(node);
  if (c === undefined) {
    c = new Map();
    tokenCache.set(node, c);
  }
  return c;
}

function forget(node: LiaisonNode, match: (t: CachedToken) => boolean): void {
  const c = cacheOf(node);
  for (const [k, v] of c) if (match(v)) c.delete(k);
}

/** Resolves a bearer token to its user; tokens are stored as SHA-256 hashes only. */
export async function authenticate(node: LiaisonNode, token: string): Promise<Actor> {
  const hash = hashToken(token);
  const cache = cacheOf(node);
  let entry = cache.get(hash);
  if (entry === undefined) {
    entry = await lookupToken(node, hash);
    if (cache.size >= 10_000) cache.clear();
    cache.set(hash, entry);
  }
  const now = node.now();
  if (entry.revokedAt !== null && entry.revokedAt <= now) {
    throw new ApiError('token-revoked', 'this token was revoked');
  }
  if (entry.expiresAt !== null && entry.expiresAt <= now) {
    throw new ApiError('token-expired', 'this token has expired');
  }
  if (entry.disabled) throw new ApiError('unauthenticated', 'this user is disabled');
  return entry.actor;
}

async function lookupToken(node: LiaisonNode, hash: string): Promise<CachedToken> {
  const row = await node.store.db
    .selectFrom('tokens')
    .innerJoin('users', 'users.id', 'tokens.user_id')
    .select([
      'tokens.id as token_id',
      'tokens.expires_at',
      'tokens.revoked_at',
      'users.id',
      'users.party',
      'users.roles',
      'users.disabled',
    ])
    .where('tokens.hash', '=', hash)
    .executeTakeFirst();
  if (row === undefined) throw new ApiError('unauthenticated', 'unknown token');
  return {
    tokenId: row.token_id,
    actor: { user: row.id, party: row.party, roles: JSON.parse(row.roles) as Role[] },
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    disabled: row.disabled !== 0,
  };
}

export function requireRole(actor: Actor, allowed: readonly Role[]): void {
  if (!actor.roles.some((r) => allowed.includes(r))) {
    throw new ApiError(
      'forbidden',
      `this needs one of the roles ${allowed.join(', ')}; you have ${actor.roles.join(', ') || 'none'}`,
    );
  }
}

// ---------------------------------------------------------------- users and tokens

function userView(u: UserRecord, roles: readonly Role[]): UserView {
  return {
    id: u.id,
    party: u.party.id,
    clearance: u.clearance.code,
    needToKnow: [...u.needToKnow],
    clearanceExpires: Number.isFinite(u.clearanceExpires) ? u.clearanceExpires : null,
    roles,
  };
}

async function rolesOf(u: Unit, id: string): Promise<Role[]> {
  const row = await u.tx
    .selectFrom('users')
    .select('roles')
    .where('id', '=', id)
    .executeTakeFirst();
  return row === undefined ? [] : (JSON.parse(row.roles) as Role[]);
}

export interface NewUser {
  readonly username: string;
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires?: number | null | undefined;
  readonly roles: readonly Role[];
  /** For the console's sign-in; hashed with scrypt, never stored or logged as is. */
  readonly password?: string | undefined;
}

function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH)
    throw new ApiError(
      'invalid-request',
      `password: at least ${MIN_PASSWORD_LENGTH} characters (a passphrase is best)`,
    );
}

/** Creates a user of this node's party. `actor` null: the node itself (at init). */
export function createUser(
  node: LiaisonNode,
  actor: Actor | null,
  input: NewUser,
): Promise<UserView> {
  if (input.password !== undefined) checkPassword(input.password);
  const hashing = input.password === undefined ? null : hashPassword(input.password);
  return node.transact(async (u) => {
    const passwordHash = hashing === null ? null : await hashing;
    if (u.world.users.has(input.username))
      throw new ApiError('conflict', `user '${input.username}' exists`);
    let user: UserRecord;
    try {
      user = u.world.addUser({
        id: input.username,
        party: node.party,
        clearance: input.clearance,
        needToKnow: input.needToKnow,
        clearanceExpires: input.clearanceExpires ?? undefined,
      });
    } catch (e) {
      definitionError(e);
    }
    await u.tx
      .insertInto('users')
      .values({
        id: user.id,
        username: user.id,
        party: node.party,
        clearance: user.clearance.code,
        need_to_know: json([...user.needToKnow]),
        clearance_expires: input.clearanceExpires ?? null,
        roles: json(input.roles),
        created_at: u.now,
        disabled: 0,
        password_hash: passwordHash,
      })
      .execute();
    u.log({
      type: 'user.created',
      actor: { user: actor?.user ?? null, party: node.party },
      subject: {
        user: user.id,
        clearance: user.clearance.code,
        needToKnow: [...user.needToKnow],
        roles: input.roles,
      },
    });
    return userView(user, input.roles);
  });
}

/** Sets (or clears, with null) a user's console password. */
export async function setPassword(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  password: string | null,
): Promise<void> {
  if (password !== null) checkPassword(password);
  const hash = password === null ? null : await hashPassword(password);
  await node.transact(async (u) => {
    if (!u.world.users.has(id)) throw new ApiError('unknown-user', `unknown user '${id}'`);
    await u.tx.updateTable('users').set({ password_hash: hash }).where('id', '=', id).execute();
    u.log({
      type: 'user.password-changed',
      actor: { user: actor.user, party: node.party },
      subject: { user: id, cleared: password === null },
    });
  });
}

/** How long a console session's token lives. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

export interface Session extends IssuedToken {
  readonly party: string;
  readonly roles: readonly Role[];
}

/**
 * The console's sign-in: a username and password give a token that expires in 12
 * hours. A wrong username costs the same scrypt as a wrong password, and both get
 * the same answer; failures are logged.
 */
export async function signIn(
  node: LiaisonNode,
  username: string,
  password: string,
): Promise<Session> {
  const row = await node.store.db
    .selectFrom('users')
    .select(['id', 'roles', 'disabled', 'password_hash'])
    .where('id', '=', username)
    .executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
  if (!ok || row === undefined || row.password_hash === null || row.disabled !== 0) {
    await node.transact(async (u) => {
      u.log({
        type: 'user.sign-in',
        actor: { user: null, party: node.party },
        subject: { username: username.slice(0, 200) },
        decision: 'deny',
        reasons: ['unauthenticated'],
      });
    });
    throw new ApiError('unauthenticated', 'wrong username or password');
  }
  const issued = await createToken(node, null, row.id, 'console session', node.now() + SESSION_MS);
  return { ...issued, party: node.party, roles: JSON.parse(row.roles) as Role[] };
}

export function listUsers(node: LiaisonNode): Promise<UserView[]> {
  return node.transact(async (u) => {
    const rows = await u.tx.selectFrom('users').select(['id', 'roles']).orderBy('id').execute();
    return rows.flatMap((r) => {
      const user = u.world.users.get(r.id);
      return user === undefined ? [] : [userView(user, JSON.parse(r.roles) as Role[])];
    });
  });
}

export function getUser(node: LiaisonNode, id: string): Promise<UserView> {
  return node.transact(async (u) => {
    const user = u.world.users.get(id);
    if (user === undefined) throw new ApiError('unknown-user', `unknown user '${id}'`);
    return userView(user, await rolesOf(u, id));
  });
}

export interface ClearanceChange {
  readonly clearance: string;
  readonly needToKnow: readonly string[];
  readonly clearanceExpires?: number | null | undefined;
}

export function setClearance(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  change: ClearanceChange,
): Promise<UserView> {
  return node.transact(async (u) => {
    const before = u.world.users.get(id);
    if (before === undefined) throw new ApiError('unknown-user', `unknown user '${id}'`);
    let user: UserRecord;
    try {
      user = u.world.updateUser(id, {
        clearance: change.clearance,
        needToKnow: change.needToKnow,
        clearanceExpires: change.clearanceExpires ?? undefined,
      });
    } catch (e) {
      definitionError(e);
    }
    await u.tx
      .updateTable('users')
      .set({
        clearance: user.clearance.code,
        need_to_know: json([...user.needToKnow]),
        clearance_expires: change.clearanceExpires ?? null,
      })
      .where('id', '=', id)
      .execute();
    u.log({
      type: 'user.clearance-changed',
      actor: { user: actor.user, party: node.party },
      subject: {
        user: id,
        from: { clearance: before.clearance.code, needToKnow: [...before.needToKnow] },
        to: {
          clearance: user.clearance.code,
          needToKnow: [...user.needToKnow],
          expires: change.clearanceExpires ?? null,
        },
      },
    });
    return userView(user, await rolesOf(u, id));
  });
}

export function setRoles(
  node: LiaisonNode,
  actor: Actor,
  id: string,
  roles: readonly Role[],
): Promise<UserView> {
  return node.transact(async (u) => {
    const user = u.world.users.get(id);
    if (user === undefined) throw new ApiError('unknown-user', `unknown user '${id}'`);
    const before = await rolesOf(u, id);
    await u.tx
      .updateTable('users')
      .set({ roles: json(roles) })
      .where('id', '=', id)
      .execute();
    forget(node, (t) => t.actor.user === id);
    u.log({
      type: 'user.roles-changed',
      actor: { user: actor.user, party: node.party },
      subject: { user: id, from: before, to: roles },
    });
    return userView(user, roles);
  });
}

export interface IssuedToken {
  readonly id: string;
  readonly user: string;
  /** Shown once: only its hash is stored. */
  readonly token: string;
  readonly expiresAt: number | null;
}

export function createToken(
  node: LiaisonNode,
  actor: Actor | null,
  userId: string,
  label: string,
  expiresAt: number | null = null,
): Promise<IssuedToken> {
  return node.transact(async (u) => {
    if (!u.world.users.has(userId)) throw new ApiError('unknown-user', `unknown user '${userId}'`);
    const token = `lsn_${randomBytes(32).toString('base64url')}`;
    const id = `tok-${randomUUID()}`;
    await u.tx
      .insertInto('tokens')
      .values({
        id,
        user_id: userId,
        hash: hashToken(token),
        label,
        created_at: u.now,
        expires_at: expiresAt,
        revoked_at: null,
      })
      .execute();
    u.log({
      type: 'token.created',
      actor: { user: actor?.user ?? null, party: node.party },
      subject: { token: id, user: userId, label, expiresAt },
    });
    return { id, user: userId, token, expiresAt };
  });
}

/** Signs out: revokes the token the request came with. */
export async function signOut(node: LiaisonNode, actor: Actor, token: string): Promise<void> {
  const row = await node.store.db
    .selectFrom('tokens')
    .select('id')
    .where('hash', '=', hashToken(token))
    .executeTakeFirst();
  if (row !== undefined) await revokeToken(node, actor, row.id);
}

export function revokeToken(
  node: LiaisonNode,
  actor: Actor,
  tokenId: string,
): Promise<{ id: string; revokedAt: number }> {
  return node.transact(async (u) => {
    const row = await u.tx
      .selectFrom('tokens')
      .select(['id', 'user_id', 'revoked_at'])
      .where('id', '=', tokenId)
      .executeTakeFirst();
    if (row === undefined) throw new ApiError('unknown-token', `unknown token '${tokenId}'`);
    const at = row.revoked_at ?? u.now;
    await u.tx.updateTable('tokens').set({ revoked_at: at }).where('id', '=', tokenId).execute();
    forget(node, (t) => t.tokenId === tokenId);
    u.log({
      type: 'token.revoked',
      actor: { user: actor.user, party: node.party },
      subject: { token: tokenId, user: row.user_id },
    });
    return { id: tokenId, revokedAt: at };
  });
}

// ---------------------------------------------------------------- agreements

export function addAgreement(
  node: LiaisonNode,
  actor: Actor | null,
  def: AgreementDefinition,
): Promise<string> {
  return node.transact(async (u) => {
    if (u.world.agreements.has(def.id))
      throw new ApiError('conflict', `agreement '${def.id}' exists`);
    await recordAgreement(
      u,
      def,
      { user: actor?.user ?? null, party: node.party },
      { definition: def },
    );
    return def.id;
  });
}

/**
 * Adds an agreement in a unit: the World, the store and the log (`subject` completes
 * the entry). An invalid definition is refused before anything is written. Used for
 * a node's own agreements and for those that bind when every party has signed.
 */
export async function recordAgreement(
  u: Unit,
  def: AgreementDefinition,
  actor: { readonly user: string | null; readonly party: string },
  subject: Readonly<Record<string, unknown>>,
): Promise<void> {
  try {
    u.world.addAgreement(def);
  } catch (e) {
    definitionError(e);
  }
  await u.tx
    .insertInto('agreements')
    .values({ id: def.id, definition: json(def), added_at: u.now })
    .execute();
  u.log({ type: 'agreement.added', actor, subject: { agreement: def.id, ...subject } });
}

export interface AgreementEntry {
  readonly id: string;
  /** Every party has signed: the agreement binds, and decisions use it. */
  readonly binding: boolean;
  readonly signedBy: readonly string[];
  readonly awaiting: readonly string[];
  readonly explanation: AgreementExplanation;
}

/**
 * The agreements a node knows: those that bind (in its World) and those proposed and
 * still awaiting signatures, each explained at `at` (a proposal by its own clock).
 */
export async function agreementCatalog(node: LiaisonNode, at: number): Promise<AgreementEntry[]> {
  const proposals = await node.store.db
    .selectFrom('proposals')
    .selectAll()
    .where('kind', '=', 'agreement')
    .execute();
  const out = new Map<string, AgreementEntry>();
  for (const p of proposals) {
    const parties = JSON.parse(p.parties) as string[];
    const signedBy = Object.keys(JSON.parse(p.signatures) as Record<string, string>).sort();
    const bound = node.world.agreements.get(p.agreement_id);
    let explanation: AgreementExplanation;
    if (bound !== undefined) explanation = explainAgreement(bound, at);
    else {
      const w = World.create({
        parties: [...node.world.parties.values()],
        agreements: [JSON.parse(p.body) as AgreementDefinition],
      });
      explanation = explainAgreement(
        w.agreements.get(p.agreement_id) as NonNullable<ReturnType<typeof w.agreements.get>>,
        at,
      );
    }
    out.set(p.agreement_id, {
      id: p.agreement_id,
      binding: bound !== undefined,
      signedBy,
      awaiting: parties.filter((x) => !signedBy.includes(x)),
      explanation,
    });
  }
  for (const a of node.world.agreements.values()) {
    if (!out.has(a.id)) {
      out.set(a.id, {
        id: a.id,
        binding: true,
        signedBy: [...a.partyIds],
        awaiting: [],
        explanation: explainAgreement(a, at),
      });
    }
  }
  return [...out.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
}

export async function explainAt(
  node: LiaisonNode,
  id: string,
  at: number,
): Promise<AgreementEntry> {
  const entry = (await agreementCatalog(node, at)).find((e) => e.id === id);
  if (entry === undefined) throw new ApiError('unknown-agreement', `unknown agreement '${id}'`);
  return entry;
}

/** Gives, suspends, resumes or withdraws a notice on behalf of this node's party. */
export function noticeAction(
  node: LiaisonNode,
  actor: Actor,
  agreementId: string,
  kind: NoticeActionKind,
): Promise<Decision> {
  return node.transact(async (u) => {
    if (!u.world.agreements.has(agreementId)) {
      throw new ApiError('unknown-agreement', `unknown agreement '${agreementId}'`);
    }
    const d = decide(u.world, { kind, agreement: agreementId, by: node.party }, u.now);
    u.log({
      type: 'agreement.lifecycle',
      actor: { user: actor.user, party: node.party },
      subject: { agreement: agreementId, action: kind },
      decision: d.decision,
      reasons: d.reasons.map((r) => r.code),
    });
    if (d.decision === 'allow') await recordLifecycle(u, d);
    return d;
  });
}

// ---------------------------------------------------------------- items

export interface NewItem {
  readonly marking: string;
  readonly categories: readonly string[];
  readonly title: string;
  readonly body: string;
  readonly releasableTo?: readonly string[] | undefined;
  /** ACP 121; ROUTINE when absent. */
  readonly precedence?: Precedence | undefined;
}

export interface ItemSummary {
  readonly id: string;
  readonly originator: string;
  readonly marking: {
    readonly party: string;
    readonly code: string;
    readonly name: string;
    readonly en: string;
  };
  readonly originatorMarking: {
    readonly party: string;
    readonly code: string;
    readonly name: string;
    readonly en: string;
  };
  readonly categories: readonly string[];
  readonly releasableTo: readonly string[] | null;
  readonly precedence: Precedence;
  readonly createdAt: number;
  readonly compromised: boolean;
}

function summary(node: LiaisonNode, item: ItemRecord): ItemSummary {
  const held = item.holdings.get(node.party)?.marking ?? item.marking;
  return {
    id: item.id,
    originator: item.originator.id,
    marking: markingRef(held),
    originatorMarking: markingRef(item.marking),
    categories: item.categories,
    releasableTo: item.releasableTo === null ? null : [...item.releasableTo],
    precedence: item.precedence,
    createdAt: Number.isFinite(item.holdings.get(item.originator.id)?.since ?? 0)
      ? (item.holdings.get(item.originator.id)?.since ?? 0)
      : 0,
    compromised: item.compromise.length > 0,
  };
}

export function createItem(node: LiaisonNode, actor: Actor, input: NewItem): Promise<ItemSummary> {
  return node.transact(async (u) => {
    const id = `${node.party.toLowerCase()}-${randomUUID()}`;
    let item: ItemRecord;
    try {
      item = u.world.addItem(
        {
          id,
          originator: node.party,
          marking: input.marking,
          categories: input.categories,
          releasableTo: input.releasableTo,
          title: input.title,
          precedence: input.precedence,
        },
        u.now,
      );
    } catch (e) {
      definitionError(e);
    }
    await u.tx
      .insertInto('items')
      .values({
        id,
        originator: node.party,
        marking: input.marking,
        categories: json(input.categories),
        releasable_to: input.releasableTo === undefined ? null : json(input.releasableTo),
        title: input.title,
        body: input.body,
        created_at: u.now,
        created_by: actor.user,
        precedence: item.precedence,
      })
      .execute();
    u.log({
      type: 'item.created',
      actor: { user: actor.user, party: node.party },
      subject: {
        item: id,
        marking: input.marking,
        categories: input.categories,
        releasableTo: input.releasableTo ?? null,
        precedence: item.precedence,
      },
    });
    return summary(node, item);
  });
}

/** Items this node holds, newest first (metadata only: never titles or bodies). */
export function listItems(node: LiaisonNode, limit = 100, offset = 0): ItemSummary[] {
  const held = [...node.world.items.values()].filter((i) => i.holdings.has(node.party));
  held.sort(
    (a, b) => (b.holdings.get(node.party)?.since ?? 0) - (a.holdings.get(node.party)?.since ?? 0),
  );
  return held.slice(offset, offset + limit).map((i) => summary(node, i));
}

export interface ItemContent extends ItemSummary {
  readonly title: string;
  readonly body: string;
  readonly decision: Decision;
  /** The log index at which this read was recorded. */
  readonly logIndex: number;
}

/** RULES A1–A3, decided and logged whether allowed or denied. */
export function readItem(node: LiaisonNode, actor: Actor, id: string): Promise<ItemContent> {
  return node.transact(async (u) => {
    const { item, decision, logIndex } = decideRead(u, actor, node.party, id);
    const row = await u.tx
      .selectFrom('items')
      .select(['title', 'body'])
      .where('id', '=', id)
      .executeTakeFirst();
    return {
      ...summary(node, item),
      title: row?.title ?? '',
      body: row?.body ?? '',
      decision,
      logIndex,
    };
  });
}

/**
 * RULES A1–A3 in a unit: logged as `item.read` (a denial always; an allowed read unless
 * the caller logs its own event), and a denial throws. Every view of an item's
 * content or history goes through here: the item read, an alert, its CAP export, the
 * console's history and proofs.
 */
export function decideRead(
  u: Unit,
  actor: Actor,
  party: string,
  itemId: string,
  o: { readonly subject?: Record<string, unknown>; readonly logAllowed?: boolean } = {},
): { item: ItemRecord; decision: Decision; logIndex: number } {
  const item = u.world.items.get(itemId);
  const d = decide(u.world, { kind: 'read', item: itemId, user: actor.user }, u.now);
  const allowed = d.decision === 'allow' && item !== undefined;
  const logIndex =
    allowed && o.logAllowed === false
      ? -1
      : u.log({
          type: 'item.read',
          actor: { user: actor.user, party },
          subject: {
            item: itemId,
            ...(item === undefined
              ? {}
              : { marking: item.holdings.get(party)?.marking.code ?? null }),
            ...o.subject,
          },
          decision: d.decision,
          reasons: d.reasons.map((r) => r.code),
        });
  if (!allowed) throw deniedBy(d);
  return { item, decision: d, logIndex };
}

/** RULES C1: the originator reclassifies its own item; holders follow through their rows. */
export function reclassifyItem(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  marking: string,
): Promise<Decision> {
  return node.transact(async (u) => {
    const item = u.world.items.get(itemId);
    const from = item?.marking.code ?? null;
    const d = decide(u.world, { kind: 'reclassify', item: itemId, by: node.party, marking }, u.now);
    u.log({
      type: 'item.reclassified',
      actor: { user: actor.user, party: node.party },
      subject: {
        item: itemId,
        from,
        to: marking,
        holders: (d.holders ?? []).map((h) => ({ party: h.party, marking: h.code })),
      },
      decision: d.decision,
      reasons: d.reasons.map((r) => r.code),
    });
    if (d.decision === 'deny' || d.effect?.kind !== 'reclassify') throw deniedBy(d);
    await applyReclassification(u, d);
    return d;
  });
}

export interface CompromiseView {
  readonly id: string;
  readonly item: string;
  readonly party: string;
  readonly reportedBy: string;
  readonly at: number;
  readonly note: string;
}

export function reportCompromise(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  note: string,
): Promise<CompromiseView> {
  return node.transact((u) => recordCompromise(u, actor, node.party, itemId, note));
}

/**
 * GSOMIA Art. 17 in a unit: decides the report, logs it, stores it and applies it.
 * The federation's report (which also tells the other holders) builds on it.
 */
export async function recordCompromise(
  u: Unit,
  actor: Actor,
  party: string,
  itemId: string,
  note: string,
): Promise<CompromiseView> {
  const d = decide(u.world, { kind: 'report-compromise', item: itemId, by: party }, u.now);
  u.log({
    type: 'compromise.reported',
    actor: { user: actor.user, party },
    subject: { item: itemId },
    decision: d.decision,
    reasons: d.reasons.map((r) => r.code),
  });
  if (d.decision === 'deny' || !u.world.items.has(itemId)) throw deniedBy(d);
  const view: CompromiseView = {
    id: `cmp-${randomUUID()}`,
    item: itemId,
    party,
    reportedBy: actor.user,
    at: u.now,
    note,
  };
  await u.tx
    .insertInto('compromise_reports')
    .values({
      id: view.id,
      item_id: itemId,
      party,
      reported_by: actor.user,
      at: u.now,
      note,
    })
    .execute();
  if (d.effect !== undefined) applyEffect(u.world, d.effect);
  return view;
}

export async function listCompromises(node: LiaisonNode): Promise<CompromiseView[]> {
  const rows = await node.store.db
    .selectFrom('compromise_reports')
    .selectAll()
    .orderBy('at', 'desc')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    item: r.item_id,
    party: r.party,
    reportedBy: r.reported_by,
    at: r.at,
    note: r.note,
  }));
}

/** Applies and stores an allowed lifecycle decision. */
export async function recordLifecycle(u: Unit, d: Decision): Promise<void> {
  if (d.effect?.kind !== 'lifecycle') return;
  const a = u.world.agreements.get(d.effect.agreement);
  const seq = a?.events.length ?? 0;
  await u.tx
    .insertInto('agreement_events')
    .values({
      agreement_id: d.effect.agreement,
      seq,
      at: d.effect.event.at,
      event: json(d.effect.event),
      recorded_at: u.now,
    })
    .execute();
  applyEffect(u.world, d.effect);
}

/** Applies and stores a reclassification (the originator's marking and every holder's). */
export async function applyReclassification(u: Unit, d: Decision): Promise<void> {
  if (d.effect?.kind !== 'reclassify') return;
  const e = d.effect;
  await u.tx.updateTable('items').set({ marking: e.marking }).where('id', '=', e.item).execute();
  for (const h of e.holders) {
    await u.tx
      .updateTable('holdings')
      .set({ marking: h.marking })
      .where('item_id', '=', e.item)
      .where('party', '=', h.party)
      .execute();
  }
  applyEffect(u.world, e);
}
