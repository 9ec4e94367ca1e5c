// Randomized and exhaustive checks of the Merkle tree: every proof verifies, and a
// proof with one flipped byte does not; roots agree with the RFC's recursive MTH.
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  leafHash,
  MerkleTree,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/log/merkle.js';

const MAX = 4096;
let tree: MerkleTree;
let leaves: Buffer[];
const roots: Uint8Array[] = [];

beforeAll(() => {
  tree = new MerkleTree();
  leaves = [];
  for (let i = 0; i < MAX; i++) {
    const l = leafHash(createHash('sha256').update(String(i)).digest());
    leaves.push(l);
    tree.append(l);
    roots[i + 1] = Buffer.from(tree.root(i + 1));
  }
});

/** The RFC 9162 definition of MTH, recursively, from the leaf hashes. */
function mth(from: number, to: number): Uint8Array {
  const n = to - from;
  if (n === 1) return leaves[from] as Buffer;
  let k = 1;
  while (k * 2 < n) k *= 2;
  return nodeHash(mth(from, from + k), mth(from + k, to));
}

function flip(proof: Uint8Array[], pick: number, byte: number): Uint8Array[] {
  const copy = proof.map((p) => Buffer.from(p));
  const victim = copy[pick % copy.length] as Buffer;
  victim[byte % 32] = (victim[byte % 32] as number) ^ 0x01;
  return copy;
}

describe('Merkle tree, exhaustively and at random up to 4,096 leaves', () => {
  it('the root of every prefix equals the recursive MTH of the RFC', () => {
    for (const n of [1, 2, 3, 5, 7, 8, 9, 100, 255, 256, 257, 1000, 2047, 2048, 2049, 4095, 4096]) {
      expect(Buffer.from(tree.root(n)).equals(Buffer.from(mth(0, n)))).toBe(true);
    }
  });

  it('every inclusion proof in every tree of 1 to 512 leaves verifies; with a flipped byte it fails', () => {
    let checked = 0;
    for (let n = 1; n <= 512; n++) {
      const root = roots[n] as Uint8Array;
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        expect(verifyInclusion(leaves[m] as Buffer, m, n, proof, root)).toBe(true);
        if (proof.length > 0) {
          expect(verifyInclusion(leaves[m] as Buffer, m, n, flip(proof, m, n), root)).toBe(false);
        }
        checked++;
      }
    }
    expect(checked).toBe((512 * 513) / 2);
  });

  it('random inclusion proofs up to 4,096 leaves verify; a flipped byte in the proof, leaf or root fails', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: MAX })
          .chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1), fc.nat(), fc.nat(31))),
        ([n, m, pick, byte]) => {
          const proof = tree.inclusionProof(m, n);
          const root = roots[n] as Uint8Array;
          expect(verifyInclusion(leaves[m] as Buffer, m, n, proof, root)).toBe(true);
          if (proof.length > 0)
            expect(verifyInclusion(leaves[m] as Buffer, m, n, flip(proof, pick, byte), root)).toBe(
              false,
            );
          const badLeaf = Buffer.from(leaves[m] as Buffer);
          badLeaf[byte] = (badLeaf[byte] as number) ^ 0x80;
          expect(verifyInclusion(badLeaf, m, n, proof, root)).toBe(false);
          const badRoot = Buffer.from(root);
          badRoot[byte] = (badRoot[byte] as number) ^ 0x80;
          expect(verifyInclusion(leaves[m] as Buffer, m, n, proof, badRoot)).toBe(false);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('every consistency proof between trees of 1 to 160 leaves verifies; with a flipped byte it fails', () => {
    for (let n = 1; n <= 160; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        expect(verifyConsistency(m, n, proof, roots[m] as Uint8Array, roots[n] as Uint8Array)).toBe(
          true,
        );
        if (proof.length > 0) {
          expect(
            verifyConsistency(
              m,
              n,
              flip(proof, m, n),
              roots[m] as Uint8Array,
              roots[n] as Uint8Array,
            ),
          ).toBe(false);
        }
      }
    }
  });

  it('random consistency proofs up to 4,096 leaves verify, and fail against the wrong old root', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 2, max: MAX })
          .chain((n) =>
            fc.tuple(fc.integer({ min: 1, max: n - 1 }), fc.constant(n), fc.nat(), fc.nat(31)),
          ),
        ([m, n, pick, byte]) => {
          const proof = tree.consistencyProof(m, n);
          expect(
            verifyConsistency(m, n, proof, roots[m] as Uint8Array, roots[n] as Uint8Array),
          ).toBe(true);
          expect(
            verifyConsistency(
              m,
              n,
              flip(proof, pick, byte),
              roots[m] as Uint8Array,
              roots[n] as Uint8Array,
            ),
          ).toBe(false);
          if (m > 1)
            expect(
              verifyConsistency(m, n, proof, roots[m - 1] as Uint8Array, roots[n] as Uint8Array),
            ).toBe(false);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
