// C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the Merkle tree as tiles of 256
// hashes (tile height 8) and the entries as bundles of 256, at static paths
//   tile/<L>/<N>[.p/<W>]        level-L tile N: the hashes of the subtrees of 256^L
//                               leaves numbered N·256 … N·256+W−1 (W = 256 when full)
//   tile/entries/<N>[.p/<W>]    entries N·256 … N·256+W−1, each as a big-endian uint16
//                               length and its bytes
// <N> is written in groups of three digits, all but the last prefixed with `x`
// (1234067 → x001/x234/067). Pure: no store, no clock.

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** The spec's levels: 0 … 63. */
export const MAX_TILE_LEVEL = 63;
/** The largest entry an entry bundle can carry (its uint16 length prefix). */
export const MAX_BUNDLED_ENTRY = 0xffff;

/** A tile or an entry bundle: which, its level (0 for entries), index and width (1 … 256). */
export interface TileRef {
  readonly kind: 'hashes' | 'entries';
  readonly level: number;
  readonly index: number;
  /** 256 for a full tile, 1 … 255 for a partial one. */
  readonly width: number;
}

/** `1234067` → `x001/x234/067`. */
export function formatTileIndex(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`a tile index is a non-negative integer, not ${index}`);
  const groups: string[] = [];
  let n = index;
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** The path of a tile or bundle, without a leading slash: `tile/0/x001/234.p/5`. */
export function tilePath(t: TileRef): string {
  const where = t.kind === 'entries' ? 'entries' : String(t.level);
  const partial = t.width < TILE_WIDTH ? `.p/${t.width}` : '';
  return `tile/${where}/${formatTileIndex(t.index)}${partial}`;
}

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/**
 * Parses what follows `tile/` in a request path (`0/x001/234.p/5`, `entries/000`):
 * the tile asked for, or a sentence saying what is wrong with the path.
 */
export function parseTilePath(rest: string): TileRef | { readonly problem: string } {
  const parts = rest.split('/');
  const head = parts.shift() ?? '';
  let kind: TileRef['kind'] = 'hashes';
  let level = 0;
  if (head === 'entries') kind = 'entries';
  else if (DECIMAL.test(head) && Number(head) <= MAX_TILE_LEVEL) level = Number(head);
  else
    return {
      problem: `tile level '${head.slice(0, 20)}' is not 'entries' or a decimal 0 … ${MAX_TILE_LEVEL} without leading zeroes`,
    };
  let width = TILE_WIDTH;
  const p = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  if (p?.endsWith('.p') === true) {
    const w = parts.pop() ?? '';
    parts[parts.length - 1] = p.slice(0, -2);
    if (!DECIMAL.test(w) || Number(w) < 1 || Number(w) >= TILE_WIDTH)
      return {
        problem: `partial width '${w.slice(0, 20)}' is not a decimal 1 … 255 without leading zeroes`,
      };
    width = Number(w);
  }
  if (parts.length === 0 || parts.length > 6)
    return { problem: 'a tile index is 1 to 6 path elements of three digits (x001/x234/067)' };
  let index = 0;
  for (const [i, g] of parts.entries()) {
    const last = i === parts.length - 1;
    const digits = last ? g : g.startsWith('x') ? g.slice(1) : '';
    if (!/^[0-9]{3}$/.test(digits))
      return {
        problem: `tile index element '${g.slice(0, 20)}' is not ${last ? '' : "'x' and "}three digits`,
      };
    index = index * 1000 + Number(digits);
  }
  if (!Number.isSafeInteger(index)) return { problem: 'the tile index is too large' };
  // One spelling per index: no leading all-zero groups (x000/001 is 001).
  if (formatTileIndex(index) !== parts.join('/'))
    return {
      problem: `tile index '${parts.join('/').slice(0, 40)}' is not written canonically: ${formatTileIndex(index)}`,
    };
  return { kind, level, index, width };
}

/** 256^level, the leaves under one hash of a level-`level` tile. */
export function leavesPerHash(level: number): number {
  return TILE_WIDTH ** level;
}

/** How many hashes level `level` has in a tree of `size` leaves: floor(size / 256^level). */
export function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / leavesPerHash(level));
}

/** How many full tiles level `level` has in a tree of `size` leaves. */
export function fullTiles(size: number, level: number): number {
  return Math.floor(hashesAtLevel(size, level) / TILE_WIDTH);
}

/** The levels that hold at least one hash in a tree of `size` leaves. */
export function tileLevels(size: number): number {
  let levels = 0;
  while (levels <= MAX_TILE_LEVEL && hashesAtLevel(size, levels) > 0) levels++;
  return levels;
}

/** Every tile (level, index) that is full in a tree of `to` leaves but not of `from`. */
export function tilesCompleted(
  from: number,
  to: number,
): { readonly level: number; readonly index: number }[] {
  const out: { level: number; index: number }[] = [];
  for (let level = 0; level < tileLevels(to); level++) {
    for (let index = fullTiles(from, level); index < fullTiles(to, level); index++)
      out.push({ level, index });
  }
  return out;
}

/**
 * The tiles a client needs for a tree of `size` leaves: every full tile, and the
 * partial tile of each level that has one (width floor(size / 256^L) mod 256).
 */
export function tilesOfTree(size: number): TileRef[] {
  const out: TileRef[] = [];
  for (let level = 0; level < tileLevels(size); level++) {
    const full = fullTiles(size, level);
    for (let index = 0; index < full; index++)
      out.push({ kind: 'hashes', level, index, width: TILE_WIDTH });
    const rest = hashesAtLevel(size, level) % TILE_WIDTH;
    if (rest > 0) out.push({ kind: 'hashes', level, index: full, width: rest });
  }
  return out;
}

/**
 * The perfect subtrees D[a:b] is made of, largest first, as [height, number] (subtree k
 * of height h is leaves k·2^h … (k+1)·2^h − 1, a hash of tile level ⌊h/8⌋). MTH(D[a:b])
 * is the right fold of their hashes, since each is larger than all that follow it: so
 * for every range an RFC 9162 root or proof asks for, and a RangeError for any other.
 */
export function perfectSubtrees(a: number, b: number): [number, number][] {
  const out: [number, number][] = [];
  let previous = Number.POSITIVE_INFINITY;
  for (let at = a; at < b; ) {
    let h = 0;
    while (2 ** (h + 1) <= b - at && at % 2 ** (h + 1) === 0) h++;
    if (2 ** h >= previous) throw new RangeError(`D[${a}:${b}] is not an RFC 9162 subtree`);
    out.push([h, at / 2 ** h]);
    previous = 2 ** h;
    at += 2 ** h;
  }
  return out;
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The subtrees [a, b) whose hashes are RFC 9162 PATH(index, D[size]) (§2.1.3.1), in order. */
export function inclusionRanges(index: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = largestPowerOfTwoBelow(n);
    if (m < k) {
      out.push([start + k, start + n]);
      n = k;
    } else {
      out.push([start, start + k]);
      start += k;
      m -= k;
      n -= k;
    }
  }
  return out.reverse();
}

/** The subtrees [a, b) whose hashes are RFC 9162 PROOF(m, D[n]) (§2.1.4.1), in order. */
export function consistencyRanges(m: number, n: number): [number, number][] {
  const out: [number, number][] = [];
  let start = 0;
  let size = n;
  let old = m;
  let complete = true;
  while (old !== size) {
    const k = largestPowerOfTwoBelow(size);
    if (old <= k) {
      out.push([start + k, start + size]);
      size = k;
    } else {
      out.push([start, start + k]);
      start += k;
      old -= k;
      size -= k;
      complete = false;
    }
  }
  if (!complete) out.push([start, start + size]);
  return out.reverse();
}

/**
 * An entry bundle: each entry as a big-endian uint16 length and its bytes. An entry
 * longer than 65,535 bytes cannot be written: the answer names the first such entry
 * (its position in `entries`) instead.
 */
export function encodeEntryBundle(
  entries: readonly Uint8Array[],
): { readonly bundle: Buffer } | { readonly tooLong: number; readonly bytes: number } {
  let total = 0;
  for (const [i, e] of entries.entries()) {
    if (e.length > MAX_BUNDLED_ENTRY) return { tooLong: i, bytes: e.length };
    total += 2 + e.length;
  }
  const out = Buffer.alloc(total);
  let at = 0;
  for (const e of entries) {
    out.writeUInt16BE(e.length, at);
    out.set(e, at + 2);
    at += 2 + e.length;
  }
  return { bundle: out };
}

/** The entries of a bundle, or null when the bytes are not a sequence of length-prefixed entries. */
export function decodeEntryBundle(bundle: Uint8Array): Buffer[] | null {
  const buf = Buffer.from(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  const out: Buffer[] = [];
  let at = 0;
  while (at < buf.length) {
    if (at + 2 > buf.length) return null;
    const n = buf.readUInt16BE(at);
    if (at + 2 + n > buf.length) return null;
    out.push(buf.subarray(at + 2, at + 2 + n));
    at += 2 + n;
  }
  return out;
}
