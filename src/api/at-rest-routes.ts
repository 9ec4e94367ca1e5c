// Encryption at rest: rotating the node key that wraps the data keys (admin). The
// content keeps its ciphertext; only the data keys are re-wrapped.
import { Type as T } from '@sinclair/typebox';
import { rotateDataKey } from '../node/at-rest.js';
import type { LiaisonNode } from '../node/service.js';
import { type App, type Auth, actorOf, type Errors } from './common.js';
import { named, ref } from './schemas.js';

export const DataKeyRotation = named(
  T.Object(
    {
      previous: T.String({ description: 'the node key replaced (deleted from the store)' }),
      next: T.String({ description: 'the node key that now wraps every data key' }),
      keys: T.Integer({ minimum: 0, description: 'data keys re-wrapped; no content re-encrypted' }),
    },
    { $id: 'DataKeyRotation' },
  ),
);

export function registerAtRestRoutes(
  app: App,
  node: LiaisonNode,
  auth: Auth,
  errors: Errors,
): void {
  app.post(
    '/v1/node/data-key/rotate',
    {
      onRequest: auth(['admin']),
      schema: {
        summary:
          "Rotate the node key of encryption at rest: a new one re-wraps every item's data key in one transaction (logged); content is not re-encrypted",
        response: { 200: ref(DataKeyRotation), ...errors },
      },
    },
    async (req) => rotateDataKey(node, actorOf(req)),
  );
}
