// Consents (the third-party rule, RULES F1): asking an originator to let an item go
// on, the requests both ways, granting or refusing one, revoking a consent given.
import { Type as T } from '@sinclair/typebox';
import { formatInstant } from '../core/index.js';
import type { Federation } from '../federation/federation.js';
import {
  decideConsentRequest,
  listConsentRequests,
  requestConsent,
  revokeConsent,
} from '../federation/operations.js';
import {
  type App,
  type Auth,
  actorOf,
  type Errors,
  instant,
  PageQuery,
  pageOf,
  READERS,
} from './common.js';
import {
  ConsentDecision,
  ConsentQuery,
  ConsentRequest,
  ConsentRequestBody,
  GrantBody,
  RefuseBody,
} from './federation-schemas.js';
import { DecisionView, IdParams, ref } from './schemas.js';

export function registerConsentRoutes(app: App, fed: Federation, auth: Auth, errors: Errors): void {
  app.post(
    '/v1/consents/requests',
    {
      onRequest: auth(['officer', 'releasing-authority']),
      schema: {
        summary: 'Ask the originator for consent to pass an item on (third-party rule)',
        body: ConsentRequestBody,
        response: { 201: ref(ConsentRequest), ...errors },
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
      onRequest: auth(READERS),
      schema: {
        summary:
          'Consent requests, incoming and outgoing, about items you may read (RULES V1); the page shown is logged',
        querystring: T.Composite([PageQuery, ConsentQuery]),
        response: { 200: T.Array(ref(ConsentRequest)), ...errors },
      },
    },
    async (req) =>
      (await listConsentRequests(fed, actorOf(req), req.query.direction, pageOf(req.query))).map(
        (r) => ({ ...r, requestedAt: formatInstant(r.requestedAt) }),
      ),
  );

  app.post(
    '/v1/consents/requests/:id/grant',
    {
      onRequest: auth(['releasing-authority']),
      schema: {
        summary: 'Grant an incoming consent request (RULES F1), with a reason',
        params: IdParams,
        body: GrantBody,
        response: { 200: ref(ConsentDecision), ...errors },
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
        params: IdParams,
        body: RefuseBody,
        response: { 200: ref(ConsentDecision), ...errors },
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
        params: IdParams,
        response: { 200: ref(DecisionView), ...errors },
      },
    },
    async (req) => {
      const d = await revokeConsent(fed, actorOf(req), req.params.id);
      return { decision: d.decision, reasons: [...d.reasons] };
    },
  );
}
