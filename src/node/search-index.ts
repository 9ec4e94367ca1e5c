// The full-text index of one node instance, in memory (docs/decisions.md #122): each
// term's posting list of doc numbers (search-postings.ts), and per doc the item's id
// and creation instant. Items are added once and never change or leave, so docs are
// numbered in the order they are added. Pure, no I/O: the node feeds it
// (src/node/search.ts), the bench and the tests too.
import { Postings } from './search-postings.js';
import { isGram, type QueryTerm } from './search-text.js';

/** Fresh words wait unsorted (scanned by prefix queries) until there are this many. */
const FRESH_MAX = 1024;

function grownF64(a: Float64Array, need: number): Float64Array {
  if (need <= a.length) return a;
  const b = new Float64Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class SearchIndex {
  private readonly lists = new Map<string, number>();
  private readonly postings = new Postings();
  /** Words (not CJK grams), sorted, for prefix queries; new ones wait in `fresh`. */
  private sorted: string[] = [];
  private fresh: string[] = [];
  private readonly ids: string[] = [];
  private readonly docs = new Map<string, number>();
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
    return this.docs.has(id);
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
    const known = this.docs.get(id);
    if (known !== undefined) return known;
    const doc = this.ids.length;
    this.ids.push(id);
    this.docs.set(id, doc);
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
      this.postings.add(list, doc);
    }
    return doc;
  }

  /** The docs that hold every term of the query, ascending; none for no terms. */
  matching(query: readonly QueryTerm[]): Uint32Array {
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
      if (lists.length === 0) return new Uint32Array(0);
      groups.push({ lists, size: lists.reduce((n, l) => n + this.postings.count(l), 0) });
    }
    if (groups.length === 0) return new Uint32Array(0);
    // Rarest first: the candidates shrink fastest.
    groups.sort((a, b) => a.size - b.size);
    const words = (this.ids.length + 31) >>> 5;
    let current: Uint32Array | null = null;
    for (const g of groups) {
      const hit = new Uint32Array(words);
      const within: Uint32Array | null = current;
      let any = false;
      for (const l of g.lists) {
        this.postings.forEach(l, (doc) => {
          const w = doc >>> 5;
          const bit = 1 << (doc & 31);
          if (within !== null && ((within[w] ?? 0) & bit) === 0) return;
          hit[w] = (hit[w] ?? 0) | bit;
          any = true;
        });
      }
      if (!any) return new Uint32Array(0);
      current = hit;
    }
    return current === null ? new Uint32Array(0) : docsOf(current);
  }

  /**
   * Calls `visit` with docs newest first (creation instant descending, then id
   * ascending) until it returns false. Docs are added roughly in order of creation;
   * one is given out once no doc not yet looked at can be newer (`newest`), so an
   * index in order costs nothing more than a walk back.
   */
  newestFirst(docs: Uint32Array, visit: (doc: number) => boolean): void {
    const heap = new DocHeap(this.created, this.ids);
    for (let i = docs.length - 1; i >= 0; i--) {
      const doc = docs[i] ?? 0;
      heap.push(doc);
      const next = i > 0 ? (this.newest[docs[i - 1] ?? 0] ?? 0) : Number.NEGATIVE_INFINITY;
      while (heap.size > 0 && heap.topCreated() > next) if (!visit(heap.pop())) return;
    }
    while (heap.size > 0) if (!visit(heap.pop())) return;
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

  /** Bytes of the typed arrays and the pool (not the maps and strings, which the bench measures). */
  get bytes(): number {
    return this.postings.bytes + this.created.byteLength + this.newest.byteLength;
  }

  /** Bytes of the pool in use. */
  get postingBytes(): number {
    return this.postings.used;
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

/** The docs whose bits are set, ascending. */
function docsOf(bits: Uint32Array): Uint32Array {
  let n = 0;
  for (const w of bits) n += popcount(w);
  const out = new Uint32Array(n);
  let k = 0;
  for (let i = 0; i < bits.length; i++) {
    let w = bits[i] ?? 0;
    while (w !== 0) {
      const low = w & -w;
      out[k++] = (i << 5) + (31 - Math.clz32(low));
      w ^= low;
    }
  }
  return out;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
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
