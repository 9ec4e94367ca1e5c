// The API's OpenAPI document without a running server: the routes registered over a
// throwaway node (a temporary SQLite store and fresh keys), then `app.swagger()`.
// scripts/openapi.mjs writes the console's types from it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlertService } from '../alerts/service.js';
import { generateNodeKeys } from '../crypto/keys.js';
import { Federation } from '../federation/federation.js';
import { LiaisonNode } from '../node/service.js';
import { openStore } from '../store/db.js';
import { buildApi } from './server.js';

export async function openApiDocument(): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'liaison-openapi-'));
  try {
    const keys = generateNodeKeys();
    const node = await LiaisonNode.open({
      party: 'JP',
      origin: 'liaison.local/JP',
      store: await openStore(join(dir, 'store.sqlite')),
      signingKey: keys.signing,
    });
    try {
      const federation = await Federation.open({
        node,
        signingKey: keys.signing,
        encryptionKey: keys.encryption,
        url: 'http://127.0.0.1:0',
      });
      const alerts = new AlertService(federation);
      const app = await buildApi(node, { federation, alerts });
      await app.ready();
      const doc = app.swagger();
      await app.close();
      return doc;
    } finally {
      await node.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
