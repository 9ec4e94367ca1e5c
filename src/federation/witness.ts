// Witnessing. By default each node asks its peers to cosign its checkpoints
// (cosigning.ts, C2SP tlog-witness `add-checkpoint`): here is the witness's side of that
// (`addCheckpoint`), which checks a partner's new checkpoint against the latest one of
// it this node cosigned and answers with a C2SP tlog-cosignature; and the operator's
// pull (`witness`): fetch a peer's checkpoint, check it against every checkpoint of that
// peer stored, and send the cosignature back as a message. A split view or a rollback
// is an alarm (`alarm`): logged once per checkpoint, kept with the partner's signed
// note, counted in the metrics. `witnessedCheckpoint` serves a partner the latest
// checkpoint of its log this node cosigned, for `liaison audit verify --peers`.
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
import type { Unit } from '../node/service.js';
import { checkpointOfSize } from '../store/log.js';
import { insertPeerCheckpoint, peerCheckpoints, saveCosignature } from '../store/witness.js';
import { alarmRaised, insertWitnessAlarm, latestPeerCheckpoint } from '../store/witnessing.js';
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

/** A signed note with only the signature lines by `name` (the log's own). */
function ownSignatures(note: string, name: string): string {
  const split = note.indexOf('\n\n');
  const lines = note
    .slice(split + 2)
    .split('\n')
    .filter((l) => l.startsWith(`\u2014 ${name} `));
  return `${note.slice(0, split + 2)}${lines.map((l) => `${l}\n`).join('')}`;
}

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

/**
 * Our cosignature (C2SP tlog-cosignature v1, Ed25519) of `peer`'s checkpoint body, with
 * the key of ours it holds (a rotation it has not yet taken does not break it).
 */
function cosign(fed: Federation, peer: Peer, checkpointText: string, at: EpochMs): string {
  const seconds = Math.floor(at / 1000);
  const key = fed.signingKeyFor(peer);
  const sig = edSign(null, cosignedMessage(seconds, checkpointText), key);
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(BigInt(seconds));
  const name = fed.node.origin;
  const id = cosignerKeyId(name, rawPublicKey(key));
  return `\u2014 ${name} ${Buffer.concat([id, ts, sig]).toString('base64')}`;
}

/** Whether `line` cosigns `note` as `name` with one of `keys`. */
export function cosignedWithAny(
  note: string,
  line: string,
  name: string,
  keys: readonly KeyObject[],
): boolean {
  return keys.some((k) => verifyCosignature(note, line, name, k));
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
      const rollback = seen.some((s) => s.size > cp.size);
      await alarm(fed, u, {
        peer: party,
        kind: rollback ? 'rollback' : 'split-view',
        checkpoint: cp,
        note,
        problems,
      });
      return;
    }
    // Read again in the unit: the partner may have had it cosigned meanwhile.
    if (!(await peerCheckpoints(u.tx, party)).some((s) => s.size === cp.size)) {
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
      line: cosign(fed, peer, noteBody(note), u.now),
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
  // A cosignature made now: with the peer's current key, or the one just before it (a
  // rotation racing the message), never an older, retired one.
  if (
    peer === undefined ||
    !cosignedWithAny(cp.note, b.line, peer.origin, fed.messageKeysOf(m.from) ?? [])
  ) {
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

export type AlarmKind = 'split-view' | 'rollback';

/**
 * An alarm at this witness: a partner's checkpoint showed a split view (another root
 * for a size, or no consistency with what was cosigned) or a rollback (smaller than
 * what was cosigned). Logged as `witness.split-view` (reason `split-view` or
 * `rollback`) and kept with the partner's signed note, once per checkpoint, however
 * often it is presented again. The metrics count the kept alarms.
 */
async function alarm(
  fed: Federation,
  u: Unit,
  a: {
    readonly peer: string;
    readonly kind: AlarmKind;
    readonly checkpoint: Checkpoint;
    readonly note: string;
    readonly problems: readonly string[];
  },
): Promise<void> {
  const { size, root } = a.checkpoint;
  if (await alarmRaised(u.tx, a.peer, size, root)) return;
  const index = record(
    u,
    'witness.split-view',
    { user: null, party: fed.party },
    { peer: a.peer, size, problems: a.problems },
    { decision: 'deny', reasons: [a.kind] },
  );
  await insertWitnessAlarm(u.tx, {
    peer: a.peer,
    size,
    root,
    kind: a.kind,
    note: a.note,
    problem: a.problems.join('; '),
    at: u.now,
    log_index: index,
  });
}

/** The answer to a partner's `add-checkpoint` (C2SP tlog-witness), by HTTP status. */
export type AddCheckpointAnswer =
  | { readonly status: 200; readonly line: string }
  /** `size`: the latest checkpoint of that log this node cosigned (0: none). */
  | { readonly status: 409; readonly size: number; readonly message: string }
  | { readonly status: 400 | 403 | 404 | 422; readonly code: string; readonly message: string };

const MAX_PROOF_LINES = 63;

/** `old <size>\n`, proof lines, a blank line, then the signed checkpoint; null if malformed. */
function parseAddCheckpoint(body: string): { old: number; proof: Buffer[]; note: string } | null {
  const blank = body.indexOf('\n\n');
  if (blank < 0) return null;
  const [first = '', ...lines] = body.slice(0, blank).split('\n');
  const m = /^old (0|[1-9][0-9]*)$/.exec(first);
  const old = Number(m?.[1]);
  if (m === null || !Number.isSafeInteger(old) || lines.length > MAX_PROOF_LINES) return null;
  const proof: Buffer[] = [];
  for (const l of lines) {
    const h = Buffer.from(l, 'base64');
    if (h.length !== 32 || h.toString('base64') !== l) return null;
    proof.push(h);
  }
  return { old, proof, note: body.slice(blank + 2) };
}

/**
 * A partner (`party`, authenticated by its signed request) asks this node to cosign
 * its latest checkpoint (C2SP tlog-witness add-checkpoint). The checkpoint must be the
 * partner's own log, signed with its pinned key; `old` must be the size of the latest
 * checkpoint of it this node cosigned, and the proof must show the new one extends
 * it. Checked and stored in one unit, so that two requests cannot roll it back.
 */
export async function addCheckpoint(
  fed: Federation,
  party: string,
  body: string,
): Promise<AddCheckpointAnswer> {
  const peer = fed.peers.get(party);
  const req = parseAddCheckpoint(body);
  if (req === null)
    return {
      status: 400,
      code: 'invalid-request',
      message: `send "old <size>", at most ${MAX_PROOF_LINES} base64 proof lines, a blank line, then the signed checkpoint`,
    };
  const origin = req.note.slice(0, req.note.indexOf('\n'));
  if (peer === undefined || origin !== peer.origin)
    return {
      status: 404,
      code: 'not-found',
      message: `this node witnesses ${party}'s own log (${peer?.origin ?? 'none'}), not '${origin}'`,
    };
  let cp: Checkpoint;
  try {
    cp = openCheckpoint(
      req.note,
      parseVerifierKey(verifierKey(peer.origin, rawPublicKey(peer.signingKey))),
    );
  } catch (e) {
    return {
      status: 403,
      code: 'bad-signature',
      message: `the checkpoint is not signed by ${party}'s pinned key: ${e instanceof NoteError ? e.message : String(e)}`,
    };
  }
  if (req.old > cp.size)
    return {
      status: 400,
      code: 'invalid-request',
      message: `old ${req.old} is larger than the checkpoint's size ${cp.size}`,
    };
  return fed.node.transact(async (u): Promise<AddCheckpointAnswer> => {
    const latest = await latestPeerCheckpoint(u.tx, party);
    const known = latest?.size ?? 0;
    const conflict = (message: string) => ({ status: 409 as const, size: known, message });
    if (latest !== undefined && cp.size < latest.size) {
      const problem = `${party} presents size ${cp.size} as its latest checkpoint, smaller than the ${latest.size} this node cosigned`;
      await alarm(fed, u, {
        peer: party,
        kind: 'rollback',
        checkpoint: cp,
        note: req.note,
        problems: [problem],
      });
      return conflict(problem);
    }
    if (latest !== undefined && cp.size === latest.size && !cp.root.equals(latest.root)) {
      const problem = `${party} shows two roots for size ${cp.size}`;
      await alarm(fed, u, {
        peer: party,
        kind: 'split-view',
        checkpoint: cp,
        note: req.note,
        problems: [problem],
      });
      return conflict(problem);
    }
    if (req.old !== known)
      return conflict(`the latest checkpoint of ${party} this node cosigned has size ${known}`);
    if (known === 0 ? req.proof.length > 0 : cp.size === known && req.proof.length > 0)
      return {
        status: 400,
        code: 'invalid-request',
        message: 'the proof must be empty when old is 0 or the checkpoint size',
      };
    if (
      latest !== undefined &&
      cp.size > known &&
      !verifyConsistency(known, cp.size, req.proof, latest.root, cp.root)
    ) {
      const problem = `${party}'s checkpoint of size ${cp.size} is not consistent with the one of size ${known} this node cosigned`;
      await alarm(fed, u, {
        peer: party,
        kind: 'split-view',
        checkpoint: cp,
        note: req.note,
        problems: [problem],
      });
      return { status: 422, code: 'inconsistent', message: problem };
    }
    if (cp.size > known) {
      await insertPeerCheckpoint(u.tx, {
        peer: party,
        size: cp.size,
        root: cp.root,
        note: ownSignatures(req.note, peer.origin),
        seen_at: u.now,
      });
    }
    return { status: 200, line: cosign(fed, peer, noteBody(req.note), u.now) };
  });
}

/**
 * The latest checkpoint of `party`'s log this node cosigned, with a cosignature by this
 * node made now (for the partner's `audit verify --peers`); null if none.
 */
export async function witnessedCheckpoint(
  fed: Federation,
  party: string,
): Promise<{ size: number; note: string; seenAt: EpochMs } | null> {
  const peer = fed.peers.get(party);
  const latest = await latestPeerCheckpoint(fed.node.store.db, party);
  if (peer === undefined || latest === undefined) return null;
  const note = ownSignatures(latest.note, peer.origin);
  return {
    size: latest.size,
    note: `${note}${cosign(fed, peer, noteBody(note), fed.node.now())}\n`,
    seenAt: latest.seen_at,
  };
}
