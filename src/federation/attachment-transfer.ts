// Attachments between nodes (docs/wire.md §5.16, docs/decisions.md #158–#161): before an
// item that names files leaves in a batch, the sender asks the receiver which chunks
// of each file it holds (a signed GET) and sends it the others, one signed PUT per
// 1 MiB chunk, sealed under a fresh key sent as a JWE to the receiver's encryption key.
// The receiver keeps each chunk as it comes (sealed at rest) under a blob named by the
// file's hash, so a transfer cut off by either side's failure resumes at the first
// missing chunk; when the last is in, it hashes the file and keeps it only if the hash
// is the one named. The item message itself then goes through the outbox as ever
// (exactly once, with receipts), and the receiver accepts it only if it holds every
// file its originator's manifest names (handlers/items.ts).
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { messageOf } from '../core/index.js';
import { decryptJwe, encryptJwe } from '../crypto/jose.js';
import { CHUNK_SIZE, getOpened, MAX_ATTACHMENT, putSealed } from '../node/attachments.js';
import { RequestInvalid } from '../node/errors.js';
import type { AttachmentRef } from '../node/manifest.js';
import {
  blobBySha,
  chunkSeqs,
  completeBlob,
  deliveredBy,
  dropBlob,
  ensureBlob,
  recordDelivery,
} from '../store/attachments.js';
import type { PendingRow } from '../store/outbox.js';
import { FederationError } from './errors.js';
import type { Federation } from './federation.js';
import { signRequest } from './httpsig.js';
import type { Peer } from './peers.js';
import { peerGet } from './requests.js';

/** What a receiver holds of a file: complete, or the chunk numbers it has so far. */
export interface Held {
  readonly complete: boolean;
  readonly chunks: readonly number[];
}

const SHA = /^[0-9a-f]{64}$/;
/** The header carrying a chunk's key, a JWE to the receiver (docs/wire.md §5.16). */
export const CHUNK_KEY = 'liaison-chunk-key';
const chunkCount = (size: number) => Math.ceil(size / CHUNK_SIZE);
/**
 * The blob a receiver writes a peer's chunks of a file to: one per peer and hash, so that
 * a resumed transfer finds it and no peer's chunks mix with another's (decision #164).
 */
const incoming = (party: string, sha256: string) => `in-${party}-${sha256}`;

// ------------------------------------------------------------------ sender

/**
 * Sends a peer every file the batch's items name that it does not hold yet. Throws a
 * FederationError (the lane backs off and tries again later, resuming) if it cannot.
 */
export async function sendAttachments(
  fed: Federation,
  peer: Peer,
  rows: readonly PendingRow[],
  filesOf: (row: PendingRow) => readonly AttachmentRef[],
): Promise<void> {
  for (const row of rows) for (const f of filesOf(row)) await sendFile(fed, peer, f);
}

async function sendFile(fed: Federation, peer: Peer, f: AttachmentRef): Promise<void> {
  const db = fed.node.store.db;
  const held = heldOf(await peerGet(fed, peer, `/v1/federation/attachments/${f.sha256}`));
  if (held.complete) return;
  const blob = await blobBySha(db, f.sha256);
  if (blob === undefined)
    throw new FederationError(
      'peer-unreachable',
      `the file ${f.sha256} ('${f.name}') is not held here to send to ${peer.party}`,
    );
  const have = new Set(held.chunks);
  const missing: number[] = [];
  for (let seq = 0; seq < blob.chunks; seq++) if (!have.has(seq)) missing.push(seq);
  // IN_FLIGHT chunks at once (the receiver takes them in any order).
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < missing.length; i = next++) {
      await sendChunk(fed, peer, f, blob, missing[i] ?? 0);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/**
 * Chunks of one file in flight to a peer at once. Three gained about a quarter in
 * throughput on a loaded machine but took the sender's peak resident memory from
 * 233 to 293 MB (BENCHMARKS.md, decision #159): one, within the 300 MB bound.
 */
const IN_FLIGHT = 1;

async function sendChunk(
  fed: Federation,
  peer: Peer,
  f: AttachmentRef,
  blob: { readonly id: string; readonly size: number },
  seq: number,
): Promise<void> {
  const db = fed.node.store.db;
  const plain = await getOpened(db, blob.id, seq);
  if (plain === undefined)
    throw new FederationError('peer-unreachable', `chunk ${seq} of ${f.sha256} is missing here`);
  const { body, key } = sealChunk({ sha256: f.sha256, size: blob.size }, seq, plain, {
    party: peer.party,
    encryption: peer.encryptionKey,
  });
  await putChunk(fed, peer, chunkPath({ sha256: f.sha256, size: blob.size }, seq), body, key);
}

/** Where chunk `seq` of a file is PUT at its receiver (docs/wire.md §5.16). */
export const chunkPath = (file: { sha256: string; size: number }, seq: number) =>
  `/v1/federation/attachments/${file.sha256}/chunks/${seq}?size=${file.size}`;

/**
 * A chunk as it travels (docs/wire.md §5.16): `IV ‖ ciphertext ‖ tag` under a fresh key,
 * and that key as a JWE to the receiver. Binary, not a JWE of the bytes: no 1.4 MB base64
 * string per chunk on either side's heap.
 */
export function sealChunk(
  file: { sha256: string; size: number },
  seq: number,
  plain: Uint8Array,
  to: { party: string; encryption: KeyObject },
): { body: Buffer; key: string } {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(chunkAad(file.sha256, seq, file.size), 'ascii'));
  const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  return {
    body,
    key: encryptJwe(key, to.encryption, { kid: to.party, cty: 'liaison-chunk-key' }),
  };
}

function heldOf(text: string): Held {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    j = null;
  }
  if (
    typeof j !== 'object' ||
    j === null ||
    !('complete' in j) ||
    !('chunks' in j) ||
    typeof j.complete !== 'boolean' ||
    !Array.isArray(j.chunks) ||
    !j.chunks.every((n) => Number.isInteger(n))
  )
    throw new FederationError(
      'malformed-message',
      'the peer answered which chunks it holds malformed',
    );
  return { complete: j.complete, chunks: j.chunks };
}

/** What a chunk's encryption is bound to: the file, the chunk's number and the file's size. */
const chunkAad = (sha256: string, seq: number, size: number) =>
  `liaison-chunk/${sha256}/${seq}/${size}`;

/** One chunk, a signed PUT of its bytes sealed under `key` (a JWE to the peer). */
async function putChunk(
  fed: Federation,
  peer: Peer,
  path: string,
  body: Buffer,
  key: string,
): Promise<void> {
  const url = new URL(`${peer.url}${path}`);
  const headers = signRequest(
    { method: 'PUT', authority: url.host, path: url.pathname + url.search, body },
    fed.signingKeyFor(peer),
    fed.party,
    fed.node.now(),
  );
  let res: Response;
  try {
    res = await fed.fetch(url, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream', [CHUNK_KEY]: key },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    await res.text();
  } catch (e) {
    throw new FederationError('peer-unreachable', `${peer.party}: ${messageOf(e)}`);
  }
  if (!res.ok)
    throw new FederationError(
      'peer-unreachable',
      `${peer.party} answered ${res.status} to ${path}`,
    );
}

// ------------------------------------------------------------------ receiver

/**
 * Which chunks of a file `party` has sent here (for it, about to send the file). It is
 * told the file is here only if it delivered it: whether this node holds a file from
 * anyone else is not a peer's to learn (decision #164).
 */
export async function heldChunks(fed: Federation, party: string, sha256: string): Promise<Held> {
  if (!SHA.test(sha256))
    throw new RequestInvalid('invalid-request', 'not a SHA-256 (64 hex digits)');
  const db = fed.node.store.db;
  if ((await deliveredBy(db, party, sha256)) !== undefined) return { complete: true, chunks: [] };
  return { complete: false, chunks: await chunkSeqs(db, incoming(party, sha256)) };
}

/**
 * A chunk `party` sent: opened with this node's key, kept sealed at rest, and once the
 * file's chunks are all in, the file hashed and kept only under the hash it was sent as.
 */
export async function receiveChunk(
  fed: Federation,
  party: string,
  sha256: string,
  seq: number,
  size: number,
  body: Buffer,
  sealedKey: string,
): Promise<Held> {
  if (!SHA.test(sha256))
    throw new RequestInvalid('invalid-request', 'not a SHA-256 (64 hex digits)');
  if (!Number.isSafeInteger(size) || size < 1 || size > MAX_ATTACHMENT)
    throw new RequestInvalid('invalid-request', `size: at most ${MAX_ATTACHMENT} bytes`);
  const n = chunkCount(size);
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= n)
    throw new RequestInvalid('invalid-request', `chunk ${seq} of a file of ${n} chunks`);
  let plain: Buffer | null = null;
  for (const k of fed.decryptionKeys()) {
    try {
      const key = decryptJwe(sealedKey, k).plaintext;
      if (key.length !== 32 || body.length < 28) break;
      const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
      d.setAAD(Buffer.from(chunkAad(sha256, seq, size), 'ascii'));
      d.setAuthTag(body.subarray(body.length - 16));
      plain = Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
      break;
    } catch {
      // the next key (one before a rotation)
    }
  }
  if (plain === null)
    throw new FederationError('malformed-message', "the chunk does not open with this node's keys");
  const expected = seq < n - 1 ? CHUNK_SIZE : size - (n - 1) * CHUNK_SIZE;
  if (plain.length !== expected)
    throw new RequestInvalid(
      'invalid-request',
      `chunk ${seq} holds ${plain.length} bytes, not ${expected}`,
    );
  const db = fed.node.store.db;
  const done = async () => (await deliveredBy(db, party, sha256)) !== undefined;
  if (await done()) return { complete: true, chunks: [] };
  const id = incoming(party, sha256);
  await ensureBlob(db, id, fed.node.now());
  await putSealed(db, id, seq, plain);
  const seqs = await chunkSeqs(db, id);
  if (seqs.length < n) return { complete: false, chunks: seqs };
  // Chunks may arrive a few at a time: the last two may both find the file whole.
  if (await done()) return { complete: true, chunks: [] };
  const hash = createHash('sha256');
  for (let i = 0; i < n; i++) {
    const c = await getOpened(db, id, i);
    if (c === undefined) return { complete: false, chunks: seqs };
    hash.update(c);
  }
  if (hash.digest('hex') !== sha256) {
    // Another file than named: none of it is kept; the sender starts again.
    await dropBlob(db, id);
    throw new FederationError('content-mismatch', `the chunks sent do not hash to ${sha256}`);
  }
  // Kept under its hash (or dropped for the copy already here), and this peer's delivery noted.
  await completeBlob(db, id, sha256, size, n);
  await recordDelivery(db, party, sha256, fed.node.now());
  return { complete: true, chunks: [] };
}

/**
 * The first file named that `sender` has not delivered here whole, or null (all are
 * here). A file this node holds from anyone else does not count: otherwise an item naming
 * a hash would tell its sender whether the file is here (decision #164).
 */
export async function missingFile(
  q: Parameters<typeof blobBySha>[0],
  sender: string,
  files: readonly AttachmentRef[],
): Promise<AttachmentRef | null> {
  for (const f of files) {
    const b = await deliveredBy(q, sender, f.sha256);
    if (b === undefined || b.size !== f.size) return f;
  }
  return null;
}
