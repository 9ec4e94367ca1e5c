// The search index's posting lists, all in one pool of bytes (as Lucene's ByteBlockPool):
// each list holds doc numbers in ascending order, each the difference from the one
// before as a varint (a doc a common word is in costs one byte), in slices of 8, 16, …
// 2,048 bytes whose last four bytes give the address of the next slice. A list costs
// 8 bytes until it grows; nothing is copied when one does. Growing leaves about a third
// of the pool unused (slices part full, their addresses): `compact` copies each list
// into one run of exactly its bytes. Pure, no I/O.

const CHUNK_BITS = 20;
const CHUNK = 1 << CHUNK_BITS;
const OFFSET = CHUNK - 1;
/** Slice sizes by level; a list's slices grow to the last and stay there. */
const SIZES = [8, 16, 32, 64, 128, 256, 512, 1024, 2048] as const;
const TOP_LEVEL = SIZES.length - 1;
const size = (level: number): number => SIZES[level] ?? 2048;

function grown<A extends Uint32Array | Int32Array | Uint8Array | Int8Array>(
  a: A,
  need: number,
  make: (n: number) => A,
): A {
  if (need <= a.length) return a;
  const b = make(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class Postings {
  private chunks: Uint8Array[] = [];
  /** The next free byte of the last chunk (CHUNK: there is none yet). */
  private top = CHUNK;
  private n = 0;
  // Per list: its first slice, where the next byte goes, where its current slice's
  // forward address sits, that slice's level, its last doc and how many docs it holds.
  private head = new Uint32Array(256);
  private write = new Uint32Array(256);
  private end = new Uint32Array(256);
  private level = new Int8Array(256);
  private last = new Int32Array(256);
  private counts = new Uint32Array(256);
  // Per list, its first slice as a reader walks it: the bytes it holds before the next
  // address, and its level (-1 for a compacted run: the slice after it is of level 0).
  private first = new Uint32Array(256);
  private firstLevel = new Int8Array(256);

  /** A new, empty list; returns its number. */
  create(): number {
    const list = this.n++;
    const need = this.n;
    this.head = grown(this.head, need, (k) => new Uint32Array(k));
    this.write = grown(this.write, need, (k) => new Uint32Array(k));
    this.end = grown(this.end, need, (k) => new Uint32Array(k));
    this.level = grown(this.level, need, (k) => new Int8Array(k));
    this.last = grown(this.last, need, (k) => new Int32Array(k));
    this.counts = grown(this.counts, need, (k) => new Uint32Array(k));
    this.first = grown(this.first, need, (k) => new Uint32Array(k));
    this.firstLevel = grown(this.firstLevel, need, (k) => new Int8Array(k));
    const at = this.alloc(size(0));
    this.head[list] = at;
    this.write[list] = at;
    this.end[list] = at + size(0) - 4;
    this.level[list] = 0;
    this.last[list] = -1;
    this.counts[list] = 0;
    this.first[list] = size(0) - 4;
    this.firstLevel[list] = 0;
    return list;
  }

  /** Forgets a list's docs (the index keeps them another way now): `compact` drops its bytes. */
  drop(list: number): void {
    this.counts[list] = 0;
    this.write[list] = this.head[list] ?? 0;
  }

  /** Appends `doc` to a list; it must be greater than the list's last. */
  add(list: number, doc: number): void {
    const last = this.last[list] ?? -1;
    if (doc <= last) throw new Error(`doc ${doc} after ${last}: postings are appended in order`);
    let delta = doc - last;
    while (delta >= 0x80) {
      this.put(list, (delta & 0x7f) | 0x80);
      delta >>>= 7;
    }
    this.put(list, delta);
    this.last[list] = doc;
    this.counts[list] = (this.counts[list] ?? 0) + 1;
  }

  /** How many docs a list holds. */
  count(list: number): number {
    return this.counts[list] ?? 0;
  }

  /** Calls `fn` with each doc of a list, in ascending order. */
  forEach(list: number, fn: (doc: number) => void): void {
    let at = this.head[list] ?? 0;
    let level = this.firstLevel[list] ?? 0;
    let end = at + (this.first[list] ?? 0);
    let doc = -1;
    const n = this.count(list);
    for (let k = 0; k < n; k++) {
      let delta = 0;
      let scale = 1;
      let b: number;
      do {
        if (at === end) {
          at = this.u32(at);
          level = Math.min(level + 1, TOP_LEVEL);
          end = at + size(level) - 4;
        }
        b = this.byte(at++);
        delta += (b & 0x7f) * scale;
        scale *= 128;
      } while (b & 0x80);
      doc += delta;
      fn(doc);
    }
  }

  /**
   * Copies every list into a new pool, each as one run of exactly its bytes followed by
   * room for the address of the slice its next doc will start (a run longer than a
   * chunk goes on in slices). The old pool is left to the garbage collector.
   */
  compact(): void {
    const from = this.chunks;
    const byte = (at: number) => from[at >>> CHUNK_BITS]?.[at & OFFSET] ?? 0;
    this.chunks = [];
    this.top = CHUNK;
    let scratch = new Uint8Array(4096);
    for (let list = 0; list < this.n; list++) {
      // The list's bytes, in order, through its slices.
      let at = this.head[list] ?? 0;
      let level = this.firstLevel[list] ?? 0;
      let end = at + (this.first[list] ?? 0);
      const stop = this.write[list] ?? 0;
      let k = 0;
      while (at !== stop) {
        if (at === end) {
          const c = from[at >>> CHUNK_BITS];
          const o = at & OFFSET;
          at =
            ((c?.[o] ?? 0) | ((c?.[o + 1] ?? 0) << 8) | ((c?.[o + 2] ?? 0) << 16)) +
            (c?.[o + 3] ?? 0) * 2 ** 24;
          level = Math.min(level + 1, TOP_LEVEL);
          end = at + size(level) - 4;
          continue;
        }
        if (k === scratch.length) {
          const bigger = new Uint8Array(scratch.length * 2);
          bigger.set(scratch);
          scratch = bigger;
        }
        scratch[k++] = byte(at++);
      }
      const run = Math.min(k, CHUNK - 4);
      const start = this.alloc(run + 4);
      this.chunk(start).set(scratch.subarray(0, run), start & OFFSET);
      // A list that grows on starts again from small slices: most runs are of words
      // seen for the last time, and a run's size says little of what comes next.
      this.head[list] = start;
      this.first[list] = run;
      this.firstLevel[list] = -1;
      this.level[list] = -1;
      this.end[list] = start + run;
      this.write[list] = start + run;
      for (let i = run; i < k; i++) this.put(list, scratch[i] ?? 0);
    }
  }

  /** Bytes held: the pool's chunks and the per-list arrays. */
  get bytes(): number {
    return (
      this.chunks.length * CHUNK +
      this.head.byteLength +
      this.write.byteLength +
      this.end.byteLength +
      this.level.byteLength +
      this.last.byteLength +
      this.counts.byteLength +
      this.first.byteLength +
      this.firstLevel.byteLength
    );
  }

  /** Bytes of the pool in use (the rest of the last chunk is free). */
  get used(): number {
    return this.chunks.length === 0 ? 0 : (this.chunks.length - 1) * CHUNK + this.top;
  }

  private alloc(n: number): number {
    if (this.top + n > CHUNK) {
      this.chunks.push(new Uint8Array(CHUNK));
      this.top = 0;
    }
    const at = (this.chunks.length - 1) * CHUNK + this.top;
    this.top += n;
    return at;
  }

  private put(list: number, b: number): void {
    let at = this.write[list] ?? 0;
    if (at === this.end[list]) {
      const level = Math.min((this.level[list] ?? 0) + 1, TOP_LEVEL);
      const next = this.alloc(size(level));
      this.setU32(at, next);
      this.level[list] = level;
      this.end[list] = next + size(level) - 4;
      at = next;
    }
    this.chunk(at)[at & OFFSET] = b;
    this.write[list] = at + 1;
  }

  private chunk(at: number): Uint8Array {
    const c = this.chunks[at >>> CHUNK_BITS];
    if (c === undefined) throw new Error(`postings: no byte at ${at}`);
    return c;
  }

  private byte(at: number): number {
    return this.chunk(at)[at & OFFSET] ?? 0;
  }

  // A forward address never crosses a chunk: slices are allocated within one.
  private u32(at: number): number {
    const c = this.chunk(at);
    const o = at & OFFSET;
    return (
      ((c[o] ?? 0) | ((c[o + 1] ?? 0) << 8) | ((c[o + 2] ?? 0) << 16)) + (c[o + 3] ?? 0) * 2 ** 24
    );
  }

  private setU32(at: number, v: number): void {
    const c = this.chunk(at);
    const o = at & OFFSET;
    c[o] = v & 0xff;
    c[o + 1] = (v >>> 8) & 0xff;
    c[o + 2] = (v >>> 16) & 0xff;
    c[o + 3] = (v >>> 24) & 0xff;
  }
}
