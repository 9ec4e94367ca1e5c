// Items on this node: create, list (only what the caller may read, RULES V1), read
// (RULES A1–A3, logged either way), reclassify (C1, P1), report compromise.
import { Type as T } from '@sinclair/typebox';
import { formatInstant, LiaisonError } from '../core/index.js';
import { listCompromises, reclassifyItem, reportCompromise } from '../node/custody.js';
import { createItem, listItems, readItem, type ItemSummary as Summary } from '../node/items.js';
import type { LiaisonNode } from '../node/service.js';
import { type App, type Auth, actorOf, type Errors, PageQuery, pageOf, READERS } from './common.js';
import {
  CompromiseBody,
  CompromiseReport,
  ItemBody,
  ItemContent,
  ItemSummary,
  Reclassified,
  ReclassifyBody,
} from './item-schemas.js';
import type { Metrics } from './metrics.js';
import { IdParams, ref } from './schemas.js';

/** An item summary as answers give it (instants as RFC 3339); search results too. */
export function itemJson(it: Summary) {
  return {
    ...it,
    categories: [...it.categories],
    releasableTo: it.releasableTo === null ? null : [...it.releasableTo],
    createdAt: formatInstant(it.createdAt),
  };
}

export function registerItemRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
  metrics: Metrics,
): void {
  app.post(
    '/v1/items',
    {
      onRequest: auth(['officer', 'releasing-authority']),
      schema: {
        summary:
          'Create an item originated by this party (its creator must be cleared for it, RULES P1)',
        body: ItemBody,
        response: { 201: ref(ItemSummary), ...errors },
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
      onRequest: auth(READERS),
      schema: {
        summary:
          'Items this node holds that you may read (metadata only; RULES V1), newest first; the page shown is logged',
        querystring: PageQuery,
        response: { 200: T.Array(ref(ItemSummary)), ...errors },
      },
    },
    async (req) => (await listItems(node, actorOf(req), pageOf(req.query))).map(itemJson),
  );

  app.get(
    '/v1/items/:id',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'Read an item: decided by RULES A1–A3 for the caller and logged, allowed or denied',
        params: IdParams,
        response: { 200: ref(ItemContent), ...errors },
      },
    },
    async (req) => {
      try {
        const it = await readItem(node, actorOf(req), req.params.id);
        metrics.decisions.inc({ kind: 'read', decision: 'allow', code: 'allowed' });
        return {
          ...itemJson(it),
          body: it.body,
          logIndex: it.logIndex,
          reasons: [...it.decision.reasons],
          attachments: it.attachments.map((a) => ({ ...a })),
        };
      } catch (e) {
        if (e instanceof LiaisonError)
          metrics.decisions.inc({ kind: 'read', decision: 'deny', code: e.code });
        throw e;
      }
    },
  );

  app.post(
    '/v1/items/:id/reclassify',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary:
          "Reclassify an item this party originated (RULES C1, P1); holders' markings follow",
        params: IdParams,
        body: ReclassifyBody,
        response: { 200: ref(Reclassified), ...errors },
      },
    },
    async (req) => {
      const d = await reclassifyItem(node, actorOf(req), req.params.id, req.body.marking);
      metrics.decisions.inc({
        kind: 'reclassify',
        decision: d.decision,
        code: d.reasons[0]?.code ?? '',
      });
      return { decision: d.decision, reasons: [...d.reasons], holders: [...(d.holders ?? [])] };
    },
  );

  app.post(
    '/v1/items/:id/compromise',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'Report loss or possible compromise of an item you may read (GSOMIA Art. 17, RULES P1)',
        params: IdParams,
        body: CompromiseBody,
        response: { 201: ref(CompromiseReport), ...errors },
      },
    },
    async (req, reply) => {
      const c = await reportCompromise(node, actorOf(req), req.params.id, req.body.note);
      return reply.status(201).send({ ...c, at: formatInstant(c.at) });
    },
  );

  app.get(
    '/v1/compromise-reports',
    {
      onRequest: auth(['security-officer', 'auditor', 'admin']),
      schema: {
        summary:
          'Compromise reports about items you may read (RULES V1), newest first; the page shown is logged',
        querystring: PageQuery,
        response: { 200: T.Array(ref(CompromiseReport)), ...errors },
      },
    },
    async (req) =>
      (await listCompromises(node, actorOf(req), pageOf(req.query))).map((c) => ({
        ...c,
        at: formatInstant(c.at),
      })),
  );
}
