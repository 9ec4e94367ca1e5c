// RFC 9162 Merkle tree verification in the browser (WebCrypto SHA-256), so that an
// officer or auditor does not have to trust the node's word that an entry is logged:
//   leaf hash = SHA-256(0x00 || entry bytes); node hash = SHA-256(0x01 || left || right).
// verifyInclusion is RFC 9162 §2.1.3.2, verifyConsistency §2.1.4.2, rootOf §2.1.1.

export type Hash = Uint8Array;

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (s === undefined) throw new Error('WebCrypto is not available (a secure context is needed)');
  return s;
}

export async function sha256(bytes: Uint8Array): Promise<Hash> {
  return new Uint8Array(await subtle().digest('SHA-256', bytes as BufferSource));
}

function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

/** SHA-256(0x00 || data): the hash of one log entry's bytes. */
export const leafHash = (data: Uint8Array): Promise<Hash> => sha256(concat(LEAF, data));

/** SHA-256(0x01 || left || right). */
export const nodeHash = (left: Hash, right: Hash): Promise<Hash> =>
  sha256(concat(NODE, left, right));

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

export function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function fromHex(text: string): Uint8Array {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new Error('not hex');
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const toHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

// Sizes and indices are below 2^53: shifts are done as divisions, never with `>>`
// (which would wrap at 2^31).
const lsb = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

/**
 * RFC 9162 §2.1.3.2: does `proof` lead from the leaf hash at `index` in a tree of
 * `size` to `root`?
 */
export async function verifyInclusion(
  index: number,
  size: number,
  leaf: Hash,
  proof: readonly Hash[],
  root: Hash,
): Promise<boolean> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size)) return false;
  if (index < 0 || index >= size) return false;
  let r = leaf;
  const walked = await walkPath(
    index,
    size - 1,
    proof,
    async (p) => {
      r = await nodeHash(p, r);
    },
    async (p) => {
      r = await nodeHash(r, p);
    },
  );
  return walked && equalBytes(r, root);
}

/**
 * The walk up the tree shared by RFC 9162's inclusion (§2.1.3.2) and consistency
 * (§2.1.4.2) checks: from node `fn` of last node `sn`, each hash of `path` is a
 * sibling on the left (`left`) or on the right (`right`). False when the path is too
 * long, or too short to reach the root.
 */
async function walkPath(
  fn: number,
  sn: number,
  path: readonly Hash[],
  left: (sibling: Hash) => Promise<void>,
  right: (sibling: Hash) => Promise<void>,
): Promise<boolean> {
  for (const c of path) {
    if (sn === 0) return false;
    if (lsb(fn) || fn === sn) {
      await left(c);
      if (!lsb(fn)) {
        do {
          fn = half(fn);
          sn = half(sn);
        } while (!lsb(fn) && fn !== 0);
      }
    } else {
      await right(c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0;
}

const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n;

/**
 * RFC 9162 §2.1.4.2: is the tree of `second` leaves with root `secondRoot` an
 * append-only extension of the tree of `first` leaves with root `firstRoot`?
 */
export async function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: readonly Hash[],
): Promise<boolean> {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second)) return false;
  if (first < 1 || first > second) return false;
  if (first === second) return proof.length === 0 && equalBytes(firstRoot, secondRoot);
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  if (path.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (lsb(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  const walked = await walkPath(
    fn,
    sn,
    path.slice(1),
    async (c) => {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
    },
    async (c) => {
      sr = await nodeHash(sr, c);
    },
  );
  return walked && equalBytes(fr, firstRoot) && equalBytes(sr, secondRoot);
}

/** RFC 9162 §2.1.1: the root of a tree over these leaf hashes (SHA-256 of nothing when empty). */
export async function rootOf(leaves: readonly Hash[]): Promise<Hash> {
  if (leaves.length === 0) return sha256(new Uint8Array(0));
  // Complete subtrees on a stack, largest first; equal heights merge as leaves arrive,
  // and what is left merges from the right, which is exactly the RFC's split at the
  // largest power of two below n.
  const stack: { hash: Hash; height: number }[] = [];
  for (const leaf of leaves) {
    let cur = { hash: leaf, height: 0 };
    let top = stack[stack.length - 1];
    while (top !== undefined && top.height === cur.height) {
      stack.pop();
      cur = { hash: await nodeHash(top.hash, cur.hash), height: cur.height + 1 };
      top = stack[stack.length - 1];
    }
    stack.push(cur);
  }
  let right = stack.pop() as { hash: Hash; height: number };
  for (let left = stack.pop(); left !== undefined; left = stack.pop()) {
    right = { hash: await nodeHash(left.hash, right.hash), height: left.height + 1 };
  }
  return right.hash;
}
