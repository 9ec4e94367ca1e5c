// A log proof checked in the browser: the inclusion proof leads from the entry's
// leaf hash to the root; the root is the one on the signed checkpoint's third line;
// the checkpoint is signed by the node's key (when the browser verifies Ed25519).
import {
  equalBytes,
  fromBase64,
  fromHex,
  type Hash,
  leafHash,
  toBase64,
  verifyInclusion,
} from './merkle';
import {
  parseCheckpoint,
  type SignatureCheck,
  type VerifierKey,
  verifyNoteSignature,
} from './note';
import type { InclusionProof } from './types';

export interface ProofOutcome {
  /** Every check that could be made passed. */
  readonly verified: boolean;
  readonly index: number;
  readonly treeSize: number;
  /** The entry's bytes hash to the leaf hash the proof starts from (null: bytes not known). */
  readonly leafMatches: boolean | null;
  readonly inclusion: boolean;
  /** The proof's root is the checkpoint's root line, and the sizes agree. */
  readonly rootMatchesCheckpoint: boolean;
  readonly signature: SignatureCheck | 'no-key';
  readonly origin: string | null;
  /** What failed first, for people. */
  readonly problem:
    | null
    | 'leaf'
    | 'inclusion'
    | 'checkpoint-root'
    | 'checkpoint-size'
    | 'checkpoint-malformed'
    | 'signature';
}

function decode(b64: string): Hash | null {
  try {
    return fromBase64(b64);
  } catch {
    return null;
  }
}

export async function checkProof(
  p: InclusionProof,
  opts: {
    readonly verifier: VerifierKey | null;
    readonly entryData?: string;
    readonly leafHex?: string;
  },
): Promise<ProofOutcome> {
  const treeSize = 'treeSize' in p ? p.treeSize : p.size;
  const leaf = decode(p.leafHash);
  const root = decode(p.root);
  const proof = p.proof.map(decode);
  let leafMatches: boolean | null = null;
  if (leaf !== null && opts.entryData !== undefined) {
    const computed = await leafHash(new TextEncoder().encode(opts.entryData));
    leafMatches = equalBytes(computed, leaf);
    if (opts.leafHex !== undefined) leafMatches &&= equalBytes(fromHex(opts.leafHex), computed);
  }
  const inclusion =
    leaf !== null &&
    root !== null &&
    proof.every((h) => h !== null) &&
    (await verifyInclusion(p.index, treeSize, leaf, proof as Hash[], root));
  const cp = parseCheckpoint(p.checkpoint);
  const rootMatches = cp !== null && root !== null && cp.root === toBase64(root);
  const sizeMatches = cp !== null && cp.size === treeSize;
  const signature =
    opts.verifier === null ? 'no-key' : await verifyNoteSignature(p.checkpoint, opts.verifier);
  const problem: ProofOutcome['problem'] =
    leafMatches === false
      ? 'leaf'
      : !inclusion
        ? 'inclusion'
        : cp === null
          ? 'checkpoint-malformed'
          : !rootMatches
            ? 'checkpoint-root'
            : !sizeMatches
              ? 'checkpoint-size'
              : signature === 'invalid' || signature === 'absent'
                ? 'signature'
                : null;
  return {
    verified: problem === null,
    index: p.index,
    treeSize,
    leafMatches,
    inclusion,
    rootMatchesCheckpoint: rootMatches && sizeMatches,
    signature,
    origin: cp?.origin ?? null,
    problem,
  };
}
