// Witnessing: a node fetches a peer's checkpoint, checks it against every checkpoint of
// that peer it stored (consistency proofs), logs a split view if not, and otherwise
// sends back a C2SP tlog-cosignature, which the peer stores and serves with its
// checkpoints.
import { createHash, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import type { EpochMs } from '../core/index.js';
import { verifyConsistency } from '../log/merkle.js';
import {
  type Checkpoint,
  NoteError,
  openCheckpoint,
  parseVerifierKey,
  rawPublicKey,
  verifierKey,
} from '../log/note.js';
import { RequestInvalid } from '../node/errors.js';
import { record } from '../node/events.js';
import { checkpointOfSize } from '../store/log.js';
import { insertPeerCheckpoint, peerCheckpoints, saveCosignature } from '../store/witness.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { type Arrival, accepted, type Outcome } from './handlers/arrival.js';
import type { Peer } from './peers.js';
import { peerGet } from './requests.js';

export interface WitnessReport {
  readonly peer: string;
  readonly size: number;
  readonly root: string;
  readonly checkedAgainst: readonly number[];
  readonly problems: readonly string[];
  readonly ok: boolean;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** The body of a signed note: what comes before its signature lines. */
const noteBody = (note: string) => note.slice(0, note.indexOf('\n\n') + 1);

/** C2SP tlog-cosignature key id: SHA-256(name || "\n" || 0x04 || key)[:4]. */
function cosignerKeyId(name: string, publicKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.from([0x04]))
    .update(publicKey)
    .digest()
    .subarray(0, 4);
}

const cosignedMessage = (seconds: bigint | number, body: string) =>
  Buffer.from(`cosignature/v1\ntime ${seconds}\n${body}`, 'utf8');

/** Our cosignature (C2SP tlog-cosignature v1, Ed25519) of a peer's checkpoint body. */
function cosign(fed: Federation, checkpointText: string, at: EpochMs): string {
  const seconds = Math.floor(at / 1000);
  const sig = edSign(null, cosignedMessage(seconds, checkpointText), fed.options.signingKey);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(seconds));
  const name = fed.node.origin;
  const id = cosignerKeyId(name, rawPublicKey(fed.options.signingKey));
  return `\u2014 ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}`;
}

/** Verifies a cosignature line over a signed checkpoint note. */
export function verifyCosignature(
  note: string,
  line: string,
  name: string,
  key: KeyObject,
): boolean {
  const m = /^\u2014 (\S+) (\S+)$/.exec(line);
  if (m?.[1] !== name || m[2] === undefined) return false;
  const blob = Buffer.from(m[2], 'base64');
  if (blob.length !== 4 + 8 + 64) return false;
  if (!blob.subarray(0, 4).equals(cosignerKeyId(name, rawPublicKey(key)))) return false;
  const message = cosignedMessage(blob.readBigUInt64BE(4), noteBody(note));
  try {
    return edVerify(null, message, key, blob.subarray(12));
  } catch {
    return false;
  }
}

/** A peer's consistency proof between two sizes of its log. */
async function consistencyProof(
  fed: Federation,
  peer: Peer,
  from: number,
  to: number,
): Promise<Buffer[]> {
  const answer: unknown = JSON.parse(
    await peerGet(fed, peer, `/v1/federation/proof/consistency?from=${from}&to=${to}`),
  );
  const proof =
    typeof answer === 'object' && answer !== null && 'proof' in answer ? answer.proof : null;
  if (!Array.isArray(proof) || !proof.every((p) => typeof p === 'string'))
    throw new FederationError(
      'peer-unreachable',
      `${peer.party} answered without a consistency proof from ${from} to ${to}`,
    );
  return proof.map((p) => Buffer.from(p, 'base64'));
}

/**
 * Witnesses a peer's log: fetches its latest checkpoint, checks it is signed by the
 * peer and consistent with every checkpoint of it this node has seen, stores it and
 * sends back our cosignature. A failed consistency is a split view, logged.
 */
export async function witness(fed: Federation, party: string): Promise<WitnessReport> {
  const peer = fed.peers.get(party);
  if (peer === undefined) throw new FederationError('no-peer', `no peer ${party}`);
  const verifier = parseVerifierKey(verifierKey(peer.origin, rawPublicKey(peer.signingKey)));
  const note = await peerGet(fed, peer, '/v1/federation/checkpoint');
  let cp: Checkpoint;
  try {
    cp = openCheckpoint(note, verifier);
  } catch (e) {
    throw new FederationError(
      'bad-signature',
      `the checkpoint of ${party} does not verify: ${e instanceof NoteError ? e.message : String(e)}`,
    );
  }
  const seen = await peerCheckpoints(fed.node.store.db, party);
  const problems: string[] = [];
  for (const old of seen) {
    if (old.size > cp.size) {
      problems.push(
        `${party} now shows size ${cp.size}, smaller than the ${old.size} it showed before`,
      );
      continue;
    }
    if (old.size === cp.size) {
      if (Buffer.compare(Buffer.from(old.root), cp.root) !== 0)
        problems.push(`${party} shows two roots for size ${cp.size}`);
      continue;
    }
    if (old.size === 0) continue;
    const proof = await consistencyProof(fed, peer, old.size, cp.size);
    if (!verifyConsistency(old.size, cp.size, proof, Buffer.from(old.root), cp.root)) {
      problems.push(
        `${party}'s checkpoint of size ${cp.size} is not consistent with the one of size ${old.size} seen before`,
      );
    }
  }
  await fed.node.transact(async (u) => {
    if (problems.length > 0) {
      record(
        u,
        'witness.split-view',
        { user: null, party: fed.party },
        { peer: party, size: cp.size, problems },
        { decision: 'deny', reasons: ['split-view'] },
      );
      return;
    }
    if (!seen.some((s) => s.size === cp.size)) {
      await insertPeerCheckpoint(u.tx, {
        peer: party,
        size: cp.size,
        root: cp.root,
        note,
        seen_at: u.now,
      });
    }
    record(
      u,
      'witness.checkpoint',
      { user: null, party: fed.party },
      { peer: party, size: cp.size, root: b64(cp.root) },
    );
    await fed.enqueue(u, party, 'checkpoint.cosignature', {
      size: cp.size,
      line: cosign(fed, noteBody(note), u.now),
    });
  });
  return {
    peer: party,
    size: cp.size,
    root: b64(cp.root),
    checkedAgainst: seen.map((s) => s.size),
    problems,
    ok: problems.length === 0,
  };
}

/** A peer's cosignature of one of our checkpoints: verified, then stored to serve with it. */
export async function receiveCosignature({
  fed,
  u,
  m,
}: Arrival<'checkpoint.cosignature'>): Promise<Outcome> {
  const b = m.body;
  const cp = await checkpointOfSize(u.tx, b.size);
  if (cp === undefined)
    throw new RequestInvalid('invalid-request', `no checkpoint of size ${b.size}`);
  const peer = fed.peers.get(m.from);
  if (peer === undefined || !verifyCosignature(cp.note, b.line, peer.origin, peer.signingKey)) {
    throw new FederationError('bad-signature', 'the cosignature does not verify');
  }
  await saveCosignature(u.tx, { size: b.size, witness: m.from, line: b.line, at: u.now });
  const i = record(
    u,
    'message.received',
    { user: null, party: m.from },
    { envelope: m.id, type: m.type, size: b.size },
  );
  return accepted(i, `cosignature of size ${b.size} stored`);
}
