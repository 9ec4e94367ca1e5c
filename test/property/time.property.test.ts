// Instants: what the core prints, it parses back to the same moment; and the fast
// parser agrees with the platform's own RFC 3339 reading.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatInstant, parseInstant } from '../../src/core/index.js';

// Years 0001–9999 (a day inside either end, so that any offset stays in range), whole milliseconds.
const msArb = fc.integer({
  min: -62_135_596_800_000 + 86_400_000,
  max: 253_402_300_799_999 - 86_400_000,
});
const offsetArb = fc.oneof(
  fc.constant(null),
  fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }),
);

describe('instant properties', () => {
  it('formatInstant then parseInstant gives back the same instant and offset', () => {
    fc.assert(
      fc.property(msArb, offsetArb, (ms, offset) => {
        const text = formatInstant(ms, offset);
        const back = parseInstant(text);
        expect(back.ms).toBe(ms);
        expect(back.offsetMinutes).toBe(offset);
      }),
      { numRuns: 5000 },
    );
  });

  it('parseInstant agrees with Date.parse on every RFC 3339 instant it accepts', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 253_402_300_799_999 - 86_400_000 }),
        offsetArb,
        (ms, offset) => {
          const text = formatInstant(ms, offset);
          expect(parseInstant(text).ms).toBe(Date.parse(text));
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('an instant without an offset is always refused', () => {
    fc.assert(
      fc.property(msArb, (ms) => {
        const text = formatInstant(ms, 0).slice(0, -6);
        expect(() => parseInstant(text)).toThrow(/no UTC offset/);
      }),
      { numRuns: 1000 },
    );
  });
});
