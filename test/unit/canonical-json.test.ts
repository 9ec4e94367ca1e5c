// RFC 8785 (JCS): what is hashed and signed must be byte-for-byte canonical.
import { describe, expect, it } from 'vitest';
import { CanonicalJsonError, canonicalJson } from '../../src/crypto/canonical-json.js';

describe('RFC 8785 canonical JSON', () => {
  it('sorts members by UTF-16 code units, recursively, with no white space', () => {
    expect(canonicalJson({ b: 2, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":2}',
    );
  });

  it('orders the keys of the RFC 8785 §3.2.3 example', () => {
    const o = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the member order from the text: a parsed object would put '1' first again.
    const text = canonicalJson(o);
    const order = Object.values(o).map((v) => text.indexOf(JSON.stringify(v)));
    const keysInOrder = Object.keys(o).sort(
      (a, b) =>
        (order[Object.keys(o).indexOf(a)] as number) - (order[Object.keys(o).indexOf(b)] as number),
    );
    expect(keysInOrder).toEqual([
      '\r',
      '1',
      '\u0080',
      '\u00f6',
      '\u20ac',
      '\ud83d\ude00',
      '\ufb33',
    ]);
  });

  it('prints numbers as ECMAScript does (RFC 8785 §3.2.2.3) and escapes strings minimally', () => {
    expect(canonicalJson([1e21, 0.1, -0, 1e-7, 123456789012345680000, 4.5])).toBe(
      '[1e+21,0.1,0,1e-7,123456789012345680000,4.5]',
    );
    expect(canonicalJson('\u2028é"\\\n')).toBe('"\u2028é\\"\\\\\\n"');
  });

  it('drops undefined members, and refuses what JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(CanonicalJsonError);
  });
});
