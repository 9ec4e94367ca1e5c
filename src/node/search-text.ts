// The words of full-text search (docs/decisions.md #136): pure, no I/O. Text is put in
// Unicode NFKC and lower case (so full-width ＡＢＣ is abc, half-width ｶﾀｶﾅ is カタカナ).
// Runs of Han, Hiragana, Katakana and Hangul are indexed as character unigrams and
// bigrams, as Lucene's CJK analyzer does: Japanese has no spaces, and Korean particles
// stay attached to their words (미사일을), so a word would not be found by its stem.
// Every other run of letters, digits and combining marks is a word.

/** Han, kana (with the prolonged sound mark ー, which Unicode counts as Common) and Hangul. */
const CJK_CHARS = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}\\u30FC';
/** A CJK run, or a run of other letters, digits and marks (a word). */
const RUNS = new RegExp(`([${CJK_CHARS}]+)|((?:(?![${CJK_CHARS}])[\\p{L}\\p{N}\\p{M}])+)`, 'gu');
const CJK_START = new RegExp(`^[${CJK_CHARS}]`, 'u');

/** A query word of this many characters or more also finds the words it begins. */
export const PREFIX_MIN = 3;

/** What a query asks for: a term the item's text must hold (or, `prefix`, begin a word with). */
export interface QueryTerm {
  readonly text: string;
  readonly prefix: boolean;
}

export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Is this index term a CJK unigram or bigram (not a word)? */
export function isGram(term: string): boolean {
  return CJK_START.test(term);
}

/**
 * Adds the index terms of `text` to `into`: each word, and each unigram and bigram of
 * each CJK run.
 */
export function addIndexTerms(text: string, into: Set<string>): void {
  for (const m of normalize(text).matchAll(RUNS)) {
    const cjk = m[1];
    if (cjk === undefined) {
      into.add(m[0]);
      continue;
    }
    let before = '';
    for (const ch of cjk) {
      into.add(ch);
      if (before !== '') into.add(before + ch);
      before = ch;
    }
  }
}

/** The index terms of `text`, distinct. */
export function indexTerms(text: string): Set<string> {
  const terms = new Set<string>();
  addIndexTerms(text, terms);
  return terms;
}

/**
 * What a query asks for, distinct, in the order written: each word (a prefix when it has
 * PREFIX_MIN characters or more), a one-character CJK run as its unigram, a longer run
 * as its bigrams. Every term must match (AND); punctuation alone asks for nothing.
 */
export function queryTerms(query: string): QueryTerm[] {
  const out = new Map<string, QueryTerm>();
  for (const m of normalize(query).matchAll(RUNS)) {
    const cjk = m[1];
    if (cjk === undefined) {
      const word = m[0];
      out.set(word, { text: word, prefix: [...word].length >= PREFIX_MIN });
      continue;
    }
    const chars = [...cjk];
    if (chars.length === 1) out.set(cjk, { text: cjk, prefix: false });
    for (let i = 0; i + 1 < chars.length; i++) {
      const gram = `${chars[i]}${chars[i + 1]}`;
      out.set(gram, { text: gram, prefix: false });
    }
  }
  return [...out.values()];
}

/**
 * Does `text` hold every term of the query, as the index would find it? The linear
 * check of the items a search meets before they are indexed (and the tests' reference).
 */
export function textMatches(terms: readonly QueryTerm[], text: Set<string>): boolean {
  for (const t of terms) {
    if (text.has(t.text)) continue;
    if (!t.prefix) return false;
    let found = false;
    for (const w of text) {
      if (w.startsWith(t.text) && !isGram(w)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}
