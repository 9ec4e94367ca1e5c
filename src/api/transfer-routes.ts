// Items across nodes: release (RULES R1–R5) and forward (F0–F4), what came in from
// partners (the inbox) and what left or waits (the outbox), with receipts.
import { Type as T } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { formatInstant } from '../core/index.js';
import type { Federation } from '../federation/federation.js';
import {
  listInbox,
  listOutbox,
  outboxEnvelope,
  sendItem,
  sendItemToEach,
} from '../federation/operations.js';
import {
  type App,
  type Auth,
  actorOf,
  type Errors,
  iso,
  PageQuery,
  pageOf,
  READERS,
} from './common.js';
import {
  InboxEntry,
  OutboxEntry,
  OutboxEnvelope,
  ToBody,
  ToEachBody,
  TransferResult,
  TransferResults,
} from './federation-schemas.js';
import { IdParams, ref } from './schemas.js';

const OUTBOX_READERS = ['releasing-authority', 'security-officer', 'auditor', 'admin'] as const;

export function registerTransferRoutes(
  app: App,
  fed: Federation,
  auth: Auth,
  errors: Errors,
): void {
  /** A release or a forward: the same decision path (the core tells them apart). */
  const transfer = async (req: FastifyRequest, item: string, to: string) => {
    const r = await sendItem(fed, actorOf(req), item, to);
    return {
      envelope: r.envelope,
      decision: r.decision.decision,
      marking: r.decision.marking ?? null,
      reasons: [...r.decision.reasons],
    };
  };

  app.post(
    '/v1/items/:id/release',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: 'Release an item this party originated to a party (RULES R1–R5)',
        params: IdParams,
        body: ToBody,
        response: { 202: ref(TransferResult), ...errors },
      },
    },
    async (req, reply) => reply.status(202).send(await transfer(req, req.params.id, req.body.to)),
  );

  app.post(
    '/v1/items/:id/releases',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary:
          'Release (or forward) an item to several parties in one call: each decided (RULES R1–R5, F0–F4), logged and queued on its own, in the order given; one refused does not stop the others',
        params: IdParams,
        body: ToEachBody,
        response: { 200: ref(TransferResults), ...errors },
      },
    },
    async (req) => {
      const sent = await sendItemToEach(fed, actorOf(req), req.params.id, req.body.to);
      return {
        results: sent.map((r) => ({
          to: r.to,
          envelope: r.envelope,
          decision: r.decision.decision,
          marking: r.decision.marking ?? null,
          reasons: [...r.decision.reasons],
        })),
      };
    },
  );

  app.post(
    '/v1/items/:id/forward',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: "Forward another party's item (RULES F0–F4, with the originator's consent)",
        params: IdParams,
        body: ToBody,
        response: { 202: ref(TransferResult), ...errors },
      },
    },
    async (req, reply) => reply.status(202).send(await transfer(req, req.params.id, req.body.to)),
  );

  app.get(
    '/v1/inbox',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'Items received from partners that you may read (RULES V1), with the local marking and the originator’s; the page shown is logged',
        querystring: PageQuery,
        response: { 200: T.Array(ref(InboxEntry)), ...errors },
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
      onRequest: auth(OUTBOX_READERS),
      schema: {
        summary:
          'Messages queued to partners and their state; those about an item only if you may read it (RULES V1)',
        querystring: PageQuery,
        response: { 200: T.Array(ref(OutboxEntry)), ...errors },
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
      onRequest: auth(OUTBOX_READERS),
      schema: {
        summary:
          "One envelope: its state and the receiver's signed receipt (batch signature, proofs)",
        params: IdParams,
        response: { 200: ref(OutboxEnvelope), ...errors },
      },
    },
    async (req) => {
      const e = await outboxEnvelope(fed, actorOf(req), req.params.id);
      return { ...e, createdAt: formatInstant(e.createdAt), settledAt: iso(e.settledAt) };
    },
  );
}
