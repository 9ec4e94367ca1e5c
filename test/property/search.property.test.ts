// Property test (fast-check) of full-text search (src/node/search-index.ts,
// search-text.ts; docs/decisions.md #136), on random texts of Latin words (upper,
// lower and full-width letters), Japanese and Korean:
//   - an item whose title holds a word or a CJK string is found by that word (or a
//     prefix of it of three characters or more) and by any piece of that string;
//   - a query returns exactly the items whose text holds every term of the query
//     (textMatches, the linear reference): never one that does not.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/node/search-index.js';
import { indexTerms, queryTerms, textMatches } from '../../src/node/search-text.js';

const LATIN = ['a', 'b', 'c', 'd', 'A', 'ｂ', 'Ｃ', '1'];
const CJK = ['極', '秘', '発', '射', 'ミ', 'サ', 'イ', 'ル', '미', '사', '일', '을', '발'];
const SEPARATORS = [' ', '-', '、', '. ', ''];

const word = fc
  .array(fc.constantFrom(...LATIN), { minLength: 1, maxLength: 6 })
  .map((a) => a.join(''));
const cjk = fc
  .array(fc.constantFrom(...CJK), { minLength: 1, maxLength: 6 })
  .map((a) => a.join(''));
const piece = fc.oneof(word, cjk);
const text = fc
  .array(fc.tuple(piece, fc.constantFrom(...SEPARATORS)), { maxLength: 12 })
  .map((parts) => parts.map(([p, s]) => p + s).join(''));

interface Item {
  readonly id: string;
  readonly created: number;
  readonly title: string;
  readonly body: string;
}

const items = fc
  .array(fc.tuple(text, text, fc.integer({ min: 0, max: 50 })), { minLength: 1, maxLength: 40 })
  .map((xs) =>
    xs.map(([title, body, created], i): Item => ({ id: `item-${i}`, created, title, body })),
  );

function build(all: readonly Item[]): SearchIndex {
  const ix = new SearchIndex();
  for (const it of all) {
    const terms = indexTerms(it.title);
    for (const t of indexTerms(it.body)) terms.add(t);
    ix.add(it.id, it.created, terms);
  }
  return ix;
}

const found = (ix: SearchIndex, q: string): string[] =>
  ix.find(queryTerms(q), () => true, 0, 1000).map((d) => ix.idOf(d));

describe('full-text search, properties', () => {
  it('an item whose title holds a word or CJK string is found by it (or a piece of it)', () => {
    fc.assert(
      fc.property(
        items,
        fc.nat(),
        fc.oneof(
          word.chain((w) =>
            fc
              .integer({ min: Math.min(3, w.length), max: w.length })
              .map((n) => ({ needle: w, query: w.slice(0, n) })),
          ),
          cjk.chain((s) =>
            fc
              .tuple(fc.nat({ max: s.length - 1 }), fc.integer({ min: 1, max: s.length }))
              .map(([at, n]) => ({ needle: s, query: s.slice(at, Math.min(s.length, at + n)) })),
          ),
        ),
        text,
        (all, pick, { needle, query }, rest) => {
          const at = pick % all.length;
          const target = all[at] as Item;
          const withNeedle = all.map((it, i) =>
            i === at ? { ...it, title: `${it.title} ${needle} ${rest}` } : it,
          );
          // A word of 1 or 2 characters is asked for whole; from 3, any prefix of it.
          if ([...query.normalize('NFKC')].length < 3 && LATIN.some((c) => query.includes(c)))
            fc.pre(query === needle);
          expect(found(build(withNeedle), query)).toContain(target.id);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a query finds exactly the items that hold all its terms, newest first', () => {
    fc.assert(
      fc.property(items, fc.array(piece, { minLength: 1, maxLength: 3 }), (all, words) => {
        const q = words.join(' ');
        const terms = queryTerms(q);
        const ix = build(all);
        const got = found(ix, q);
        const want = all
          .filter((it) => {
            const t = indexTerms(it.title);
            for (const x of indexTerms(it.body)) t.add(x);
            return textMatches(terms, t);
          })
          .sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1))
          .map((it) => it.id);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
