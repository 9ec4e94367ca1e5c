// FLASH alerts over HTTP: send (or send the launch preset), list, show, acknowledge,
// export as CAP 1.2, and the live stream (WebSocket) that officers keep open.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import { Type as T } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { launchPreset } from '../alerts/model.js';
import type { AlertService, Release, AlertView as View } from '../alerts/service.js';
import { TOKEN_LENGTH } from '../alerts/stream-token.js';
import { authenticate } from '../node/auth.js';
import { AccessDenied, RequestInvalid } from '../node/errors.js';
import { requireRole } from '../node/roles.js';
import { page } from '../node/visibility.js';
import {
  AckResult,
  AlertDetail,
  AlertInput,
  AlertView,
  SendBody,
  SentAlert,
} from './alert-schemas.js';
import {
  type App,
  type Auth,
  actorOf,
  credentialOf,
  type Errors,
  PageQuery,
  READERS,
} from './common.js';
import { IdParams, ref } from './schemas.js';

/** The subprotocol a browser offers with `liaison.bearer.<token>` (it cannot set headers). */
const STREAM_PROTOCOL = 'liaison.v1';
const BEARER_PROTOCOL = 'liaison.bearer.';
/** A socket whose reader lags this far behind is dropped (it reconnects and catches up). */
const MAX_BUFFERED = 8 * 1024 * 1024;
/**
 * How often an open stream's token is checked again (revoked, expired, user disabled):
 * a fallback, since a change to the token or its user, on any instance, has it
 * checked at once.
 */
const RECHECK_MS = 5_000;
const StreamQuery = T.Object({
  after: T.Optional(
    T.String({
      minLength: TOKEN_LENGTH,
      maxLength: TOKEN_LENGTH,
      pattern: '^[A-Za-z0-9_-]+$',
      description:
        "Resume: the id of the last event this client received, or its `ready` frame's `after` (opaque); the stream replays the later ones first, from the last hour at most",
    }),
  ),
});

const releaseJson = (r: Release) => ({
  to: r.to,
  decision: r.decision.decision,
  marking: r.decision.marking ?? null,
  envelope: r.envelope,
  reasons: [...r.decision.reasons],
});

const viewJson = (v: View) => ({ ...v, categories: [...v.categories] });

export function registerAlertRoutes(
  app: App,
  alerts: AlertService,
  auth: Auth,
  errors: Errors,
): void {
  const node = alerts.node;
  const officers = READERS;

  app.post(
    '/v1/alerts',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary:
          'Send a FLASH launch alert: created and released to each partner (RULES R1–R5 for each), pushed at once',
        body: SendBody,
        response: { 201: ref(SentAlert), ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      if ((b.preset === undefined) === (b.alert === undefined))
        throw new RequestInvalid(
          'invalid-request',
          'give either alert (the payload) or preset: "launch"',
        );
      const sent = await alerts.send(actorOf(req), {
        alert: b.preset === 'launch' ? launchPreset(node.now()) : b.alert,
        marking: b.marking,
        categories: b.categories,
        releasableTo: b.releasableTo,
        to: b.to,
        ackWithinMs: b.ackWithinSeconds === undefined ? undefined : b.ackWithinSeconds * 1000,
      });
      return reply.status(201).send({
        id: sent.view.id,
        alert: viewJson(sent.view),
        releases: sent.releases.map(releaseJson),
      });
    },
  );

  app.get(
    '/v1/alerts/presets/launch',
    {
      onRequest: auth(officers),
      schema: {
        summary: 'The launch sample (launched a minute ago), for the compose form',
        response: { 200: ref(AlertInput), ...errors },
      },
    },
    async () => launchPreset(node.now()),
  );

  app.get(
    '/v1/alerts',
    {
      onRequest: auth(officers),
      schema: {
        summary: 'Alerts held here that you may read, newest first (the listing is logged)',
        querystring: PageQuery,
        response: { 200: T.Array(ref(AlertView)), ...errors },
      },
    },
    async (req) =>
      (await alerts.list(actorOf(req), page(req.query.limit, req.query.offset, 50))).map(viewJson),
  );

  app.get(
    '/v1/alerts/:id',
    {
      onRequest: auth(officers),
      schema: {
        summary:
          'One alert (a logged read, RULES A1–A3) with acknowledgements; at the originator, each party’s delivery and acknowledgement',
        params: IdParams,
        response: { 200: ref(AlertDetail), ...errors },
      },
    },
    async (req) => {
      const d = await alerts.show(actorOf(req), req.params.id);
      return {
        ...viewJson(d),
        acks: [...d.acks],
        parties: [...d.parties],
        logIndex: d.logIndex,
      };
    },
  );

  app.post(
    '/v1/alerts/:id/ack',
    {
      onRequest: auth(officers),
      schema: {
        summary: 'Acknowledge an alert: recorded, logged and sent back, signed, to its originator',
        params: IdParams,
        response: { 200: ref(AckResult), ...errors },
      },
    },
    async (req) => alerts.acknowledge(actorOf(req), req.params.id),
  );

  app.get(
    '/v1/alerts/:id/cap',
    {
      onRequest: auth(officers),
      schema: {
        summary:
          'The alert as OASIS CAP 1.2 XML (scope Restricted, restriction = markings); a logged read',
        params: IdParams,
        response: { 200: T.String({ description: 'CAP 1.2 XML' }), ...errors },
      },
    },
    async (req, reply) =>
      reply
        .type('application/xml; charset=utf-8')
        .send(await alerts.cap(actorOf(req), req.params.id)),
  );

  // ------------------------------------------------------------------ live stream
  const tokens = new WeakMap<FastifyRequest, string>();
  /** Open streams: checked again at once when a unit on any instance touches their token or user. */
  const open = new Set<{ readonly tokenId: string; readonly user: string; check(): void }>();
  const stopListening = node.onTouched((tags) => {
    const all = tags.includes('reloaded');
    const due = [...open].filter(
      (o) => all || tags.includes(`token:${o.tokenId}`) || tags.includes(`user:${o.user}`),
    );
    // Once every listener has run: the token cache drops its entries in one of them.
    if (due.length > 0)
      setImmediate(() => {
        for (const o of due) o.check();
      });
  });
  app.addHook('onClose', async () => stopListening());
  const streamAuth = async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    let token: string | undefined = (
      header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header)
    )?.[1];
    if (token === undefined) {
      const offered = String(req.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((s) => s.trim());
      token = offered.find((p) => p.startsWith(BEARER_PROTOCOL))?.slice(BEARER_PROTOCOL.length);
    }
    if (token === undefined || token === '')
      throw new AccessDenied(
        'unauthenticated',
        `send Authorization: Bearer <token>, or offer the subprotocols ${STREAM_PROTOCOL} and ${BEARER_PROTOCOL}<token>`,
      );
    const credential = await authenticate(node, token);
    if (credential.kind === 'enrol')
      throw new AccessDenied('forbidden', 'enrol a second factor and sign in again first');
    requireRole(credential.actor, officers);
    req.actor = credential.actor;
    req.credential = credential;
    tokens.set(req, token);
  };

  void app.register(async (plain) => {
    const child = plain.withTypeProvider<TypeBoxTypeProvider>();
    await child.register(websocket, {
      options: {
        maxPayload: 4096,
        // A browser offers the bearer protocol too; the server answers with ours only.
        handleProtocols: (protocols) => (protocols.has(STREAM_PROTOCOL) ? STREAM_PROTOCOL : false),
      },
    });
    child.get(
      '/v1/alerts/stream',
      {
        websocket: true,
        onRequest: streamAuth,
        schema: {
          summary:
            'WebSocket: FLASH alerts, escalations and acknowledgements, pushed to officers who may read them (RULES A1–A3); each has an opaque id, and ?after=<id> resumes after it',
          querystring: StreamQuery,
        },
      },
      (socket, req) => {
        const actor = actorOf(req);
        const token = tokens.get(req) ?? '';
        // `ready` (where the stream starts), then each event with its id (src/alerts/hub.ts).
        const remove = alerts.hub.add(
          {
            actor,
            send: (frame) => {
              if (socket.readyState !== socket.OPEN) return;
              if (socket.bufferedAmount > MAX_BUFFERED) socket.terminate();
              else socket.send(frame, { binary: false });
            },
          },
          req.query.after ?? null,
        );
        // Every push is decided at once (clearance changes apply to the next one); the
        // token is checked again when a unit touches it or its user (a revocation, a
        // change of roles, on any instance), and every few seconds regardless; a stream
        // whose token was revoked or expired, or whose user was disabled, is closed.
        let ended = false;
        const stream = {
          tokenId: credentialOf(req).tokenId,
          user: actor.user,
          check: () => {
            authenticate(node, token)
              .then((c) => requireRole(c.actor, officers))
              .catch(() => {
                if (ended) return;
                ended = true;
                remove();
                socket.close(4401, 'the token is no longer valid');
              });
          },
        };
        open.add(stream);
        const recheck = setInterval(stream.check, RECHECK_MS);
        recheck.unref();
        const end = () => {
          ended = true;
          open.delete(stream);
          clearInterval(recheck);
          remove();
        };
        socket.on('close', end);
        socket.on('error', end);
        // Keeps the connection alive through proxies; a dead peer is dropped.
        let alive = true;
        socket.on('pong', () => {
          alive = true;
        });
        const ping = setInterval(() => {
          if (!alive) {
            socket.terminate();
            return;
          }
          alive = false;
          socket.ping();
        }, 30_000);
        ping.unref();
        socket.on('close', () => clearInterval(ping));
      },
    );
  });
}
