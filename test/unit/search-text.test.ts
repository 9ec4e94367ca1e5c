// The words of full-text search (src/node/search-text.ts, docs/decisions.md #136):
// NFKC and lower case, words elsewhere, CJK unigrams and bigrams.
import { describe, expect, it } from 'vitest';
import { indexTerms, normalize, queryTerms, textMatches } from '../../src/node/search-text.js';

const matches = (query: string, text: string) => textMatches(queryTerms(query), indexTerms(text));

describe('search terms', () => {
  it('English: words split on anything but letters and digits, lower-cased', () => {
    expect([...indexTerms('Two short-range ballistic missiles, 2 x KN-23.')]).toEqual([
      'two',
      'short',
      'range',
      'ballistic',
      'missiles',
      '2',
      'x',
      'kn',
      '23',
    ]);
    expect(matches('BALLISTIC missiles', 'Two short-range ballistic missiles')).toBe(true);
    expect(matches('ballistic cruise', 'Two short-range ballistic missiles')).toBe(false);
  });

  it('a word of three characters or more also finds the words it begins; shorter ones only themselves', () => {
    expect(queryTerms('missile kn x')).toEqual([
      { text: 'missile', prefix: true },
      { text: 'kn', prefix: false },
      { text: 'x', prefix: false },
    ]);
    expect(matches('missile', 'Two missiles')).toBe(true);
    expect(matches('mis', 'Two missiles')).toBe(true);
    expect(matches('mi', 'Two missiles')).toBe(false);
    expect(matches('missiles', 'one missile')).toBe(false);
  });

  it('NFKC: full-width ＡＢＣ is abc, half-width katakana is katakana, ① is 1', () => {
    expect(normalize('ＡＢＣ')).toBe('abc');
    expect([...indexTerms('ＡＢＣ１２３')]).toEqual(['abc123']);
    expect(matches('abc', 'ＡＢＣ report')).toBe(true);
    expect(matches('ＡＢＣ', 'abc report')).toBe(true);
    expect(normalize('ﾐｻｲﾙ')).toBe('ミサイル');
    expect(matches('ミサイル', 'ﾐｻｲﾙ発射')).toBe(true);
    expect(matches('1', '①')).toBe(true);
  });

  it('Japanese: CJK runs as unigrams and bigrams; a one-character query is its unigram', () => {
    expect([...indexTerms('極秘')]).toEqual(['極', '秘', '極秘']);
    expect(queryTerms('極秘')).toEqual([{ text: '極秘', prefix: false }]);
    expect(queryTerms('極')).toEqual([{ text: '極', prefix: false }]);
    expect(queryTerms('ミサイル発射')).toEqual(
      ['ミサ', 'サイ', 'イル', 'ル発', '発射'].map((text) => ({ text, prefix: false })),
    );
    expect(matches('ミサイル発射', '北朝鮮がミサイル発射、日本海に落下')).toBe(true);
    expect(matches('発射', '北朝鮮がミサイル発射')).toBe(true);
    expect(matches('極秘', '北朝鮮がミサイル発射')).toBe(false);
    expect(matches('秘', '極秘文書')).toBe(true);
    // The prolonged sound mark stays in its run: データ is one run.
    expect(matches('データ', 'レーダーデータ')).toBe(true);
  });

  it('Korean: a word with its particle is found by its stem (bigrams, not words)', () => {
    expect(matches('미사일', '북한이 미사일을 발사했다')).toBe(true);
    expect(matches('발사', '북한이 미사일을 발사했다')).toBe(true);
    expect(matches('미사일 발사', '북한이 미사일을 발사했다')).toBe(true);
    expect(matches('핵실험', '북한이 미사일을 발사했다')).toBe(false);
  });

  it('mixed scripts: every term must be there (AND), whatever its script', () => {
    const text = 'KN-23 ミサイル発射 미사일을 발사 Launch at 05:32 JST';
    expect(matches('kn ミサイル 미사일 launch', text)).toBe(true);
    expect(matches('kn ミサイル 미사일 landing', text)).toBe(false);
    // A CJK run glued to a word is split from it.
    expect([...indexTerms('SRBM発射')]).toEqual(['srbm', '発', '射', '発射']);
  });

  it('punctuation alone asks for nothing', () => {
    expect(queryTerms('  -- ... ・、。!! ')).toEqual([]);
    expect(queryTerms('')).toEqual([]);
  });
});
