// The browser's proof checks against the same independent vectors the node's log is
// tested with (golang.org/x/mod/sumdb/tlog and sumdb/note), run on Node's WebCrypto.
import { describe, expect, it } from 'vitest';
import rfc6962 from '../../test/vectors/rfc6962.json';
import signedNote from '../../test/vectors/signed-note.json';
import {
  fromHex,
  leafHash,
  rootOf,
  toBase64,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from './merkle';
import { parseCheckpoint, parseVerifierKey, verifyNoteSignature } from './note';

const roots = rfc6962.roots as Record<string, string>;
const root = (n: number): Uint8Array => fromHex(roots[String(n)] as string);

describe('RFC 9162 in the browser', () => {
  it('hashes the leaves and computes every root', async () => {
    const leaves = await Promise.all(rfc6962.leavesHex.map((h) => leafHash(fromHex(h))));
    expect(leaves.map(toHex)).toEqual(rfc6962.leafHashes);
    for (let n = 1; n <= leaves.length; n++) {
      expect(toHex(await rootOf(leaves.slice(0, n)))).toBe(roots[String(n)]);
    }
    expect(toHex(await rootOf([]))).toBe(rfc6962.emptyRoot);
  });

  it('verifies every inclusion proof, and refuses altered ones', async () => {
    for (const v of rfc6962.inclusion) {
      const proof = v.Proof.map(fromHex);
      const leaf = fromHex(v.LeafHash);
      expect(await verifyInclusion(v.Index, v.TreeSize, leaf, proof, root(v.TreeSize))).toBe(true);
      // Wrong index, an index outside the tree, a flipped bit, a dropped or an extra hash: all refused.
      if (v.TreeSize > 1) {
        const other = (v.Index + 1) % v.TreeSize;
        expect(await verifyInclusion(other, v.TreeSize, leaf, proof, root(v.TreeSize))).toBe(false);
      }
      expect(await verifyInclusion(v.Index, v.Index, leaf, proof, root(v.TreeSize))).toBe(false);
      const flipped = Uint8Array.from(leaf);
      flipped[0] = (flipped[0] as number) ^ 1;
      expect(await verifyInclusion(v.Index, v.TreeSize, flipped, proof, root(v.TreeSize))).toBe(
        false,
      );
      if (proof.length > 0) {
        expect(
          await verifyInclusion(v.Index, v.TreeSize, leaf, proof.slice(1), root(v.TreeSize)),
        ).toBe(false);
      }
      expect(
        await verifyInclusion(v.Index, v.TreeSize, leaf, [...proof, leaf], root(v.TreeSize)),
      ).toBe(false);
    }
    expect(await verifyInclusion(0, 0, root(1), [], root(1))).toBe(false);
  });

  it('verifies every consistency proof, and refuses altered ones', async () => {
    for (const v of rfc6962.consistency) {
      const proof = v.Proof.map(fromHex);
      const a = root(v.Size1);
      const b = root(v.Size2);
      expect(await verifyConsistency(v.Size1, v.Size2, a, b, proof)).toBe(true);
      if (v.Size1 !== v.Size2) {
        expect(await verifyConsistency(v.Size1, v.Size2, b, a, proof)).toBe(false);
        expect(await verifyConsistency(v.Size1, v.Size2, a, b, proof.slice(1))).toBe(false);
      }
    }
  });

  it('reads a checkpoint and checks its Ed25519 note signature', async () => {
    const key = await parseVerifierKey(signedNote.verifierKey);
    expect(key).not.toBeNull();
    if (key === null) return;
    expect(await verifyNoteSignature(signedNote.signedNote, key)).toBe('valid');
    const body = parseCheckpoint(signedNote.signedNote);
    expect(body).toEqual({ origin: 'liaison.example/JP', size: 8, root: toBase64(root(8)) });
    const forged = signedNote.signedNote.replace('\n8\n', '\n9\n');
    expect(await verifyNoteSignature(forged, key)).toBe('invalid');
  });
});
