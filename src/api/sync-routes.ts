// Whether this node and its peers compute the same status of each agreement they share
// (`liaison agreement check`, the console's banner): each peer's last report, how it
// stands, and the lifecycle messages sent with their acknowledgements.
import type { Federation } from '../federation/federation.js';
import { syncReport } from '../federation/sync-view.js';
import { SyncQuery, SyncReport } from './agreement-schemas.js';
import { ALL_ROLES, type App, type Auth, type Errors } from './common.js';
import { ref } from './schemas.js';

export function registerSyncRoutes(app: App, fed: Federation, auth: Auth, errors: Errors): void {
  app.get(
    '/v1/agreement-sync',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary:
          'Agreements in step: each peer’s last reported status of each shared agreement, compared with this node’s at the same instant',
        querystring: SyncQuery,
        response: { 200: ref(SyncReport), ...errors },
      },
    },
    async (req) => syncReport(fed, req.query.agreement ?? null),
  );
}
