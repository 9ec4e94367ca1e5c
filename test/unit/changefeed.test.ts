// The change feed carries core effects between instances: what JSON alone would
// lose (±Infinity, a property present but undefined) survives the round trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Effect } from '../../src/core/index.js';
import { decodeEffects, encodeEffects } from '../../src/node/changefeed.js';

describe('change feed codec', () => {
  it('keeps a consent that never expires and a cleared clearance expiry', () => {
    const effects: Effect[] = [
      {
        kind: 'consent',
        consent: {
          id: 'c1',
          item: 'i1',
          by: 'JP',
          holder: 'US',
          to: 'KR',
          grantedAt: 5,
          expires: Number.POSITIVE_INFINITY,
          revokedAt: Number.POSITIVE_INFINITY,
        },
      },
      { kind: 'update-user', id: 'u1', change: { clearanceExpires: undefined } },
      {
        kind: 'add-item',
        item: { id: '$odd', originator: 'JP', marking: 'HI', categories: ['$x'] },
        since: 1,
      },
    ];
    const back = decodeEffects(encodeEffects(effects));
    expect(back).toEqual(effects);
    const update = back[1];
    // Present but undefined: World.updateUser clears the expiry only then.
    expect(update?.kind === 'update-user' && 'clearanceExpires' in update.change).toBe(true);
  });

  it('a key named __proto__ stays a key, and sets no prototype', () => {
    // Found by the property below: assigned, the key set the object's prototype instead.
    const effects = JSON.parse('[{"kind":"x","m":{"__proto__":{"polluted":1}}}]') as Effect[];
    const back = decodeEffects(encodeEffects(effects)) as unknown as { m: object }[];
    expect(back).toStrictEqual(effects);
    expect(Object.getPrototypeOf(back[0]?.m)).toBe(Object.prototype);
    expect('polluted' in (back[0]?.m ?? {})).toBe(false);
  });

  it('round-trips any JSON-like value with infinities, undefined and $-strings', () => {
    const leaf = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, undefined, '$inf', '$$'),
    );
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('v')),
        fc.dictionary(fc.string(), tie('v'), { noNullPrototype: true }),
      ),
    })).v;
    fc.assert(
      fc.property(fc.array(value), (xs) => {
        // Effects are plain data; the codec does not look at their kinds.
        const effects = xs as unknown as Effect[];
        expect(decodeEffects(encodeEffects(effects))).toStrictEqual(effects);
      }),
    );
  });
});
