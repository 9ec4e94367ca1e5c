// `liaison node passphrase`: the node's keys sealed under a new passphrase, wherever
// they are kept: keys.json (the first keys), the store's node key of encryption at
// rest, and the keys of each rotation (the store's node_keys). keys.json is replaced
// last, so a change that stops part-way is finished by running it again.
import { renameSync, writeFileSync } from 'node:fs';
import { type NodeKeys, openKeys, type StoredKeys, sealKeys } from '../crypto/keys.js';
import { changeDataKeyPassphrase } from '../node/at-rest.js';
import { openStore } from '../store/db.js';
import { allNodeKeys, resealNodeKeys } from '../store/node-keys.js';
import { SetupError } from './errors.js';
import { databaseTarget, keysPath, readConfig, readStoredKeys } from './setup.js';

/** Keys sealed under one of two passphrases, opened (the first tried first). */
function openEither(stored: StoredKeys, first: string, second: string): NodeKeys {
  try {
    return openKeys(stored, first);
  } catch (e) {
    try {
      return openKeys(stored, second);
    } catch {
      throw e;
    }
  }
}

/**
 * Seals the node's keys with a new passphrase: the keys themselves do not change (no
 * partner notices), only what protects them at rest. The new file is written beside
 * the old, checked to open with the new passphrase, then renamed over it, so that a
 * failure at any point leaves the old one whole. Instances already running keep their
 * keys in memory; those started from now need the new passphrase.
 */
export async function changePassphrase(dir: string, current: string, next: string): Promise<void> {
  const config = readConfig(dir);
  const keys = openKeys(readStoredKeys(dir), current);
  if (next === current) throw new SetupError('the new passphrase is the current one');
  const stored = sealKeys(keys, next);
  openKeys(stored, next);
  const tmp = `${keysPath(dir)}.new`;
  writeFileSync(tmp, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  // The store's node key (encryption at rest) too, before keys.json is replaced.
  await changeDataKeyPassphrase(databaseTarget(dir, config), current, next);
  // And the keys of each rotation, which the store holds sealed like keys.json's.
  await resealRotatedKeys(databaseTarget(dir, config), current, next);
  renameSync(tmp, keysPath(dir));
}

/**
 * Seals every rotated key (src/federation/rotation.ts) under `next`, in one
 * transaction; keys already sealed under `next` (a change that stopped before keys.json
 * was replaced, run again) are sealed again as they are.
 */
async function resealRotatedKeys(target: string, current: string, next: string): Promise<void> {
  const store = await openStore(target);
  try {
    await store.db.transaction().execute(async (tx) => {
      const rows = await allNodeKeys(tx);
      await resealNodeKeys(
        tx,
        rows.map((r) => {
          const stored = {
            signingPrivate: r.signing_private,
            encryptionPrivate: r.encryption_private,
            signingPublic: '',
            encryptionPublic: '',
          };
          const sealed = sealKeys(openEither(stored, current, next), next);
          return {
            epoch: r.epoch,
            signing_private: sealed.signingPrivate,
            encryption_private: sealed.encryptionPrivate,
          };
        }),
      );
    });
  } finally {
    await store.close();
  }
}
