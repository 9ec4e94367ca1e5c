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

  it('compacted, hold the same docs in fewer bytes, and grow on; a list longer than a chunk too', () => {
    const p = new Postings();
    const want = new Map<number, number[]>();
    const lists = Array.from({ length: 300 }, () => p.create());
    const check = () => {
      for (const l of lists) {
        const got: number[] = [];
        p.forEach(l, (d) => got.push(d));
        expect(got).toEqual(want.get(l) ?? []);
      }
    };
    let doc = 0;
    const grow = (rounds: number) => {
      for (let i = 0; i < rounds; i++) {
        doc += 1 + (i % 5);
        // List 0 gets every doc with gaps of ~200 (two bytes each): over 1 MiB in all.
        const l = i % 7 === 0 ? (lists[(i * 31) % lists.length] ?? 0) : (lists[0] ?? 0);
        p.add(l, doc);
        const docs = want.get(l) ?? [];
        docs.push(doc);
        want.set(l, docs);
      }
    };
    grow(20_000);
    check();
    const before = p.used;
    p.compact();
    check();
    expect(p.used).toBeLessThan(before);
    grow(20_000);
    check();
    p.compact();
    p.compact();
    check();
    // One list of over a chunk (1 MiB) of varints.
    const big = p.create();
    const bigDocs: number[] = [];
    for (let i = 0; i < 600_000; i++) {
      doc += 200;
      p.add(big, doc);
      bigDocs.push(doc);
    }
    want.set(big, bigDocs);
    lists.push(big);
    p.compact();
    check();
    p.add(big, doc + 1);
    bigDocs.push(doc + 1);
    check();
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

describe('terms in many items (bitmaps)', () => {
  it('answer as lists do: AND with rare and common terms, newest first, out of order too', () => {
    const n = 20_000;
    const ix = new SearchIndex();
    const want = (f: (i: number) => boolean) => {
      const out: string[] = [];
      for (let i = n - 1; i >= 0 && out.length < 30; i--) if (f(i)) out.push(`d${i}`);
      return out;
    };
    for (let i = 0; i < n; i++) {
      const words = ['every'];
      if (i % 3 === 0) words.push('third');
      if (i % 1000 === 7) words.push('rare');
      if (i > 15_000) words.push('late');
      ix.add(`d${i}`, i, indexTerms(words.join(' ')));
    }
    const find = (q: string) => ix.find(queryTerms(q), () => true, 0, 30).map((d) => ix.idOf(d));
    expect(find('every')).toEqual(want(() => true));
    expect(find('third')).toEqual(want((i) => i % 3 === 0));
    expect(find('every third')).toEqual(want((i) => i % 3 === 0));
    expect(find('third rare')).toEqual(want((i) => i % 3 === 0 && i % 1000 === 7));
    expect(find('late third')).toEqual(want((i) => i > 15_000 && i % 3 === 0));
    expect(find('third nothing')).toEqual([]);
    // An old item added last (an instance catching up) still comes in its place.
    ix.add('old', 5.5, indexTerms('every third'));
    const all = ix.find(queryTerms('every third'), () => true, 0, n).map((d) => ix.idOf(d));
    expect(all.slice(-4)).toEqual(['d6', 'old', 'd3', 'd0']);
  });
});
