import { createHash } from 'node:crypto';
// Property test (fast-check), issue 14: for random items of every party, as the
// originator or a recipient holds them, the STIX 2.1 export validates against the OASIS
// schemas, is the same twice, and reads back (through JSON text, as it travels) as the
// same item at the originator: title, body, marking, categories, precedence,
// releasability and attachments.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_PARTIES, markingRef, PRECEDENCES } from '../../src/core/index.js';
import { type ItemForStix, toStixBundle } from '../../src/interop/stix.js';
import { parseStixBundle } from '../../src/interop/stix-import.js';
import { itemFromStix } from '../../src/interop/stix-marking.js';
import { validateBundle } from '../support/stix-schemas.js';

const PARTIES = [...BUILT_IN_PARTIES.values()];
const T0 = Date.parse('2020-01-01T00:00:00Z');
const T1 = Date.parse('2040-01-01T00:00:00Z');

const party = fc.constantFrom(...PARTIES);
const markingOf = (p: (typeof PARTIES)[number]) =>
  fc.constantFrom(...p.scheme.markings).map(markingRef);
/** Any Unicode text (graphemes of every script, emoji, control characters), at most `max` code units. */
const text = (min: number, max: number) =>
  fc.string({ unit: 'grapheme', minLength: min, maxLength: max }).filter((s) => s.length <= max);

const item = fc
  .record({
    originator: party,
    holder: party,
    version: fc.integer({ min: 1, max: 50 }),
    title: text(1, 60),
    body: text(0, 300),
    categories: fc.uniqueArray(text(1, 64), { minLength: 1, maxLength: 5 }),
    releasableTo: fc.option(fc.subarray(['JP', 'KR', 'US']), { nil: null }),
    precedence: fc.constantFrom(...PRECEDENCES),
    createdAt: fc.integer({ min: T0, max: T1 }),
    later: fc.integer({ min: 0, max: 10 ** 9 }),
    // An item lists each file (by its bytes) once.
    attachments: fc
      .uniqueArray(
        fc.record({
          name: fc.stringMatching(/^[A-Za-z0-9 ._-]{1,40}$/),
          mimeType: fc.option(fc.constantFrom('text/plain', 'application/pdf', 'image/png'), {
            nil: null,
          }),
          content: fc.uint8Array({ minLength: 1, maxLength: 64 }),
        }),
        { maxLength: 2, selector: (a) => Buffer.from(a.content).toString('hex') },
      )
      .map((list) =>
        list.map((a) => ({
          ...a,
          sha256: createHash('sha256').update(a.content).digest('hex'),
          size: a.content.length,
          url: null,
        })),
      ),
  })
  .chain((r) =>
    fc
      .record({
        originatorMarking: markingOf(r.originator),
        holderMarking: markingOf(r.holder),
        id: fc.uuid().map((u) => `${r.originator.id.toLowerCase()}-${u}`),
      })
      .map(
        (m): ItemForStix => ({
          id: m.id,
          version: r.version,
          title: r.title,
          body: r.body,
          originator: { id: r.originator.id, name: r.originator.name },
          holder: { id: r.holder.id, name: r.holder.name },
          originatorMarking: m.originatorMarking,
          // The originator holds it at its own marking; another party at one of its own.
          marking: r.holder.id === r.originator.id ? m.originatorMarking : m.holderMarking,
          categories: r.categories,
          releasableTo: r.releasableTo,
          precedence: r.precedence,
          createdAt: r.createdAt,
          modifiedAt: r.createdAt + r.later,
          attachments: r.attachments,
        }),
      ),
  );

describe('STIX 2.1 round trip (issue 14)', () => {
  it('export → JSON text → import at the originator keeps title, body, marking, categories, precedence, releasability, attachments; every export validates', () => {
    fc.assert(
      fc.property(item, (it) => {
        const bundle = toStixBundle(it);
        expect(validateBundle(bundle)).toEqual([]);
        expect(JSON.stringify(toStixBundle(it))).toBe(JSON.stringify(bundle));
        const originator = BUILT_IN_PARTIES.get(it.originator.id);
        if (originator === undefined) throw new Error('no party');
        const back = itemFromStix(
          parseStixBundle(JSON.parse(JSON.stringify(bundle))),
          { party: it.originator.id, scheme: originator.scheme },
          null,
        );
        expect(back.title).toBe(it.title);
        expect(back.body).toBe(it.body);
        expect(back.marking).toBe(it.originatorMarking.code);
        expect(back.categories).toEqual(it.categories);
        expect(back.precedence).toBe(it.precedence);
        expect(back.releasableTo ?? null).toEqual(it.releasableTo);
        expect(back.attachments).toEqual(
          it.attachments.map((a) => ({ ...a, content: new Uint8Array(a.content ?? []) })),
        );
      }),
      { numRuns: 200 },
    );
  });
});
