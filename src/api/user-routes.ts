// This node and its people: sign-in and sessions, who am I, a second factor (TOTP),
// passwords, users with the two-person rule for privileged changes, approvals,
// tokens, and the end of setup (README "Security model").
import { Type as T } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { markingRef } from '../core/index.js';
import { revokeToken, signOut } from '../node/auth.js';
import {
  type ChangeOutcome,
  type ChangeView,
  decideChange,
  listChanges,
  requestChange,
} from '../node/changes.js';
import { hasSecondFactor } from '../node/credentials.js';
import { RequestInvalid } from '../node/errors.js';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../node/passwords.js';
import { getUser, listUsers, type UserView } from '../node/people.js';
import type { LiaisonNode } from '../node/service.js';
import { endSetup, inSetup } from '../node/setup-mode.js';
import { SESSION_MS, type SignInGuard } from '../node/signin.js';
import { createUser, issueToken } from '../node/users.js';
import {
  ALL_ROLES,
  type App,
  type Auth,
  actorOf,
  bearer,
  credentialOf,
  type Errors,
  instant,
  iso,
  PageQuery,
  pageOf,
} from './common.js';
import { IdParams, ref } from './schemas.js';
import {
  ChangeOutcome as ChangeOutcomeSchema,
  ChangeView as ChangeViewSchema,
  ClearanceBody,
  CodeBody,
  CreatedUser,
  IssuedToken,
  Me,
  NodeInfo,
  NoteBody,
  PasswordBody,
  PasswordSet,
  RevokedToken,
  RolesBody,
  Session,
  SessionBody,
  SetupEnded,
  TokenBody,
  TotpBody,
  TotpConfirmed,
  TotpEnrolment,
  UserBody,
  UserView as UserViewSchema,
} from './user-schemas.js';

function userJson(u: UserView) {
  return {
    ...u,
    needToKnow: [...u.needToKnow],
    roles: [...u.roles],
    clearanceExpires: iso(u.clearanceExpires),
  };
}

function changeJson(c: ChangeView) {
  const change =
    c.change.kind === 'roles'
      ? { kind: c.change.kind, roles: [...c.change.roles] }
      : {
          kind: c.change.kind,
          clearance: c.change.clearance,
          needToKnow: [...c.change.needToKnow],
          clearanceExpires: iso(c.change.clearanceExpires),
        };
  return {
    ...c,
    change,
    proposedAt: iso(c.proposedAt) ?? '',
    decidedAt: iso(c.decidedAt),
  };
}

function outcomeJson(o: ChangeOutcome) {
  return {
    ...userJson(o.user),
    status: o.status,
    change: o.change === null ? null : changeJson(o.change),
  };
}

const source = (req: FastifyRequest) => req.ip;

export function registerUserRoutes(
  app: App,
  node: LiaisonNode,
  guard: SignInGuard,
  auth: Auth,
  errors: Errors,
): void {
  const people = ['admin', 'security-officer'] as const;

  // ------------------------------------------------------------ node
  app.get(
    '/v1/node',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary: 'This node: party, log origin and keys, setup state, sign-in policy',
        response: { 200: ref(NodeInfo), ...errors },
      },
    },
    async () => {
      return {
        party: node.party,
        origin: node.origin,
        verifierKey: node.verifierKey,
        initialVerifierKey: node.initialVerifierKey,
        signingPublicKey: node.publicKeyPem,
        logSize: node.tree.size,
        setup: await inSetup(node),
        requireTotp: guard.requireTotp,
      };
    },
  );

  app.post(
    '/v1/setup/end',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          'End setup: from now on, privileged grants and top-level clearances take two people',
        response: { 200: ref(SetupEnded), ...errors },
      },
    },
    async (req) => endSetup(node, actorOf(req)),
  );

  // ------------------------------------------------------------ sessions
  app.post(
    '/v1/session',
    {
      schema: {
        summary: `Sign in with a username and password (and a one-time code when the account has a second factor): a token that expires in ${SESSION_MS / 3_600_000} hours. Throttled per account and per source (429, Retry-After).`,
        security: [],
        body: SessionBody,
        response: { 201: ref(Session), ...errors },
      },
    },
    async (req, reply) => {
      const s = await guard.signIn(
        req.body.username,
        req.body.password,
        req.body.code,
        source(req),
      );
      return reply.status(201).send({
        token: s.token,
        tokenId: s.id,
        user: s.user,
        party: s.party,
        roles: [...s.roles],
        expiresAt: iso(s.expiresAt),
        enrolRequired: s.enrolRequired,
      });
    },
  );

  app.delete(
    '/v1/session',
    {
      onRequest: auth(ALL_ROLES, { enrol: true }),
      schema: {
        summary: 'Sign out: the token of this request is revoked',
        response: { 204: T.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await signOut(node, actorOf(req), bearer(req) ?? '');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/v1/me',
    {
      onRequest: auth(ALL_ROLES, { enrol: true }),
      schema: { summary: 'Who the token belongs to', response: { 200: ref(Me), ...errors } },
    },
    async (req) => {
      const a = actorOf(req);
      const c = credentialOf(req);
      const u = node.world.users.get(a.user);
      return {
        user: a.user,
        party: a.party,
        roles: c.kind === 'enrol' ? [] : [...a.roles],
        clearance: u === undefined ? null : markingRef(u.clearance),
        needToKnow: u === undefined ? [] : [...u.needToKnow],
        // The markings of this party's scheme, lowest first (for forms).
        scheme: (node.world.parties.get(a.party)?.scheme.markings ?? []).map(markingRef),
        totp: { enrolled: await hasSecondFactor(node, a.user), required: guard.requireTotp },
        enrolRequired: c.kind === 'enrol',
      };
    },
  );

  app.post(
    '/v1/me/totp',
    {
      onRequest: auth(ALL_ROLES, { enrol: true }),
      // The body (a current code, to replace a factor) is optional.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        summary:
          'Start enrolling a second factor (RFC 6238 TOTP): a new secret, as an otpauth:// URI for an authenticator app. Replacing the one you have needs a current code of it.',
        body: TotpBody,
        response: { 201: ref(TotpEnrolment), ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await guard.enrolTotp(actorOf(req), req.body.code?.trim())),
  );

  app.post(
    '/v1/me/totp/confirm',
    {
      onRequest: auth(ALL_ROLES, { enrol: true }),
      schema: {
        summary:
          'Confirm the second factor with a code from the authenticator; from then on sign-in needs a code',
        body: CodeBody,
        response: { 200: ref(TotpConfirmed), ...errors },
      },
    },
    async (req) => guard.confirmTotp(actorOf(req), req.body.code.trim(), credentialOf(req).tokenId),
  );

  app.delete(
    '/v1/users/:id/totp',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          "Remove a person's second factor (a lost device): an admin whose rights cover theirs; their sessions end",
        params: IdParams,
        response: { 204: T.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await guard.removeTotp(actorOf(req), req.params.id);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/v1/users/:id/password',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary: `Set (or clear, with null) a console password (at least ${MIN_PASSWORD_LENGTH} characters): your own with your current one, or, as an admin, reset another's. The user's other sessions are revoked.`,
        params: IdParams,
        body: PasswordBody,
        response: { 200: ref(PasswordSet), ...errors },
      },
    },
    async (req) =>
      guard.setPassword(
        actorOf(req),
        credentialOf(req).tokenId,
        req.params.id,
        req.body.password,
        req.body.current,
        source(req),
      ),
  );

  // ------------------------------------------------------------ users
  app.post(
    '/v1/users',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          'Create a user. Their clearance is set by a security officer cleared as high, and privileged roles need a second person: what waits for approval is listed in `pending`.',
        body: UserBody,
        response: { 201: ref(CreatedUser), ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.password !== undefined && b.password.length < MIN_PASSWORD_LENGTH)
        throw new RequestInvalid(
          'invalid-request',
          `password: at least ${MIN_PASSWORD_LENGTH} characters (a passphrase is best)`,
        );
      const created = await createUser(node, actorOf(req), {
        username: b.username,
        clearance: b.clearance,
        needToKnow: b.needToKnow,
        clearanceExpires: instant(b.clearanceExpires, 'clearanceExpires'),
        roles: b.roles,
        passwordHash: b.password === undefined ? null : await hashPassword(b.password),
        token: b.token,
      });
      return reply.status(201).send({
        ...userJson(created.user),
        pending: created.pending.map(changeJson),
        ...(created.token === null
          ? {}
          : { token: { ...created.token, expiresAt: iso(created.token.expiresAt) } }),
      });
    },
  );

  app.get(
    '/v1/users',
    {
      onRequest: auth(people),
      schema: { summary: 'List users', response: { 200: T.Array(ref(UserViewSchema)), ...errors } },
    },
    async () => (await listUsers(node)).map(userJson),
  );

  app.get(
    '/v1/users/:id',
    {
      onRequest: auth(people),
      schema: {
        summary: 'One user',
        params: IdParams,
        response: { 200: ref(UserViewSchema), ...errors },
      },
    },
    async (req) => userJson(await getUser(node, req.params.id)),
  );

  app.put(
    '/v1/users/:id/clearance',
    {
      onRequest: auth(people),
      schema: {
        summary:
          "Set another person's clearance and need-to-know: at once by a security officer cleared as high; raising anyone to the top level, or a proposal by an admin, waits for a second person (202)",
        params: IdParams,
        body: ClearanceBody,
        response: { 200: ref(ChangeOutcomeSchema), 202: ref(ChangeOutcomeSchema), ...errors },
      },
    },
    async (req, reply) => {
      const o = await requestChange(node, actorOf(req), req.params.id, {
        kind: 'clearance',
        clearance: req.body.clearance,
        needToKnow: req.body.needToKnow,
        clearanceExpires: instant(req.body.clearanceExpires, 'clearanceExpires'),
      });
      return reply.status(o.status === 'applied' ? 200 : 202).send(outcomeJson(o));
    },
  );

  app.put(
    '/v1/users/:id/roles',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          "Set another person's roles: granting admin, security-officer or releasing-authority waits for a second person (202)",
        params: IdParams,
        body: RolesBody,
        response: { 200: ref(ChangeOutcomeSchema), 202: ref(ChangeOutcomeSchema), ...errors },
      },
    },
    async (req, reply) => {
      const o = await requestChange(node, actorOf(req), req.params.id, {
        kind: 'roles',
        roles: [...new Set(req.body.roles)],
      });
      return reply.status(o.status === 'applied' ? 200 : 202).send(outcomeJson(o));
    },
  );

  // ------------------------------------------------------------ approvals
  app.get(
    '/v1/approvals',
    {
      onRequest: auth(people),
      schema: {
        summary:
          'Changes of clearance or roles awaiting a second person (with ?all=true, decided ones too), newest first',
        querystring: T.Composite([PageQuery, T.Object({ all: T.Optional(T.Boolean()) })]),
        response: { 200: T.Array(ref(ChangeViewSchema)), ...errors },
      },
    },
    async (req) => {
      const p = pageOf(req.query);
      return (await listChanges(node, req.query.all === true, p.limit, p.offset)).map(changeJson);
    },
  );

  for (const [verb, approve] of [
    ['approve', true],
    ['reject', false],
  ] as const) {
    app.post(
      `/v1/approvals/:id/${verb}`,
      {
        onRequest: auth(people),
        // The note is optional, and so is the body that carries it.
        preValidation: async (req) => {
          req.body ??= {};
        },
        schema: {
          summary: approve
            ? 'Approve a pending change: a different person from its proposer and its subject, with the authority it needs'
            : 'Reject a pending change (its proposer withdraws it the same way)',
          params: IdParams,
          body: NoteBody,
          response: { 200: ref(ChangeOutcomeSchema), ...errors },
        },
      },
      async (req) =>
        outcomeJson(
          await decideChange(node, actorOf(req), req.params.id, approve, req.body.note ?? null),
        ),
    );
  }

  // ------------------------------------------------------------ tokens
  app.post(
    '/v1/users/:id/tokens',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary:
          'Issue an API token (shown once): your own, or, as an admin, for someone whose rights (roles, clearance, need-to-know) you hold too',
        params: IdParams,
        body: TokenBody,
        response: { 201: ref(IssuedToken), ...errors },
      },
    },
    async (req, reply) => {
      const t = await issueToken(
        node,
        actorOf(req),
        req.params.id,
        req.body.label,
        instant(req.body.expiresAt, 'expiresAt'),
      );
      return reply.status(201).send({ ...t, expiresAt: iso(t.expiresAt) });
    },
  );

  app.delete(
    '/v1/tokens/:id',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Revoke a token',
        params: IdParams,
        response: { 200: ref(RevokedToken), ...errors },
      },
    },
    async (req) => {
      const r = await revokeToken(node, actorOf(req), req.params.id);
      return { id: r.id, revokedAt: iso(r.revokedAt) };
    },
  );
}
