// Full-text search at 100,000 items (issue 14): the index a node builds
// (src/node/search-index.ts, search-text.ts) over synthetic items, a third each in
// English, Japanese and Korean, with bodies of about 1 KB of UTF-8: the build's time,
// the memory it holds per item, and queries/s by kind of query, against a linear
// scan of the same texts (String.includes on text already normalized) in the same run.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SearchIndex } from '../src/node/search-index.js';
import { indexTerms, normalize, type QueryTerm, queryTerms } from '../src/node/search-text.js';
import { prng } from './workload.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Ranks drawn with Zipf's law (s = 1.07), as words in text are. */
function zipf(n: number, r: () => number): () => number {
  const cum = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) {
    sum += 1 / (k + 1) ** 1.07;
    cum[k] = sum;
  }
  return () => {
    const x = r() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cum[mid] ?? 0) < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)] as T;

/** Vocabularies: made-up words, with real ones at set ranks (queried below). */
function vocabularies(r: () => number) {
  const syll = [
    'ka',
    'ri',
    'to',
    'men',
    'sa',
    'lo',
    'ver',
    'in',
    'tra',
    'de',
    'pol',
    'un',
    'es',
    'ba',
    'chi',
    'gor',
    'ny',
    'al',
    'ex',
    'qua',
  ];
  const en = new Set<string>();
  while (en.size < 30_000) {
    let w = '';
    const n = 1 + Math.floor(r() * 4);
    for (let i = 0; i < n; i++) w += pick(syll, r);
    en.add(w);
  }
  const english = [...en];
  ['the', 'of', 'and', 'to', 'a', 'in', 'missile', 'launch', 'from', 'at'].forEach((w, i) => {
    english[i] = w;
  });
  english[300] = 'ballistic';
  english[2000] = 'sunan';
  const kanji = Array.from({ length: 1500 }, (_, i) =>
    String.fromCodePoint(0x4e00 + ((i * 37) % 20000)),
  );
  const kana = Array.from({ length: 80 }, (_, i) => String.fromCodePoint(0x30a1 + i));
  const ja = new Set<string>();
  while (ja.size < 8_000) {
    const katakana = r() < 0.25;
    const n = katakana ? 3 + Math.floor(r() * 3) : 2 + Math.floor(r() * 2);
    let w = '';
    for (let i = 0; i < n; i++) w += katakana ? pick(kana, r) : pick(kanji, r);
    ja.add(w);
  }
  const japanese = [...ja];
  ['北朝鮮', 'ミサイル', '発射', '弾道', '日本海', '防衛省', '情報', '報告'].forEach((w, i) => {
    japanese[5 + i * 7] = w;
  });
  const syllables = Array.from({ length: 900 }, (_, i) =>
    String.fromCodePoint(0xac00 + ((i * 131) % 11172)),
  );
  const ko = new Set<string>();
  while (ko.size < 8_000) {
    let w = '';
    const n = 2 + Math.floor(r() * 2);
    for (let i = 0; i < n; i++) w += pick(syllables, r);
    ko.add(w);
  }
  const korean = [...ko];
  ['북한', '미사일', '발사', '동해', '탄도', '합참', '정보', '보고'].forEach((w, i) => {
    korean[5 + i * 7] = w;
  });
  return { english, japanese, korean };
}

interface Corpus {
  readonly ids: string[];
  readonly created: Float64Array;
  readonly titles: string[];
  readonly bodies: string[];
  readonly vocab: ReturnType<typeof vocabularies>;
}

const PARTICLES_JA = ['は', 'が', 'を', 'に', 'の', 'で', 'と', 'から', 'した。', 'する、'];
const PARTICLES_KO = ['은', '는', '이', '가', '을', '를', '에', '의', '에서', '했다.'];

export function corpus(n: number): Corpus {
  const r = prng(14);
  const vocab = vocabularies(r);
  const en = zipf(vocab.english.length, r);
  const ja = zipf(vocab.japanese.length, r);
  const ko = zipf(vocab.korean.length, r);
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  const text = (lang: number, target: number): string => {
    const parts: string[] = [];
    let size = 0;
    while (size < target) {
      let w: string;
      if (lang === 0) w = `${vocab.english[en()]} `;
      else if (lang === 1) w = `${vocab.japanese[ja()]}${pick(PARTICLES_JA, r)}`;
      else w = `${vocab.korean[ko()]}${r() < 0.6 ? pick(PARTICLES_KO, r) : ''} `;
      parts.push(w);
      size += bytes(w);
    }
    return parts.join('');
  };
  const ids: string[] = [];
  const titles: string[] = [];
  const bodies: string[] = [];
  const created = new Float64Array(n);
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < n; i++) {
    const lang = i % 3;
    const hex = Math.floor(r() * 2 ** 48)
      .toString(16)
      .padStart(12, '0');
    ids.push(
      `${['us', 'jp', 'kr'][lang]}-0b5e${i.toString(16).padStart(4, '0')}-1c2d-4e5f-8a9b-${hex}`,
    );
    titles.push(`${text(lang, 40)} no. ${i}`);
    bodies.push(text(lang, 1000));
    created[i] = t0 + i * 1000;
  }
  return { ids, created, titles, bodies, vocab };
}

export interface QueryKind {
  readonly name: string;
  readonly index: number;
  readonly scan: number;
  readonly meanHits: number;
}

export interface SearchFigures {
  readonly items: number;
  readonly textMegabytes: number;
  readonly buildSeconds: number;
  readonly compactSeconds: number;
  readonly bytesPerItem: number;
  readonly postingBytesPerItem: number;
  readonly terms: number;
  readonly denseTerms: number;
  readonly kinds: readonly QueryKind[];
}

/** Runs `step` for about `budgetMs` (at least 5 times); queries per second. */
function rate(budgetMs: number, step: (i: number) => void): number {
  for (let i = 0; i < 5; i++) step(i);
  const start = performance.now();
  let n = 0;
  while (n < 5 || performance.now() - start < budgetMs) step(n++);
  return n / ((performance.now() - start) / 1000);
}

export function searchFigures(quick: boolean): SearchFigures {
  const n = quick ? 20_000 : 100_000;
  const budget = quick ? 300 : 1500;
  const c = corpus(n);
  const textMegabytes =
    c.bodies.reduce((s, b) => s + Buffer.byteLength(b), 0) / 2 ** 20 +
    c.titles.reduce((s, t) => s + Buffer.byteLength(t), 0) / 2 ** 20;

  gc();
  const heap0 = process.memoryUsage();
  const start = performance.now();
  const ix = new SearchIndex();
  for (let i = 0; i < n; i++) {
    const terms = indexTerms(c.titles[i] ?? '');
    for (const t of indexTerms(c.bodies[i] ?? '')) terms.add(t);
    ix.add(c.ids[i] ?? '', c.created[i] ?? 0, terms);
  }
  const buildSeconds = (performance.now() - start) / 1000;
  // As the node does after indexing many items at once (src/node/search.ts).
  const compactStart = performance.now();
  ix.compact();
  const compactSeconds = (performance.now() - compactStart) / 1000;
  gc();
  const heap1 = process.memoryUsage();
  const held = heap1.heapUsed + heap1.arrayBuffers - (heap0.heapUsed + heap0.arrayBuffers);

  // The baseline's texts, normalized once beforehand (to its advantage).
  const lowered = c.titles.map((t, i) => normalize(`${t}\n${c.bodies[i] ?? ''}`));
  const r = prng(99);
  const sample = (words: readonly string[], from: number, to: number, k: number) =>
    Array.from({ length: k }, () => words[from + Math.floor(r() * (to - from))] ?? '');
  const v = c.vocab;
  const kinds: { name: string; queries: string[] }[] = [
    {
      name: 'English, one rare word (Zipf rank 10,000-30,000)',
      queries: sample(v.english, 10_000, 30_000, 50),
    },
    {
      name: 'English, two words (rank 100-2,000, AND)',
      queries: sample(v.english, 100, 2_000, 50).map(
        (w, i) => `${w} ${v.english[100 + ((i * 97) % 1900)]}`,
      ),
    },
    { name: 'English, one common word ("missile", in most English items)', queries: ['missile'] },
    {
      name: 'English, a 3-letter prefix (all words it begins)',
      queries: sample(v.english, 50, 5_000, 50).map((w) => w.slice(0, 3)),
    },
    {
      name: 'Japanese, a word of 2-5 characters (bigrams, rank 50-5,000)',
      queries: sample(v.japanese, 50, 5_000, 50),
    },
    { name: 'Japanese, ミサイル 発射 (two words, AND)', queries: ['ミサイル 発射'] },
    { name: 'Korean, a word stem (rank 50-5,000)', queries: sample(v.korean, 50, 5_000, 50) },
    { name: 'Korean, 미사일 발사', queries: ['미사일 발사'] },
  ];
  const LIMIT = 50;
  const figures: QueryKind[] = kinds.map((k) => {
    const parsed: QueryTerm[][] = k.queries.map((q) => queryTerms(q));
    let hits = 0;
    let runs = 0;
    const index = rate(budget, (i) => {
      const found = ix.find(parsed[i % parsed.length] ?? [], () => true, 0, LIMIT);
      hits += found.length;
      runs++;
    });
    // The baseline: every normalized word of the query in the text, newest first, first page.
    const words = k.queries.map((q) =>
      normalize(q)
        .split(/\s+/)
        .filter((w) => w !== ''),
    );
    const scan = rate(budget, (i) => {
      const ws = words[i % words.length] ?? [];
      let found = 0;
      for (let d = n - 1; d >= 0 && found < LIMIT; d--) {
        const t = lowered[d] ?? '';
        if (ws.every((w) => t.includes(w))) found++;
      }
    });
    return { name: k.name, index, scan, meanHits: hits / runs };
  });
  return {
    items: n,
    textMegabytes,
    buildSeconds,
    compactSeconds,
    bytesPerItem: held / n,
    postingBytesPerItem: ix.postingBytes / n,
    terms: ix.terms,
    denseTerms: ix.denseTerms,
    kinds: figures,
  };
}
