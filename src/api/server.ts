// The node's HTTP API (Fastify). Every route has one schema (validation, OpenAPI,
// types), is authenticated by a bearer token before its body is read, and authorized
// by role; every error, Fastify's own included, leaves as {"error": {"code", "message"}}.
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type AnySchema } from 'ajv';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import secureJson from 'secure-json-parse';
import type { AlertService } from '../alerts/service.js';
import type { LiaisonError } from '../core/index.js';
import type { Cosigning } from '../federation/cosigning.js';
import type { Federation } from '../federation/federation.js';
import { outOfStep } from '../federation/sync-view.js';
import { RequestInvalid } from '../node/errors.js';
import type { LiaisonNode } from '../node/service.js';
import { SignInGuard, type SignInOptions } from '../node/signin.js';
import { metaValue } from '../store/meta.js';
import { registerAgreementRoutes } from './agreement-routes.js';
import { registerAlertRoutes } from './alert-routes.js';
import { registerAtRestRoutes } from './at-rest-routes.js';
import { registerAttachmentRoutes } from './attachment-routes.js';
import { type App, ERRORS, makeAuth } from './common.js';
import { registerConsoleRoutes } from './console-routes.js';
import { answer, fromFramework, INTERNAL } from './errors.js';
import { registerFederationRoutes } from './federation-routes.js';
import { registerItemRoutes } from './item-routes.js';
import { registerLogRoutes } from './log-routes.js';
import { createMetrics, type Metrics } from './metrics.js';
import { namedSchemas, Text } from './schemas.js';
import { registerSearchRoutes } from './search-routes.js';
import { buildSerializer } from './serializer.js';
import { registerStixRoutes } from './stix-routes.js';
import { registerSyncRoutes } from './sync-routes.js';
import { registerTaxiiRoutes } from './taxii-routes.js';
import { registerTileRoutes } from './tile-routes.js';
import { registerUserRoutes } from './user-routes.js';
import { registerWitnessRoutes } from './witness-routes.js';

/** Largest request body accepted, in bytes (documented in the README). */
const BODY_LIMIT = 1024 * 1024;

export interface ApiOptions {
  readonly logger?: boolean | { level: string };
  /** When set, the node federates: the partner-facing and cross-node routes are served. */
  readonly federation?: Federation;
  /** When set, FLASH alerts are served (they travel through the federation). */
  readonly alerts?: AlertService;
  /** Sign-in policy (a second factor required or not). */
  readonly signIn?: SignInOptions;
  /** Metrics to expose (startNode shares them with the metrics listener). */
  readonly metrics?: Metrics;
  /** The worker asking peers to cosign this node's log (its state is shown to auditors). */
  readonly cosigning?: Cosigning;
  /** Serve HTTPS with this certificate (PEM, any intermediates after it) and key; HTTP without. */
  readonly https?: { readonly cert: string; readonly key: string };
}

export async function buildApi(
  node: LiaisonNode,
  options: ApiOptions = {},
): Promise<FastifyInstance> {
  const fed = options.federation;
  const metrics =
    options.metrics ?? createMetrics(node, fed === undefined ? undefined : () => outOfStep(fed));
  const send = (reply: FastifyReply, e: LiaisonError) => {
    const a = answer(e);
    if (a.retryAfter !== null) void reply.header('retry-after', String(a.retryAfter));
    return reply.status(a.status).send(a.body);
  };
  const settings = {
    bodyLimit: BODY_LIMIT,
    schemaController: { compilersFactory: { buildSerializer } },
    logger: options.logger ?? false,
    // Errors Fastify raises before routing (a malformed URL) take the project's shape.
    frameworkErrors: (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const e =
        fromFramework(error, BODY_LIMIT) ??
        new RequestInvalid('invalid-request', 'the request is malformed');
      req.log.info({ code: error.code }, 'framework error');
      void send(reply, e);
    },
  };
  // Two calls: Fastify's types choose the server (http or https) by the options given.
  const tls = options.https;
  const app: App = (
    tls === undefined
      ? Fastify(settings)
      : Fastify({ ...settings, https: { cert: tls.cert, key: tls.key } })
  ).withTypeProvider<TypeBoxTypeProvider>();

  // A malformed HTTP request never reaches Fastify's router: answer it in our shape too.
  app.server.removeAllListeners('clientError');
  app.server.on('clientError', (_err, socket) => {
    if (!socket.writable) return;
    const body = JSON.stringify({
      error: { code: 'invalid-request', message: 'the HTTP request is malformed' },
    });
    socket.end(
      `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });

  // JSON bodies (and STIX bundles, JSON under their own media type): parsed by
  // secure-json-parse, which refuses __proto__ and constructor.prototype keys; each
  // failure is said for what it is.
  app.removeContentTypeParser('application/json');
  const json = ['application/json', 'application/stix+json'];
  app.addContentTypeParser(json, { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') {
      done(new RequestInvalid('malformed-json', 'the request body is empty: send JSON'), undefined);
      return;
    }
    try {
      done(null, secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' }));
    } catch (e) {
      done(
        /prototype/.test(e instanceof Error ? e.message : '')
          ? new RequestInvalid(
              'invalid-request',
              'the body carries a __proto__ or constructor.prototype key: refused',
            )
          : new RequestInvalid('malformed-json', 'the request body is not valid JSON'),
        undefined,
      );
    }
  });

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
  app.setValidatorCompiler<AnySchema>(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : lenient).compile(schema),
  );

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
    // Each named schema is a component under its own name (the console's type names).
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });

  // The answers' named schemas, which routes refer to (schemas.ts `named` and `ref`: a
  // route module that refers to one has imported, and so registered, it).
  for (const schema of namedSchemas()) app.addSchema(schema);

  app.setErrorHandler(
    (err: Error & { code?: string; statusCode?: number; validation?: unknown }, req, reply) => {
      let e = fromFramework(err, req.routeOptions.bodyLimit ?? BODY_LIMIT);
      if (e === null) {
        req.log.error(err);
        e = INTERNAL;
      }
      void send(reply, e);
    },
  );

  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({
      error: { code: 'not-found', message: `no route ${req.method} ${req.url.slice(0, 200)}` },
    });
  });

  app.addHook('onResponse', async (req: FastifyRequest, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
  });

  const auth = makeAuth(node);
  const errors = ERRORS;

  // ------------------------------------------------------------ health, metrics, docs
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await metaValue(node.store.db, 'party');
      return { status: 'ready', logSize: node.tree.size };
    } catch {
      return reply
        .status(503)
        .send({ error: { code: 'not-ready', message: 'the store does not answer' } });
    }
  });
  app.get(
    '/metrics',
    {
      onRequest: auth(['auditor']),
      schema: {
        summary:
          'Prometheus metrics, to an auditor’s token (or without one on the metrics address, when the node has one)',
        response: { 200: Text, ...errors },
      },
    },
    async (_req, reply) => {
      void reply.header('content-type', metrics.registry.contentType);
      return metrics.registry.metrics();
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const guard = new SignInGuard(node, options.signIn);
  app.addHook('onClose', async () => {
    await guard.close();
  });

  registerUserRoutes(app, node, guard, auth, errors);
  registerAtRestRoutes(app, node, auth, errors);
  registerAgreementRoutes(app, node, auth, errors, metrics);
  registerItemRoutes(app, node, auth, errors, metrics);
  registerAttachmentRoutes(app, node, auth, errors);
  registerSearchRoutes(app, node, auth, errors);
  registerStixRoutes(app, node, auth, errors, metrics);
  registerTaxiiRoutes(app, node, auth);
  registerLogRoutes(app, node, auth, errors);
  registerTileRoutes(app, node, auth, errors);
  if (options.federation !== undefined) {
    registerFederationRoutes(app, options.federation, auth, errors);
    registerWitnessRoutes(app, options.federation, options.cosigning ?? null, auth, errors);
  }
  if (options.federation !== undefined) registerSyncRoutes(app, options.federation, auth, errors);
  if (options.alerts !== undefined) registerAlertRoutes(app, options.alerts, auth, errors);
  registerConsoleRoutes(app, node, auth, errors);

  return app;
}
