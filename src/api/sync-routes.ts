// Whether this node and its peers compute the same status of each agreement they share
// (`liaison agreement check`, the console's banner): each peer's last report, how it
// stands, and the lifecycle messages sent with their acknowledgements.
import { createHash } from 'node:crypto';
import { keyToBase64 } from '../federation/agreement-keys.js';
import type { Federation } from '../federation/federation.js';
import { syncReport } from '../federation/sync-view.js';
import { NotFound } from '../node/errors.js';
import { AgreementKeyList, SyncQuery, SyncReport } from './agreement-schemas.js';
import { ALL_ROLES, type App, type Auth, type Errors } from './common.js';
import { IdParams, ref } from './schemas.js';

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
  app.get(
    '/v1/agreements/:id/keys',
    {
      onRequest: auth(ALL_ROLES),
      schema: {
        summary:
          'The signing keys bound to an agreement when every party signed it, with where this node knows each from, to compare out of band',
        params: IdParams,
        response: { 200: ref(AgreementKeyList), ...errors },
      },
    },
    async (req) => {
      const id = req.params.id;
      if (!fed.node.world.agreements.has(id))
        throw new NotFound('unknown-agreement', `unknown agreement '${id}'`);
      return fed.agreementKeys.keysOfAgreement(id).map(([party, key]) => {
        const pinned = fed.signingKeyOf(party);
        return {
          party,
          signingKey: key,
          sha256: createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex'),
          source:
            party === fed.party
              ? ('own' as const)
              : pinned !== undefined && keyToBase64(pinned) === key
                ? ('pinned' as const)
                : ('agreement' as const),
        };
      });
    },
  );
}
