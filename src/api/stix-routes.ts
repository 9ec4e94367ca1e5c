// STIX 2.1 for items: an item's export (a read, decided and logged as one) and an
// import as a new item (a creation, decided, logged and signed as one).
import { formatInstant, LiaisonError } from '../core/index.js';
import { STIX_MEDIA_TYPE, type StixBundle as StixBundleValue } from '../interop/stix.js';
import type { LiaisonNode } from '../node/service.js';
import { exportStix, importStix } from '../node/stix.js';
import { type App, type Auth, actorOf, baseUrlOf, type Errors, READERS } from './common.js';
import { ItemSummary } from './item-schemas.js';
import type { Metrics } from './metrics.js';
import { IdParams, ref } from './schemas.js';
import { ImportQuery, StixBundle, StixBundleBody } from './stix-schemas.js';

/** A STIX import's largest body: an item's body of 512 Ki characters, escaped, and its objects. */
export const IMPORT_BODY_LIMIT = 4 * 1024 * 1024;

/** Whether the client asked for plain JSON rather than STIX's own media type. */
function wantsPlainJson(accept: string | undefined): boolean {
  const a = (accept ?? '').toLowerCase();
  return a.includes('application/json') && !a.includes('application/stix+json');
}

export function registerStixRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
  metrics: Metrics,
): void {
  app.get(
    '/v1/items/:id/stix',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'An item as a STIX 2.1 bundle (application/stix+json;version=2.1, or application/json when asked): a read, decided by RULES A1–A3 and logged like GET /v1/items/{id}',
        params: IdParams,
        response: {
          200: {
            description: 'the bundle: the same for the same item version at this node',
            content: {
              [STIX_MEDIA_TYPE]: { schema: ref(StixBundle) },
              'application/json': { schema: ref(StixBundle) },
            },
          },
          ...errors,
        },
      },
    },
    async (req, reply) => {
      let bundle: StixBundleValue;
      try {
        bundle = await exportStix(node, actorOf(req), req.params.id, { baseUrl: baseUrlOf(req) });
        metrics.decisions.inc({ kind: 'read', decision: 'allow', code: 'allowed' });
      } catch (e) {
        if (e instanceof LiaisonError)
          metrics.decisions.inc({ kind: 'read', decision: 'deny', code: e.code });
        throw e;
      }
      // Written as the mapping made it (every property of every object, in its order),
      // not through the schema's serializer, which knows only a bundle's outline.
      return reply
        .header(
          'content-type',
          wantsPlainJson(req.headers.accept) ? 'application/json; charset=utf-8' : STIX_MEDIA_TYPE,
        )
        .serializer(JSON.stringify)
        .send(bundle);
    },
  );

  app.post(
    '/v1/items/import',
    {
      onRequest: auth(['officer', 'releasing-authority']),
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        summary:
          'Import a STIX 2.1 bundle as a new item of this party, like POST /v1/items (RULES P1 for the importer, logged, signed); what an item cannot hold is refused, naming the place in the bundle',
        querystring: ImportQuery,
        body: StixBundleBody,
        response: { 201: ref(ItemSummary), ...errors },
      },
    },
    async (req, reply) => {
      const it = await importStix(node, actorOf(req), req.body, req.query.marking ?? null);
      return reply.status(201).send({
        ...it,
        categories: [...it.categories],
        releasableTo: it.releasableTo === null ? null : [...it.releasableTo],
        createdAt: formatInstant(it.createdAt),
      });
    },
  );
}
