// The in-memory search index (src/node/search-index.ts, search-postings.ts): AND of
// terms, prefixes, newest first, filters through `accept`, paging.
import { describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/node/search-index.js';
import { Postings } from '../../src/node/search-postings.js';
import { indexTerms, queryTerms } from '../../src/node/search-text.js';

function indexOf(items: readonly (readonly [string, number, string])[]): SearchIndex {
  const ix = new SearchIndex();
  for (const [id, created, text] of items) ix.add(id, created, indexTerms(text));
  return ix;
}

const ids = (
  ix: SearchIndex,
  q: string,
  accept: (id: string) => boolean = () => true,
  offset = 0,
  limit = 100,
) => ix.find(queryTerms(q), (d) => accept(ix.idOf(d)), offset, limit).map((d) => ix.idOf(d));

describe('posting lists', () => {
  it('keep every doc in order across slices and chunks, whatever the gaps', () => {
    const p = new Postings();
    const lists = [p.create(), p.create(), p.create()];
    const want: number[][] = [[], [], []];
    let doc = 0;
    for (let i = 0; i < 200_000; i++) {
      // Gaps of one byte, two and (once in a thousand) four; docs stay below 2^31.
      doc += i % 1000 === 0 ? 2_000_003 : 1 + ((i * 7919) % (i % 3 === 0 ? 3 : 20_000));
      const l = i % 3;
      p.add(lists[l] ?? 0, doc);
      want[l]?.push(doc);
    }
    for (let l = 0; l < 3; l++) {
      const got: number[] = [];
      p.forEach(lists[l] ?? 0, (d) => got.push(d));
      expect(got).toEqual(want[l]);
      expect(p.count(lists[l] ?? 0)).toBe(want[l]?.length);
    }
    expect(() => p.add(lists[0] ?? 0, 0)).toThrow(/in order/);
  });
});

describe('the search index', () => {
  const ix = indexOf([
    ['a', 1000, 'Ballistic missile launch from Sunan'],
    ['b', 2000, 'Cruise missile test; no launch'],
    ['c', 3000, '北朝鮮がミサイル発射 (ballistic)'],
    ['d', 4000, '북한이 미사일을 발사했다'],
    ['e', 5000, 'Nuclear test site activity'],
  ]);

  it('every term must match (AND)', () => {
    expect(ids(ix, 'missile launch')).toEqual(['b', 'a']);
    expect(ids(ix, 'ballistic launch')).toEqual(['a']);
    expect(ids(ix, 'ballistic')).toEqual(['c', 'a']);
    expect(ids(ix, 'ballistic nuclear')).toEqual([]);
    expect(ids(ix, 'nothinglikethis')).toEqual([]);
    expect(ids(ix, '')).toEqual([]);
  });

  it('Japanese and Korean by bigrams, Latin words by prefix', () => {
    expect(ids(ix, 'ミサイル')).toEqual(['c']);
    expect(ids(ix, 'ミサイル発射')).toEqual(['c']);
    expect(ids(ix, '미사일')).toEqual(['d']);
    expect(ids(ix, '발사')).toEqual(['d']);
    expect(ids(ix, 'miss')).toEqual(['b', 'a']);
    expect(ids(ix, 'missiles')).toEqual([]);
  });

  it('newest first, then paging over what `accept` takes (the filters, RULES V1)', () => {
    expect(ids(ix, 'test')).toEqual(['e', 'b']);
    expect(ids(ix, 'missile', (id) => id !== 'b')).toEqual(['a']);
    const all = indexOf(
      Array.from(
        { length: 50 },
        (_, i) => [`i${String(i).padStart(2, '0')}`, i * 10, 'report'] as const,
      ),
    );
    const even = (id: string) => Number(id.slice(1)) % 2 === 0;
    expect(ids(all, 'report', even, 0, 3)).toEqual(['i48', 'i46', 'i44']);
    expect(ids(all, 'report', even, 3, 3)).toEqual(['i42', 'i40', 'i38']);
    expect(ids(all, 'report', even, 24, 3)).toEqual(['i00']);
    expect(ids(all, 'report', even, 25, 3)).toEqual([]);
  });

  it('docs added out of order still come newest first; equal instants by id', () => {
    const mixed = indexOf([
      ['m3', 300, 'alpha'],
      ['m1', 100, 'alpha'],
      ['m9', 900, 'alpha beta'],
      ['m5', 500, 'alpha'],
      ['m2', 500, 'alpha'],
      ['m0', 0, 'alpha'],
    ]);
    expect(ids(mixed, 'alpha')).toEqual(['m9', 'm2', 'm5', 'm3', 'm1', 'm0']);
    expect(ids(mixed, 'alpha', () => true, 2, 2)).toEqual(['m5', 'm3']);
  });

  it('an item is indexed once; the words it added are found by prefix after many more', () => {
    const big = new SearchIndex();
    for (let i = 0; i < 3000; i++) big.add(`w${i}`, i, indexTerms(`word${i} common`));
    expect(big.add('w5', 5, indexTerms('other text'))).toBe(5);
    expect(ids(big, 'word2999')).toEqual(['w2999']);
    expect(ids(big, 'word299')).toEqual([
      'w2999',
      'w2998',
      'w2997',
      'w2996',
      'w2995',
      'w2994',
      'w2993',
      'w2992',
      'w2991',
      'w2990',
      'w299',
    ]);
    expect(ids(big, 'other')).toEqual([]);
    expect(big.find(queryTerms('common'), () => true, 0, 5000).length).toBe(3000);
  });
});
