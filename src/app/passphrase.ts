// `liaison node passphrase`: the node's keys sealed under a new passphrase, wherever
// they are kept: keys.json (the first keys) and the store's node key of encryption at
// rest, which wraps the data key the keys of each rotation are sealed under.
// keys.json is replaced last, so a change that stops part-way is finished by running
// it again.
import { renameSync, writeFileSync } from 'node:fs';
import { openKeys, sealKeys } from '../crypto/keys.js';
import { changeDataKeyPassphrase } from '../node/at-rest.js';
import { SetupError } from './errors.js';
import { databaseTarget, keysPath, readConfig, readStoredKeys } from './setup.js';

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
  // The keys of each rotation are sealed under a data key the node key wraps: done.
  renameSync(tmp, keysPath(dir));
}
