import { Type as T } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { formatInstant } from '../core/index.js';
import type { Federation } from '../federation/federation.js';
import { MAX_BATCH, MAX_REQUEST_BYTES } from '../federation/messages.js';
import {
  decideConsentRequest,
  listConsentRequests,
  listInbox,
  listOutbox,
  listProposals,
  outboxEnvelope,
  proposeAgreement,
  proposeChange,
  requestConsent,
  revokeConsent,
  sendItem,
  signProposal,
} from '../federation/operations.js';
import { RequestInvalid } from '../node/errors.js';
import type { Role } from '../node/roles.js';
import {
  type App,
  type Auth,
  actorOf,
  type Errors,
  instant,
  iso,
  PageQuery,
  pageOf,
} from './common.js';
import { cosigned } from './log-routes.js';
import * as S from './schemas.js';

const ToBody = T.Object(
  { to: T.String({ minLength: 1, maxLength: 32 }) },
  { additionalProperties: false },
);
const ConsentRequestBody = T.Object(
  {
    item: T.String({ minLength: 1, maxLength: 200 }),
    to: T.String({ minLength: 1, maxLength: 32 }),
    note: T.Optional(T.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
const GrantBody = T.Object(
  {
    reason: T.String({ minLength: 1, maxLength: 2000 }),
    expires: T.Optional(T.Union([T.String({ maxLength: 40 }), T.Null()])),
  },
  { additionalProperties: false },
);
const RefuseBody = T.Object(
  { reason: T.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
const PeerBody = T.Object(
  {
    url: T.String({ minLength: 1, maxLength: 500 }),
    fingerprint: T.String({ minLength: 16, maxLength: 200 }),
  },
  { additionalProperties: false },
);
const ProposalBody = T.Object(
  { definition: S.AgreementDefinition },
  { additionalProperties: false },
);
const ChangeBody = T.Object(
  {
    kind: T.Union([T.Literal('terminate'), T.Literal('amend')]),
    effectiveAt: T.Optional(T.String({ maxLength: 40 })),
    rows: T.Optional(T.Array(S.EquivalenceRow, { maxItems: 64 })),
    scope: T.Optional(
      T.Union([T.Array(T.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 }), T.Null()]),
    ),
    noticePeriod: T.Optional(T.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);

export function registerFederationRoutes(
  app: App,
  fed: Federation,
  auth: Auth,
  errors: Errors,
): void {
  const node = fed.node;
  const officers: Role[] = ['officer', 'releasing-authority', 'security-officer'];

  // ---------------------------------------------------------------- node to node
  app.get(
    '/v1/federation/identity',
    {
      schema: {
        summary:
          "This node's identity (JWS, self-signed): party, origin, URL, public keys, fingerprint",
        security: [],
      },
    },
    async (_req, reply) => {
      void reply.header('content-type', 'application/jose; charset=utf-8');
      return fed.signedIdentity();
    },
  );

  const peerAuth = async (req: FastifyRequest, body: Buffer) => {
    const url = req.url;
    return fed.authenticate(
      { method: req.method, authority: req.headers.host ?? '', path: url, body },
      req.headers,
    );
  };

  void app.register(async (child) => {
    child.removeAllContentTypeParsers();
    child.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BYTES },
      (_req, body, done) => {
        done(null, body);
      },
    );
    child.post(
      '/v1/federation/messages',
      {
        bodyLimit: MAX_REQUEST_BYTES,
        schema: {
          summary: 'Sealed messages from a peer (RFC 9421-signed request); one signed receipt each',
          security: [],
        },
      },
      async (req) => {
        const raw = req.body as Buffer;
        const sender = await peerAuth(req, raw);
        let messages: unknown;
        try {
          messages = (JSON.parse(raw.toString('utf8')) as { messages?: unknown }).messages;
        } catch {
          throw new RequestInvalid('malformed-json', 'the body is not JSON');
        }
        if (
          !Array.isArray(messages) ||
          messages.length > MAX_BATCH ||
          messages.some((m) => typeof m !== 'string')
        ) {
          throw new RequestInvalid(
            'invalid-request',
            `send {"messages": [sealed message, …]} with at most ${MAX_BATCH}`,
          );
        }
        return {
          receipts: await fed.receive(
            sender.party,
            { nonce: sender.nonce, expires: sender.expires },
            messages as string[],
          ),
        };
      },
    );
  });

  /** A signed GET from a peer: checked before the query string is read. */
  const signedGet = async (req: FastifyRequest) => {
    await peerAuth(req, Buffer.alloc(0));
  };

  app.get(
    '/v1/federation/checkpoint',
    {
      onRequest: signedGet,
      schema: {
        summary: "A peer asks for this node's latest signed checkpoint (RFC 9421-signed)",
        security: [],
      },
    },
    async (_req, reply) => {
      const cp = await node.checkpoint();
      void reply.header('content-type', 'text/plain; charset=utf-8');
      return (await cosigned(node, [cp])).get(cp.size)?.note ?? cp.note;
    },
  );

  app.get(
    '/v1/federation/proof/consistency',
    {
      onRequest: signedGet,
      schema: {
        summary: 'A peer asks for a consistency proof (RFC 9421-signed)',
        querystring: S.ConsistencyQuery,
        security: [],
      },
    },
    async (req) => {
      const to = Number(req.query.to ?? node.tree.size);
      const from = Number(req.query.from);
      if (from > to || to > node.tree.size)
        throw new RequestInvalid('invalid-request', `no proof from ${from} to ${to}`);
      return {
        from,
        to,
        proof: node.tree.consistencyProof(from, to).map((h) => Buffer.from(h).toString('base64')),
      };
    },
  );

  // ---------------------------------------------------------------- peers
  app.get(
    '/v1/peers',
    {
      onRequest: auth(['officer', 'releasing-authority', 'security-officer', 'auditor', 'admin']),
      schema: { summary: 'Peers', response: { 200: T.Array(S.Free), ...errors } },
    },
    async () => fed.peerViews(),
  );

  app.post(
    '/v1/peers',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          'Add a partner node by URL; its keys must match the fingerprint confirmed out of band',
        body: PeerBody,
        response: { 201: S.Free, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await fed.addPeer(actorOf(req), req.body.url, req.body.fingerprint)),
  );

  app.post(
    '/v1/peers/:id/retry',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Retry now: forget the backoff towards a peer and send what is queued',
        params: S.IdParams,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => ({ peer: req.params.id, queued: await fed.retryNow(req.params.id) }),
  );

  app.post(
    '/v1/peers/:id/witness',
    {
      onRequest: auth(['auditor', 'security-officer', 'admin']),
      schema: {
        summary: "Witness a peer's log: consistency with every checkpoint of it seen, then cosign",
        params: S.IdParams,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => fed.witness(req.params.id),
  );

  // ---------------------------------------------------------------- items across nodes
  app.post(
    '/v1/items/:id/release',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: 'Release an item this party originated to a party (RULES R1–R5)',
        params: S.IdParams,
        body: ToBody,
        response: { 202: S.Free, ...errors },
      },
    },
    async (req, reply) => {
      const r = await sendItem(fed, actorOf(req), req.params.id, req.body.to);
      return reply.status(202).send({
        envelope: r.envelope,
        decision: r.decision.decision,
        marking: r.decision.marking ?? null,
        reasons: [...r.decision.reasons],
      });
    },
  );

  app.post(
    '/v1/items/:id/forward',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: "Forward another party's item (RULES F0–F4, with the originator's consent)",
        params: S.IdParams,
        body: ToBody,
        response: { 202: S.Free, ...errors },
      },
    },
    async (req, reply) => {
      const r = await sendItem(fed, actorOf(req), req.params.id, req.body.to);
      return reply.status(202).send({
        envelope: r.envelope,
        decision: r.decision.decision,
        marking: r.decision.marking ?? null,
        reasons: [...r.decision.reasons],
      });
    },
  );

  app.get(
    '/v1/inbox',
    {
      onRequest: auth(officers),
      schema: {
        summary:
          'Items received from partners that you may read (RULES V1), with the local marking and the originator’s; the page shown is logged',
        querystring: PageQuery,
        response: { 200: T.Array(S.Free), ...errors },
      },
    },
    async (req) =>
      (await listInbox(fed, actorOf(req), pageOf(req.query))).map((e) => ({
        ...e,
        receivedAt: formatInstant(e.receivedAt),
      })),
  );

  app.get(
    '/v1/outbox',
    {
      onRequest: auth(['releasing-authority', 'security-officer', 'auditor', 'admin']),
      schema: {
        summary:
          'Messages queued to partners and their state; those about an item only if you may read it (RULES V1)',
        querystring: PageQuery,
        response: { 200: T.Array(S.Free), ...errors },
      },
    },
    async (req) =>
      (await listOutbox(fed, actorOf(req), pageOf(req.query))).map((e) => ({
        ...e,
        createdAt: formatInstant(e.createdAt),
        settledAt: iso(e.settledAt),
      })),
  );

  app.get(
    '/v1/outbox/:id',
    {
      onRequest: auth(['releasing-authority', 'security-officer', 'auditor', 'admin']),
      schema: {
        summary:
          "One envelope: its state and the receiver's signed receipt (batch signature, proofs)",
        params: S.IdParams,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => {
      const e = await outboxEnvelope(fed, actorOf(req), req.params.id);
      return { ...e, createdAt: formatInstant(e.createdAt), settledAt: iso(e.settledAt) };
    },
  );

  // ---------------------------------------------------------------- consents
  app.post(
    '/v1/consents/requests',
    {
      onRequest: auth(['officer', 'releasing-authority']),
      schema: {
        summary: 'Ask the originator for consent to pass an item on (third-party rule)',
        body: ConsentRequestBody,
        response: { 201: S.Free, ...errors },
      },
    },
    async (req, reply) => {
      const r = await requestConsent(
        fed,
        actorOf(req),
        req.body.item,
        req.body.to,
        req.body.note ?? '',
      );
      return reply.status(201).send({ ...r, requestedAt: formatInstant(r.requestedAt) });
    },
  );

  app.get(
    '/v1/consents/requests',
    {
      onRequest: auth(officers),
      schema: {
        summary:
          'Consent requests, incoming and outgoing, about items you may read (RULES V1); the page shown is logged',
        querystring: T.Composite([
          PageQuery,
          T.Object({
            direction: T.Optional(T.Union([T.Literal('incoming'), T.Literal('outgoing')])),
          }),
        ]),
        response: { 200: T.Array(S.Free), ...errors },
      },
    },
    async (req) =>
      (await listConsentRequests(fed, actorOf(req), req.query.direction, pageOf(req.query))).map(
        (r) => ({
          ...r,
          requestedAt: formatInstant(r.requestedAt),
        }),
      ),
  );

  app.post(
    '/v1/consents/requests/:id/grant',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: 'Grant an incoming consent request (RULES F1), with a reason',
        params: S.IdParams,
        body: GrantBody,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) =>
      decideConsentRequest(
        fed,
        actorOf(req),
        req.params.id,
        true,
        req.body.reason,
        instant(req.body.expires, 'expires'),
      ),
  );

  app.post(
    '/v1/consents/requests/:id/refuse',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: 'Refuse an incoming consent request, with a reason',
        params: S.IdParams,
        body: RefuseBody,
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) =>
      decideConsentRequest(fed, actorOf(req), req.params.id, false, req.body.reason, null),
  );

  app.post(
    '/v1/consents/:id/revoke',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: 'Revoke a consent this party gave',
        params: S.IdParams,
        response: { 200: S.DecisionView, ...errors },
      },
    },
    async (req) => {
      const d = await revokeConsent(fed, actorOf(req), req.params.id);
      return { decision: d.decision, reasons: [...d.reasons] };
    },
  );

  // ---------------------------------------------------------------- agreements between nodes
  app.get(
    '/v1/proposals',
    {
      onRequest: auth(['officer', 'releasing-authority', 'security-officer', 'auditor', 'admin']),
      schema: {
        summary: 'Agreements and changes awaiting signatures, and those that bind',
        response: { 200: T.Array(S.Free), ...errors },
      },
    },
    async () => listProposals(fed),
  );

  app.post(
    '/v1/agreements',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          'Propose an agreement (signed by this party); it binds once every party has signed',
        body: ProposalBody,
        response: { 201: S.Free, ...errors },
      },
    },
    async (req, reply) => {
      const id = await proposeAgreement(fed, actorOf(req), req.body.definition);
      return reply.status(201).send({ proposal: id });
    },
  );

  app.post(
    '/v1/proposals/:id/sign',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Countersign a proposal as this party',
        params: T.Object({ id: T.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: S.Free, ...errors },
      },
    },
    async (req) => signProposal(fed, req.params.id),
  );

  app.post(
    '/v1/agreements/:id/changes',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Propose a mutual termination or an amendment (all parties sign)',
        params: S.IdParams,
        body: ChangeBody,
        response: { 201: S.Free, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const id = await proposeChange(fed, req.params.id, {
        kind: b.kind,
        effectiveAt: instant(b.effectiveAt, 'effectiveAt') ?? node.now(),
        rows: b.rows,
        scope: b.scope,
        noticePeriod: b.noticePeriod,
      });
      return reply.status(201).send({ proposal: id });
    },
  );
}
