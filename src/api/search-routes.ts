// Full-text search over the items this node holds: only what the caller may read now
// (RULES V1), newest first, paged among those; the page shown is logged.
import { Type as T } from '@sinclair/typebox';
import { searchItems } from '../node/search.js';
import type { LiaisonNode } from '../node/service.js';
import { type App, type Auth, actorOf, type Errors, instant, pageOf, READERS } from './common.js';
import { itemJson } from './item-routes.js';
import { ItemSummary } from './item-schemas.js';
import { ref } from './schemas.js';
import { SearchQuery } from './search-schemas.js';

export function registerSearchRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
): void {
  app.get(
    '/v1/search',
    {
      onRequest: auth(READERS),
      schema: {
        summary:
          'Full-text search of the items this node holds that you may read (RULES V1), newest first; the page shown is logged, the words searched for are not',
        querystring: SearchQuery,
        response: { 200: T.Array(ref(ItemSummary)), ...errors },
      },
    },
    async (req) => {
      const { q, originator, marking, category, precedence } = req.query;
      const found = await searchItems(
        node,
        actorOf(req),
        q,
        {
          originator,
          marking,
          category,
          precedence,
          from: instant(req.query.from, 'from') ?? undefined,
          to: instant(req.query.to, 'to') ?? undefined,
        },
        pageOf(req.query),
        (built) => app.log.info(built, 'search index built'),
      );
      return found.map(itemJson);
    },
  );
}
