// The full-text index of one node instance, in memory (docs/decisions.md #136): each
// term's posting list of doc numbers (search-postings.ts), and per doc the item's id
// and creation instant. Items are added once and never change or leave, so docs are
// numbered in the order they are added. Pure, no I/O: the node feeds it
// (src/node/search.ts), the bench and the tests too.
import { Postings } from './search-postings.js';
import { isGram, type QueryTerm } from './search-text.js';

/** The pool is compacted when it has grown to twice what it was after the last time, and at least this. */
const COMPACT_MIN = 4 << 20;
/** Fresh words wait unsorted (scanned by prefix queries) until there are this many. */
const FRESH_MAX = 1024;
/**
 * A list of more docs than this that holds more than one doc in eight becomes a bitmap:
 * no larger than its varints, and ANDed or walked back from the newest a word at a time.
 */
const DENSE_MIN = 2048;

/** A term in many docs: one bit per doc. */
interface Dense {
  bits: Uint32Array;
  count: number;
}

function grownF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class SearchIndex {
  private readonly lists = new Map<string, number>();
  private readonly postings = new Postings();
  private readonly dense = new Map<number, Dense>();
  private compactAt = COMPACT_MIN;
  /** Words (not CJK grams), sorted, for prefix queries; new ones wait in `fresh`. */
  private sorted: string[] = [];
  private fresh: string[] = [];
  private readonly ids: string[] = [];
  private readonly numbers = new Map<string, number>();
  private created: Float64Array = new Float64Array(1024);
  /** The largest creation instant among docs 0..d: no doc before d is newer. */
  private newest: Float64Array = new Float64Array(1024);

  /** How many items are indexed. */
  get size(): number {
    return this.ids.length;
  }

  /** How many distinct terms. */
  get terms(): number {
    return this.lists.size;
  }

  has(id: string): boolean {
    return this.numbers.has(id);
  }

  idOf(doc: number): string {
    return this.ids[doc] ?? '';
  }

  createdOf(doc: number): number {
    return this.created[doc] ?? 0;
  }

  /**
   * Indexes an item under its terms (from search-text.ts's `indexTerms`); an item
   * already indexed is left as it is (its text never changes). Returns its doc number.
   */
  add(id: string, created: number, terms: Iterable<string>): number {
    const known = this.numbers.get(id);
    if (known !== undefined) return known;
    const doc = this.ids.length;
    this.ids.push(id);
    this.numbers.set(id, doc);
    this.created = grownF64(this.created, doc + 1);
    this.newest = grownF64(this.newest, doc + 1);
    this.created[doc] = created;
    this.newest[doc] = doc === 0 ? created : Math.max(this.newest[doc - 1] ?? created, created);
    for (const term of terms) {
      let list = this.lists.get(term);
      if (list === undefined) {
        list = this.postings.create();
        this.lists.set(term, list);
        if (!isGram(term)) this.fresh.push(term);
      }
      this.post(list, doc);
    }
    if (this.postings.used > this.compactAt) this.compact();
    return doc;
  }

  /**
   * Packs the posting lists tight (search-postings.ts); done as the pool doubles, and
   * by the node after indexing many items at once.
   */
  compact(): void {
    this.postings.compact();
    this.compactAt = Math.max(COMPACT_MIN, 2 * this.postings.used);
  }

  private post(list: number, doc: number): void {
    const d = this.dense.get(list);
    if (d !== undefined) {
      const w = doc >>> 5;
      if (w >= d.bits.length) {
        const b = new Uint32Array(Math.max(w + 1, d.bits.length * 2));
        b.set(d.bits);
        d.bits = b;
      }
      d.bits[w] = (d.bits[w] ?? 0) | (1 << (doc & 31));
      d.count++;
      return;
    }
    this.postings.add(list, doc);
    const count = this.postings.count(list);
    if (count > DENSE_MIN && count * 8 > doc) {
      // From now on a bitmap; the varints it had stay in the pool, unread.
      const bits = new Uint32Array(((doc + 1024) >>> 5) + 1);
      this.postings.forEach(list, (x) => {
        bits[x >>> 5] = (bits[x >>> 5] ?? 0) | (1 << (x & 31));
      });
      this.dense.set(list, { bits, count });
      this.postings.drop(list);
    }
  }

  private count(list: number): number {
    return this.dense.get(list)?.count ?? this.postings.count(list);
  }

  /** The docs that hold every term of the query, as a bitmap; null for none (or no terms). */
  matching(query: readonly QueryTerm[]): Uint32Array | null {
    const groups: { lists: number[]; size: number }[] = [];
    for (const t of query) {
      const lists: number[] = [];
      if (t.prefix) {
        for (const w of this.wordsStarting(t.text)) {
          const l = this.lists.get(w);
          if (l !== undefined) lists.push(l);
        }
      } else {
        const l = this.lists.get(t.text);
        if (l !== undefined) lists.push(l);
      }
      if (lists.length === 0) return null;
      groups.push({ lists, size: lists.reduce((n, l) => n + this.count(l), 0) });
    }
    if (groups.length === 0) return null;
    // Rarest first: the candidates shrink fastest.
    groups.sort((a, b) => a.size - b.size);
    const words = (this.ids.length + 31) >>> 5;
    let current: Uint32Array | null = null;
    for (const g of groups) {
      const hit = new Uint32Array(words);
      const within: Uint32Array | null = current;
      for (const l of g.lists) {
        const d = this.dense.get(l);
        if (d !== undefined) {
          const n = Math.min(words, d.bits.length);
          if (within === null)
            for (let i = 0; i < n; i++) hit[i] = (hit[i] ?? 0) | (d.bits[i] ?? 0);
          else
            for (let i = 0; i < n; i++)
              hit[i] = (hit[i] ?? 0) | ((d.bits[i] ?? 0) & (within[i] ?? 0));
          continue;
        }
        this.postings.forEach(l, (doc) => {
          const w = doc >>> 5;
          const bit = 1 << (doc & 31);
          if (within !== null && ((within[w] ?? 0) & bit) === 0) return;
          hit[w] = (hit[w] ?? 0) | bit;
        });
      }
      if (!hit.some((w) => w !== 0)) return null;
      current = hit;
    }
    return current;
  }

  /**
   * Calls `visit` with the docs of a bitmap newest first (creation instant descending,
   * then id ascending) until it returns false. Docs are added roughly in order of
   * creation; one is given out once no doc not yet looked at can be newer (`newest`),
   * so an index in order costs nothing more than a walk back from its last doc.
   */
  newestFirst(bits: Uint32Array | null, visit: (doc: number) => boolean): void {
    if (bits === null) return;
    const heap = new DocHeap(this.created, this.ids);
    let stopped = false;
    walkDown(bits, (doc) => {
      // Every doc not yet looked at is below this one: none is newer than newest[doc].
      while (heap.size > 0 && heap.topCreated() > (this.newest[doc] ?? 0)) {
        if (!visit(heap.pop())) {
          stopped = true;
          return false;
        }
      }
      heap.push(doc);
      return true;
    });
    while (!stopped && heap.size > 0) if (!visit(heap.pop())) return;
  }

  /**
   * One page of the items that match the query and that `accept` takes (the caller's
   * filters and RULES V1), newest first: `offset` taken items skipped, then up to
   * `limit`. Returns doc numbers.
   */
  find(
    query: readonly QueryTerm[],
    accept: (doc: number) => boolean,
    offset: number,
    limit: number,
  ): number[] {
    const out: number[] = [];
    let skip = offset;
    if (limit <= 0) return out;
    this.newestFirst(this.matching(query), (doc) => {
      if (!accept(doc)) return true;
      if (skip > 0) {
        skip--;
        return true;
      }
      out.push(doc);
      return out.length < limit;
    });
    return out;
  }

  /** Bytes of the posting lists: the pool in use and the bitmaps. */
  get postingBytes(): number {
    let bytes = this.postings.used;
    for (const d of this.dense.values()) bytes += d.bits.byteLength;
    return bytes;
  }

  /** How many terms are held as bitmaps. */
  get denseTerms(): number {
    return this.dense.size;
  }

  /** The indexed words that begin with `prefix` (itself included). */
  private wordsStarting(prefix: string): string[] {
    if (this.fresh.length > FRESH_MAX) this.settle();
    const out: string[] = [];
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.sorted[mid] ?? '') < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.sorted.length; i++) {
      const w = this.sorted[i] ?? '';
      if (!w.startsWith(prefix)) break;
      out.push(w);
    }
    for (const w of this.fresh) if (w.startsWith(prefix)) out.push(w);
    return out;
  }

  /** Merges the fresh words into the sorted ones. */
  private settle(): void {
    const add = this.fresh.sort();
    const merged: string[] = new Array(this.sorted.length + add.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.sorted.length || j < add.length) {
      const a = this.sorted[i];
      const b = add[j];
      if (b === undefined || (a !== undefined && a < b)) {
        merged[k++] = a ?? '';
        i++;
      } else {
        merged[k++] = b;
        j++;
      }
    }
    this.sorted = merged;
    this.fresh = [];
  }
}

/** Calls `fn` with the docs whose bits are set, descending, until it returns false. */
function walkDown(bits: Uint32Array, fn: (doc: number) => boolean): void {
  for (let i = bits.length - 1; i >= 0; i--) {
    let w = bits[i] ?? 0;
    while (w !== 0) {
      const high = 31 - Math.clz32(w);
      if (!fn((i << 5) + high)) return;
      w &= ~(1 << high);
    }
  }
}

/** A binary heap of docs, newest (then smallest id) on top. */
class DocHeap {
  private readonly a: number[] = [];
  constructor(
    private readonly created: Float64Array,
    private readonly ids: readonly string[],
  ) {}

  get size(): number {
    return this.a.length;
  }

  topCreated(): number {
    return this.created[this.a[0] ?? 0] ?? 0;
  }

  push(doc: number): void {
    const a = this.a;
    a.push(doc);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      if (!this.before(doc, a[p] ?? 0)) break;
      a[i] = a[p] ?? 0;
      i = p;
    }
    a[i] = doc;
  }

  pop(): number {
    const a = this.a;
    const top = a[0] ?? 0;
    const last = a.pop() ?? 0;
    if (a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && this.before(a[r] ?? 0, a[l] ?? 0) ? r : l;
      if (!this.before(a[c] ?? 0, last)) break;
      a[i] = a[c] ?? 0;
      i = c;
    }
    a[i] = last;
    return top;
  }

  /** Does doc x come before doc y, newest first, then by id? */
  private before(x: number, y: number): boolean {
    const cx = this.created[x] ?? 0;
    const cy = this.created[y] ?? 0;
    if (cx !== cy) return cx > cy;
    return (this.ids[x] ?? '') < (this.ids[y] ?? '');
  }
}
