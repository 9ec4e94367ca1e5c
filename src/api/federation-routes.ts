// The federation over HTTP: what a peer asks of this node (its identity, sealed
// messages, its checkpoint and consistency proofs, all RFC 9421-signed but the
// identity) and the peers this node keeps. The rest of the federation's routes are
// by domain: transfer-routes.ts (release, forward, inbox, outbox), consent-routes.ts,
// proposal-routes.ts.
import { Type as T } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Federation } from '../federation/federation.js';
import { MAX_BATCH, MAX_REQUEST_BYTES } from '../federation/messages.js';
import { rotateKeys } from '../federation/rotation.js';
import { RequestInvalid } from '../node/errors.js';
import { registerAttachmentTransferRoutes } from './attachment-transfer-routes.js';
import { ALL_ROLES, type App, type Auth, actorOf, type Errors } from './common.js';
import { registerConsentRoutes } from './consent-routes.js';
import {
  KeyRotation,
  Peer,
  PeerBody,
  PeerConsistencyProof,
  PeerReceipts,
  Retried,
  WitnessReport,
} from './federation-schemas.js';
import { cosigned } from './log-routes.js';
import { ConsistencyQuery } from './log-schemas.js';
import { registerProposalRoutes } from './proposal-routes.js';
import { IdParams, ref, Text } from './schemas.js';
import { registerTransferRoutes } from './transfer-routes.js';

/** The sealed messages of a request body, or null when it is not `{"messages": [text, …]}`. */
function sealedMessages(raw: Buffer): string[] | null {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new RequestInvalid('malformed-json', 'the body is not JSON');
  }
  const messages =
    typeof body === 'object' && body !== null && 'messages' in body ? body.messages : undefined;
  if (!Array.isArray(messages) || messages.length > MAX_BATCH) return null;
  const out: string[] = [];
  for (const m of messages) {
    if (typeof m !== 'string') return null;
    out.push(m);
  }
  return out;
}

export function registerFederationRoutes(
  app: App,
  fed: Federation,
  auth: Auth,
  errors: Errors,
): void {
  const node = fed.node;

  // ---------------------------------------------------------------- node to node
  app.get(
    '/v1/federation/identity',
    {
      schema: {
        summary:
          "This node's identity (JWS, self-signed): party, origin, URL, public keys, fingerprint",
        security: [],
        response: { 200: T.String({ description: 'a compact JWS (application/jose)' }) },
      },
    },
    async (_req, reply) => {
      void reply.header('content-type', 'application/jose; charset=utf-8');
      return fed.signedIdentity();
    },
  );

  // The Host header is passed on only to name a refusal: the signature is checked
  // against this node's own configured authorities (docs/wire.md §3).
  const received = (req: FastifyRequest, body: Buffer) => ({
    method: req.method,
    host: req.headers.host,
    path: req.url,
    body,
  });

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
          summary:
            'Sealed messages from a peer (RFC 9421-signed request over the raw body, `{"messages": [sealed message, …]}`); one signed receipt each',
          security: [],
          response: { 200: ref(PeerReceipts), ...errors },
        },
      },
      async (req) => {
        // The parser above hands the body over as the bytes that were signed.
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const sender = await fed.authenticate(received(req, raw), req.headers);
        const messages = sealedMessages(raw);
        if (messages === null) {
          throw new RequestInvalid(
            'invalid-request',
            `send {"messages": [sealed message, …]} with at most ${MAX_BATCH}`,
          );
        }
        return {
          receipts: await fed.receive(
            sender.party,
            { nonce: sender.nonce, expires: sender.expires },
            messages,
          ),
        };
      },
    );
  });

  registerAttachmentTransferRoutes(app, fed, errors);

  /**
   * A signed GET from a peer: checked before the query string is read; its nonce is
   * stored before the answer, so that it cannot be replayed after a restart either.
   */
  const signedGet = async (req: FastifyRequest) => {
    await fed.authenticateOnce(received(req, Buffer.alloc(0)), req.headers);
  };

  app.get(
    '/v1/federation/checkpoint',
    {
      onRequest: signedGet,
      schema: {
        summary: "A peer asks for this node's latest signed checkpoint (RFC 9421-signed)",
        security: [],
        response: { 200: Text, ...errors },
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
        querystring: ConsistencyQuery,
        security: [],
        response: { 200: ref(PeerConsistencyProof), ...errors },
      },
    },
    async (req) =>
      // While no batch appends: the tree's size is then the committed one.
      node.treeRead(async (t) => {
        const to = req.query.to ?? t.size;
        const from = req.query.from;
        if (from > to || to > t.size)
          throw new RequestInvalid('invalid-request', `no proof from ${from} to ${to}`);
        const proof = await t.consistencyProof(from, to);
        return { from, to, proof: proof.map((h) => Buffer.from(h).toString('base64')) };
      }),
  );

  // ---------------------------------------------------------------- peers
  app.get(
    '/v1/peers',
    {
      onRequest: auth(ALL_ROLES),
      schema: { summary: 'Peers', response: { 200: T.Array(ref(Peer)), ...errors } },
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
        response: { 201: ref(Peer), ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await fed.addPeer(actorOf(req), req.body.url, req.body.fingerprint)),
  );

  app.post(
    '/v1/node/keys/rotate',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          "Rotate this node's signing and encryption keys: the hand-over is logged and sent to every peer",
        response: { 200: ref(KeyRotation), ...errors },
      },
    },
    async (req) => rotateKeys(fed, actorOf(req)),
  );

  app.post(
    '/v1/peers/:id/retry',
    {
      onRequest: auth(['admin']),
      schema: {
        summary: 'Retry now: forget the backoff towards a peer and send what is queued',
        params: IdParams,
        response: { 200: ref(Retried), ...errors },
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
        params: IdParams,
        response: { 200: ref(WitnessReport), ...errors },
      },
    },
    async (req) => fed.witness(req.params.id),
  );

  registerTransferRoutes(app, fed, auth, errors);
  registerConsentRoutes(app, fed, auth, errors);
  registerProposalRoutes(app, fed, auth, errors);
}
