// Agreements on this node: the catalog with each one's status, one explained, its
// lifecycle events, and the notices this party gives, suspends, resumes or withdraws.
import { Type as T } from '@sinclair/typebox';
import { explanationJson, formatInstant } from '../core/index.js';
import { deliveryViews } from '../federation/sync-view.js';
import { agreementCatalog, explainAt, noticeAction } from '../node/agreements.js';
import type { LiaisonNode } from '../node/service.js';
import { lifecycleDeliveries } from '../store/lifecycle-sync.js';
import {
  AgreementExplanation,
  AgreementSummary,
  NoticeBody,
  NoticesList,
} from './agreement-schemas.js';
import { ALL_ROLES, type App, type Auth, actorOf, type Errors, instant, iso } from './common.js';
import type { Metrics } from './metrics.js';
import { AtQuery, DecisionView, IdParams, ref } from './schemas.js';

export function registerAgreementRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
  metrics: Metrics,
): void {
  app.get(
    '/v1/agreements',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary: 'Agreements, with their status now',
        querystring: AtQuery,
        response: { 200: T.Array(ref(AgreementSummary)), ...errors },
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
          timezone: x.timezone,
          binding: e.binding,
          signedBy: [...e.signedBy],
          awaiting: [...e.awaiting],
          state: x.status.state,
          endedAt: iso(x.status.endedAt),
          endedBy: x.status.endedBy,
          contested: x.status.contested,
          termEnd: iso(x.status.termEnd),
          nextNoticeDeadline: iso(x.nextNoticeDeadline?.deadline ?? null),
          notice:
            x.status.notice === null
              ? null
              : {
                  ...x.status.notice,
                  receivedAt: formatInstant(x.status.notice.receivedAt),
                  target: formatInstant(x.status.notice.target),
                },
        };
      });
    },
  );

  app.get(
    '/v1/agreements/:id',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary:
          'One agreement explained: status, term, boundaries, deadlines, notice, equivalence table',
        params: IdParams,
        querystring: AtQuery,
        response: { 200: ref(AgreementExplanation), ...errors },
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
      onRequest: auth(ALL_ROLES),
      schema: {
        summary:
          'Lifecycle events of an agreement, and the lifecycle messages sent to partners with their acknowledgements',
        params: IdParams,
        response: { 200: ref(NoticesList), ...errors },
      },
    },
    async (req) => {
      const a = node.world.agreements.get(req.params.id);
      if (a === undefined) {
        // A proposal not yet binding has no lifecycle yet.
        const proposed = await explainAt(node, req.params.id, node.now());
        return {
          agreement: req.params.id,
          timezone: proposed.explanation.timezone,
          binding: false as const,
          events: [],
          deliveries: [],
        };
      }
      return {
        agreement: a.id,
        timezone: a.timezone,
        events: a.events.map((e) =>
          e.kind === 'notice'
            ? { ...e, at: formatInstant(e.at), target: formatInstant(e.target) }
            : { ...e, at: formatInstant(e.at) },
        ),
        deliveries: deliveryViews(await lifecycleDeliveries(node.store.db, a.id)),
      };
    },
  );

  app.post(
    '/v1/agreements/:id/notices',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          "Give, suspend, resume or withdraw a termination notice on behalf of this node's party",
        params: IdParams,
        body: NoticeBody,
        response: { 200: ref(DecisionView), ...errors },
      },
    },
    async (req, reply) => {
      const d = await noticeAction(node, actorOf(req), req.params.id, req.body.action);
      metrics.decisions.inc({
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
}
