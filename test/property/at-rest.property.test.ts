// Property test (fast-check) of encryption at rest (src/crypto/at-rest.ts): open ∘
// seal is the identity for any bytes, text and AAD; a seal never opens under another
// AAD; wrap ∘ unwrap is the identity for any data key and owner.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  newKey,
  open,
  openText,
  seal,
  sealText,
  unwrapKey,
  wrapKey,
} from '../../src/crypto/at-rest.js';

describe('at rest: seal and open', () => {
  const key = newKey();
  it('open(seal(x)) = x for bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.string(), (bytes, aad) => {
        expect(open(key, seal(key, bytes, aad), aad).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
  });
  it('openText(sealText(s)) = s for any text (Japanese, Korean, emoji included)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (s, aad) => {
        expect(openText(key, sealText(key, s, aad), aad)).toBe(s);
      }),
    );
  });
  it('a seal does not open under another AAD', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.string(), fc.string(), (b, a1, a2) => {
        fc.pre(a1 !== a2);
        expect(() => open(key, seal(key, b, a1), a2)).toThrow();
      }),
    );
  });
  it('unwrap(wrap(dek)) = dek', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string(), (dek, owner) => {
        expect(unwrapKey(key, wrapKey(key, dek, owner), owner).equals(Buffer.from(dek))).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
});
