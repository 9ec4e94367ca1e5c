// `liaison node passphrase`: the node keys sealed again with a new passphrase (docs/deploy.md,
// key rotation). The keys stay the same (the fingerprint partners pinned, the log's
// verifier key); the old passphrase no longer opens them and the new one does; a wrong
// current passphrase or a too short new one changes nothing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initNodeDir, liaison } from '../support/node-process.js';

const NEW = 'a new passphrase for the keys';

describe('node passphrase', () => {
  it('re-seals the keys: same keys, the new passphrase opens them, the old one no longer does', () => {
    const node = initNodeDir('JP');
    const keysFile = join(node.dir, 'keys.json');
    const before = readFileSync(keysFile, 'utf8');
    const publicOf = (text: string) => {
      const k = JSON.parse(text) as { signingPublic: string; encryptionPublic: string };
      return [k.signingPublic, k.encryptionPublic];
    };

    // A wrong current passphrase: refused, nothing written.
    const wrong = liaison(['node', 'passphrase', '--data', node.dir], {
      LIAISON_PASSPHRASE: 'not the passphrase at all',
      LIAISON_NEW_PASSPHRASE: NEW,
    });
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/cannot open the node keys: wrong passphrase/);
    expect(wrong.err).not.toMatch(/\n\s+at /);
    expect(readFileSync(keysFile, 'utf8')).toBe(before);
    // A new one too short: refused, nothing written.
    const short = liaison(['node', 'passphrase', '--data', node.dir], {
      LIAISON_NEW_PASSPHRASE: 'short',
    });
    expect(short.code).toBe(2);
    expect(short.err).toMatch(/at least 8 characters/);
    expect(readFileSync(keysFile, 'utf8')).toBe(before);

    const ok = liaison(['node', 'passphrase', '--data', node.dir], {
      LIAISON_NEW_PASSPHRASE: NEW,
    });
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/sealed with the new passphrase/);
    const after = readFileSync(keysFile, 'utf8');
    expect(after).not.toBe(before);
    expect(publicOf(after)).toEqual(publicOf(before));

    // The log verifies with the keys opened by the new passphrase; the old one fails.
    const withNew = liaison(['audit', 'verify', '--data', node.dir, '--json'], {
      LIAISON_PASSPHRASE: NEW,
    });
    expect(withNew.code, withNew.err).toBe(0);
    const withOld = liaison(['node', 'start', '--data', node.dir, '--port', '0']);
    expect(withOld.code).toBe(2);
    expect(withOld.err).toMatch(/cannot open the node keys: wrong passphrase/);
  });
});
