// The node's HTTP API (Fastify). Every route has one schema (validation, OpenAPI,
// types), is authenticated by a bearer token and authorized by role; every error
// leaves as {"error": {"code", "message"}} from one handler.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { AlertService } from '../alerts/service.js';
import { explanationJson, formatInstant } from '../core/index.js';
import type { Federation } from '../federation/federation.js';
import {
  lifecycleAction,
  reclassifyAndNotify,
  reportCompromiseAndNotify,
} from '../federation/operations.js';
import { ApiError } from '../node/errors.js';
import {
  type Actor,
  agreementCatalog,
  authenticate,
  createItem,
  createToken,
  createUser,
  explainAt,
  getUser,
  type ItemSummary as ItemSummaryValue,
  listCompromises,
  listItems,
  listUsers,
  noticeAction,
  type Role,
  readItem,
  reclassifyItem,
  reportCompromise,
  requireRole,
  revokeToken,
  setClearance,
  setRoles,
  type UserView as UserViewValue,
} from '../node/operations.js';
import type { LiaisonNode } from '../node/service.js';
import { registerAlertRoutes } from './alert-routes.js';
import { actorOf, instant, iso } from './common.js';
import { registerConsoleRoutes } from './console-routes.js';
import { registerFederationRoutes } from './federation-routes.js';
import { registerLogRoutes } from './log-routes.js';
import * as S from './schemas.js';

/** Largest request body accepted, in bytes (documented in the README). */
export const BODY_LIMIT = 1024 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

const ANY: readonly Role[] = [
  'officer',
  'releasing-authority',
  'security-officer',
  'auditor',
  'admin',
];
const READERS: readonly Role[] = ['officer', 'releasing-authority', 'security-officer'];
const AUDIT: readonly Role[] = ['auditor', 'security-officer', 'admin'];

function userJson(u: UserViewValue) {
  return {
    ...u,
    needToKnow: [...u.needToKnow],
    roles: [...u.roles],
    clearanceExpires: iso(u.clearanceExpires),
  };
}

function itemJson(it: ItemSummaryValue) {
  return {
    ...it,
    categories: [...it.categories],
    releasableTo: it.releasableTo === null ? null : [...it.releasableTo],
    createdAt: formatInstant(it.createdAt),
  };
}

export interface ApiOptions {
  readonly logger?: boolean | { level: string };
  /** When set, the node federates: the partner-facing and cross-node routes are served. */
  readonly federation?: Federation;
  /** When set, FLASH alerts are served (they travel through the federation). */
  readonly alerts?: AlertService;
}

export async function buildApi(
  node: LiaisonNode,
  options: ApiOptions = {},
): Promise<FastifyInstance> {
  const federation = options.federation;
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    logger: options.logger ?? false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Bodies: wrong types are refused, not coerced, and unknown fields refused, not
  // dropped. Query strings and path parameters arrive as text: numbers are coerced.
  const strict = new Ajv({
    coerceTypes: false,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  const lenient = new Ajv({
    coerceTypes: true,
    removeAdditional: false,
    allErrors: false,
    strict: false,
  });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : lenient).compile(schema as object),
  );

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'liaison_http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'liaison_http_request_seconds',
    help: 'HTTP request duration',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'liaison_decisions_total',
    help: 'Policy decisions by kind, decision and first reason code',
    labelNames: ['kind', 'decision', 'code'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'liaison_log_size',
    help: 'Entries in the transparency log',
    registers: [registry],
    collect() {
      this.set(node.tree.size);
    },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Liaison node API',
        version: '1',
        description:
          'One party\'s Liaison node: agreements, people, items and the tamper-evident log. Errors are {"error": {"code", "message"}}.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });

  app.addSchema(S.ErrorBody);

  app.setErrorHandler(
    (err: Error & { code?: string; statusCode?: number; validation?: unknown }, req, reply) => {
      let e: ApiError;
      if (err instanceof ApiError) e = err;
      else if (err.validation !== undefined) e = new ApiError('invalid-request', err.message);
      else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        const limit = req.routeOptions.bodyLimit ?? BODY_LIMIT;
        e = new ApiError('body-too-large', `the request body is larger than ${limit} bytes`);
      } else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        e = new ApiError('unsupported', 'send JSON (Content-Type: application/json)');
      } else if (
        err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
        err instanceof SyntaxError ||
        err.statusCode === 400
      ) {
        e = new ApiError('malformed-json', `the request body is not valid JSON: ${err.message}`);
      } else {
        req.log.error(err);
        e = new ApiError('internal', 'internal error; the node logged it');
      }
      const body: { error: { code: string; message: string; reasons?: unknown } } = {
        error: { code: e.code, message: e.message },
      };
      if (e.reasons !== undefined) body.error.reasons = e.reasons;
      void reply.status(e.status).send(body);
    },
  );

  app.setNotFoundHandler((req, reply) => {
    void reply
      .status(404)
      .send({ error: { code: 'not-found', message: `no route ${req.method} ${req.url}` } });
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    requests.inc({ route, status: String(reply.statusCode) });
    duration.observe({ route }, reply.elapsedTime / 1000);
  });

  const auth =
    (roles: readonly Role[]) =>
    async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
      const header = req.headers.authorization;
      const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
      if (m === null) throw new ApiError('unauthenticated', 'send Authorization: Bearer <token>');
      const actor = await authenticate(node, m[1] as string);
      requireRole(actor, roles);
      req.actor = actor;
    };

  const errors = {
    400: S.ErrorBody,
    401: S.ErrorBody,
    403: S.ErrorBody,
    404: S.ErrorBody,
    409: S.ErrorBody,
  };

  // ------------------------------------------------------------ health, metrics, docs
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await node.store.db.selectFrom('meta').select('key').limit(1).execute();
      return { status: 'ready', logSize: node.tree.size };
    } catch {
      return reply
        .status(503)
        .send({ error: { code: 'not-ready', message: 'the store does not answer' } });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    void reply.header('content-type', registry.contentType);
    return registry.metrics();
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // ------------------------------------------------------------ node
  app.get(
    '/v1/node',
    {
      preHandler: auth(ANY),
      schema: {
        summary: 'This node: party, log origin and keys',
        response: { 200: S.Free, ...errors },
      },
    },
    async () => ({
      party: node.party,
      origin: node.origin,
      verifierKey: node.verifierKey,
      signingPublicKey: node.publicKeyPem,
      logSize: node.tree.size,
    }),
  );

  // ------------------------------------------------------------ agreements
  app.get(
    '/v1/agreements',
    {
      preHandler: auth(ANY),
      schema: {
        summary: 'Agreements, with their status now',
        querystring: S.AtQuery,
        response: { 200: T.Array(S.AgreementSummary), ...errors },
      },
    },
    async (req) => {
      const at = instant(req.query.at, 'at') ?? node.now();
      return (await agreementCatalog(node, at)).map((e) => {
        const x = e.explanation;
        return {
          id: e.id,
          title: x.title,
          parties: x.parties.map((p) => p.id),
          binding: e.binding,
          signedBy: [...e.signedBy],
          awaiting: [...e.awaiting],
          state: x.status.state,
          termEnd: iso(x.status.termEnd),
          nextNoticeDeadline: iso(x.nextNoticeDeadline?.deadline ?? null),
          notice:
            x.status.notice === null
              ? null
              : {
                  ...x.status.notice,
                  receivedAt: iso(x.status.notice.receivedAt),
                  target: iso(x.status.notice.target),
                },
        };
      });
    },
  );

  app.get(
    '/v1/agreements/:id',
    {
      preHandler: auth(ANY),
      schema: {
        summary:
          'One agreement explained: status, term, boundaries, deadlines, notice, equivalence table',
        params: S.IdParams,
        querystring: S.AtQuery,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => {
      const at = instant(req.query.at, 'at') ?? node.now();
      const e = await explainAt(node, req.params.id, at);
      return {
        ...explanationJson(e.explanation, null),
        binding: e.binding,
        signedBy: e.signedBy,
        awaiting: e.awaiting,
      };
    },
  );

  app.get(
    '/v1/agreements/:id/notices',
    {
      preHandler: auth(ANY),
      schema: {
        summary: 'Lifecycle events of an agreement',
        params: S.IdParams,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => {
      const a = node.world.agreements.get(req.params.id);
      if (a === undefined) {
        // A proposal not yet binding has no lifecycle yet.
        await explainAt(node, req.params.id, node.now());
        return { agreement: req.params.id, binding: false, events: [] };
      }
      return {
        agreement: a.id,
        events: a.events.map((e) => ({
          ...e,
          at: iso(e.at),
          ...('target' in e ? { target: iso(e.target) } : {}),
        })),
      };
    },
  );

  app.post(
    '/v1/agreements/:id/notices',
    {
      preHandler: auth(['admin']),
      schema: {
        summary:
          "Give, suspend, resume or withdraw a termination notice on behalf of this node's party",
        params: S.IdParams,
        body: S.NoticeBody,
        response: { 200: S.DecisionView, ...errors },
      },
    },
    async (req, reply) => {
      const d =
        federation === undefined
          ? await noticeAction(node, actorOf(req), req.params.id, req.body.action)
          : await lifecycleAction(federation, actorOf(req), req.params.id, req.body.action);
      decisions.inc({
        kind: req.body.action,
        decision: d.decision,
        code: d.reasons[0]?.code ?? '',
      });
      if (d.decision === 'deny') {
        const first = d.reasons[0];
        return reply.status(409).send({
          error: {
            code: first?.code ?? 'denied',
            message: first?.message ?? '',
            reasons: [...d.reasons],
          },
        });
      }
      return { decision: d.decision, reasons: [...d.reasons] };
    },
  );

  // ------------------------------------------------------------ users
  app.post(
    '/v1/users',
    {
      preHandler: auth(['admin']),
      schema: {
        summary: 'Create a user',
        body: S.UserBody,
        response: { 201: S.UserView, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const u = await createUser(node, actorOf(req), {
        username: b.username,
        clearance: b.clearance,
        needToKnow: b.needToKnow,
        clearanceExpires: instant(b.clearanceExpires, 'clearanceExpires'),
        roles: b.roles,
        password: b.password,
      });
      return reply.status(201).send(userJson(u));
    },
  );

  app.get(
    '/v1/users',
    {
      preHandler: auth(['admin', 'security-officer']),
      schema: { summary: 'List users', response: { 200: T.Array(S.UserView), ...errors } },
    },
    async () => (await listUsers(node)).map(userJson),
  );

  app.get(
    '/v1/users/:id',
    {
      preHandler: auth(['admin', 'security-officer']),
      schema: { summary: 'One user', params: S.IdParams, response: { 200: S.UserView, ...errors } },
    },
    async (req) => userJson(await getUser(node, req.params.id)),
  );

  app.put(
    '/v1/users/:id/clearance',
    {
      preHandler: auth(['security-officer', 'admin']),
      schema: {
        summary: "Set a user's clearance and need-to-know",
        params: S.IdParams,
        body: S.ClearanceBody,
        response: { 200: S.UserView, ...errors },
      },
    },
    async (req) =>
      userJson(
        await setClearance(node, actorOf(req), req.params.id, {
          clearance: req.body.clearance,
          needToKnow: req.body.needToKnow,
          clearanceExpires: instant(req.body.clearanceExpires, 'clearanceExpires'),
        }),
      ),
  );

  app.put(
    '/v1/users/:id/roles',
    {
      preHandler: auth(['admin']),
      schema: {
        summary: "Set a user's roles",
        params: S.IdParams,
        body: S.RolesBody,
        response: { 200: S.UserView, ...errors },
      },
    },
    async (req) => userJson(await setRoles(node, actorOf(req), req.params.id, req.body.roles)),
  );

  app.post(
    '/v1/users/:id/tokens',
    {
      preHandler: auth(['admin']),
      schema: {
        summary: 'Issue an API token (shown once)',
        params: S.IdParams,
        body: S.TokenBody,
        response: { 201: S.IssuedToken, ...errors },
      },
    },
    async (req, reply) => {
      const t = await createToken(
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
      preHandler: auth(['admin']),
      schema: {
        summary: 'Revoke a token',
        params: S.IdParams,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => {
      const r = await revokeToken(node, actorOf(req), req.params.id);
      return { id: r.id, revokedAt: iso(r.revokedAt) };
    },
  );

  // ------------------------------------------------------------ items
  app.post(
    '/v1/items',
    {
      preHandler: auth(['officer', 'releasing-authority']),
      schema: {
        summary: 'Create an item originated by this party',
        body: S.ItemBody,
        response: { 201: S.ItemSummary, ...errors },
      },
    },
    async (req, reply) => {
      const it = await createItem(node, actorOf(req), req.body);
      return reply.status(201).send(itemJson(it));
    },
  );

  app.get(
    '/v1/items',
    {
      preHandler: auth(READERS),
      schema: {
        summary: 'Items this node holds (metadata only)',
        querystring: S.PageQuery,
        response: { 200: T.Array(S.ItemSummary), ...errors },
      },
    },
    async (req) =>
      listItems(node, Number(req.query.limit ?? 100), Number(req.query.offset ?? 0)).map(itemJson),
  );

  app.get(
    '/v1/items/:id',
    {
      preHandler: auth(READERS),
      schema: {
        summary:
          'Read an item: decided by RULES A1–A3 for the caller and logged, allowed or denied',
        params: S.IdParams,
        response: { 200: S.ItemContent, ...errors },
      },
    },
    async (req) => {
      try {
        const it = await readItem(node, actorOf(req), req.params.id);
        decisions.inc({ kind: 'read', decision: 'allow', code: 'allowed' });
        return {
          ...itemJson(it),
          title: it.title,
          body: it.body,
          logIndex: it.logIndex,
          reasons: [...it.decision.reasons],
        };
      } catch (e) {
        if (e instanceof ApiError) decisions.inc({ kind: 'read', decision: 'deny', code: e.code });
        throw e;
      }
    },
  );

  app.post(
    '/v1/items/:id/reclassify',
    {
      preHandler: auth(['releasing-authority']),
      schema: {
        summary: "Reclassify an item this party originated (RULES C1); holders' markings follow",
        params: S.IdParams,
        body: S.ReclassifyBody,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => {
      const d =
        federation === undefined
          ? await reclassifyItem(node, actorOf(req), req.params.id, req.body.marking)
          : await reclassifyAndNotify(federation, actorOf(req), req.params.id, req.body.marking);
      decisions.inc({ kind: 'reclassify', decision: d.decision, code: d.reasons[0]?.code ?? '' });
      return { decision: d.decision, reasons: [...d.reasons], holders: [...(d.holders ?? [])] };
    },
  );

  app.post(
    '/v1/items/:id/compromise',
    {
      preHandler: auth(['officer', 'releasing-authority', 'security-officer']),
      schema: {
        summary: 'Report loss or possible compromise of an item (GSOMIA Art. 17)',
        params: S.IdParams,
        body: S.CompromiseBody,
        response: { 201: S.CompromiseView, ...errors },
      },
    },
    async (req, reply) => {
      if (federation !== undefined) {
        const r = await reportCompromiseAndNotify(
          federation,
          actorOf(req),
          req.params.id,
          req.body.note,
        );
        return reply.status(201).send({
          id: r.id,
          item: req.params.id,
          party: node.party,
          reportedBy: actorOf(req).user,
          at: formatInstant(r.at),
          note: req.body.note,
        });
      }
      const c = await reportCompromise(node, actorOf(req), req.params.id, req.body.note);
      return reply.status(201).send({ ...c, at: formatInstant(c.at) });
    },
  );

  app.get(
    '/v1/compromise-reports',
    {
      preHandler: auth(['security-officer', 'auditor', 'admin']),
      schema: {
        summary: 'Compromise reports',
        response: { 200: T.Array(S.CompromiseView), ...errors },
      },
    },
    async () => (await listCompromises(node)).map((c) => ({ ...c, at: formatInstant(c.at) })),
  );

  // ------------------------------------------------------------ log
  registerLogRoutes(app, node, auth(AUDIT), errors);
  if (federation !== undefined) registerFederationRoutes(app, federation, auth, errors);
  if (options.alerts !== undefined) registerAlertRoutes(app, options.alerts, auth, errors);
  registerConsoleRoutes(app, node, auth, errors);

  return app;
}
