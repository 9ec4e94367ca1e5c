// Attachments at a node (docs/decisions.md #147-#154): a file is uploaded as a stream,
// hashed while its 1 MiB chunks are written, and found afterwards by the SHA-256 of the
// whole file; an item names the files its creator uploaded (items.ts), and the
// manifest's content hash covers them. A download is a read of the item (RULES A1-A3,
// logged `item.read` with view `attachment`) and streams the chunks back, checking the
// hash on the way. Nothing here holds a whole file in memory. Chunks are sealed at
// rest (src/node/at-rest.ts), each under its blob's data key and bound to its place.
import { createHash, randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  beginBlob,
  blobBySha,
  completeBlob,
  dropBlob,
  expireOrphans,
  getChunk,
  insertUpload,
  itemAttachments,
  putChunk,
} from '../store/attachments.js';
import { openForItem, sealForItem } from './at-rest.js';
import { NotFound, PolicyDenied, RequestInvalid } from './errors.js';
import { decideRead } from './items.js';
import type { AttachmentRef } from './manifest.js';
import type { Actor } from './roles.js';
import type { LiaisonNode } from './service.js';
import { notFound } from './visibility.js';

/** Bytes per stored chunk (and per chunk sent between nodes). */
export const CHUNK_SIZE = 1024 * 1024;
/** The largest file a node accepts: 1 GiB. */
export const MAX_ATTACHMENT = 1024 * 1024 * 1024;
/** An upload no item has named expires after a day; its bytes go with it (#151). */
export const UPLOAD_TTL_MS = 24 * 3_600_000;

export interface Uploaded {
  readonly sha256: string;
  readonly size: number;
}

/**
 * Stores a file from a stream of bytes, a chunk at a time, and grants its uploader the
 * right to name it in an item. A file over `limit` is refused as soon as it is known
 * to be (by its declared length, else while it arrives) and nothing of it is kept.
 */
export async function uploadAttachment(
  node: LiaisonNode,
  actor: Actor,
  body: AsyncIterable<Uint8Array>,
  declaredLength: number | null,
  limit = MAX_ATTACHMENT,
): Promise<Uploaded> {
  const tooLarge = () =>
    new RequestInvalid(
      'body-too-large',
      `the file is larger than ${limit} bytes (${limit / 1024 / 1024} MiB), the most a node accepts`,
    );
  if (declaredLength !== null && declaredLength > limit) throw tooLarge();
  const db = node.store.db;
  const now = node.now();
  await expireOrphans(db, now - UPLOAD_TTL_MS, now - UPLOAD_TTL_MS);
  const id = randomUUID();
  await beginBlob(db, id, now);
  const hash = createHash('sha256');
  // One buffer for every chunk: each insert has taken its bytes once it resolves.
  const buf = Buffer.allocUnsafe(CHUNK_SIZE);
  let fill = 0;
  let seq = 0;
  let size = 0;
  try {
    for await (const part of body) {
      size += part.length;
      if (size > limit) throw tooLarge();
      hash.update(part);
      let off = 0;
      while (off < part.length) {
        const n = Math.min(CHUNK_SIZE - fill, part.length - off);
        buf.set(part.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === CHUNK_SIZE) {
          await putSealed(db, id, seq++, buf);
          fill = 0;
        }
      }
    }
    if (fill > 0) await putSealed(db, id, seq++, buf.subarray(0, fill));
  } catch (e) {
    await dropBlob(db, id).catch(() => {});
    throw e;
  }
  const sha256 = hash.digest('hex');
  await completeBlob(db, id, sha256, size, seq);
  await insertUpload(db, {
    id: randomUUID(),
    user_id: actor.user,
    sha256,
    size,
    created_at: now,
  });
  return { sha256, size };
}

/** The data key of a blob's chunks: its own, as no item owns a shared blob (#154). */
const keyOwner = (blob: string) => `blob:${blob}`;
/** Where a chunk's bytes belong: a sealed chunk opens nowhere else. */
const chunkAad = (blob: string, seq: number) => `attachment/${blob}/chunk/${seq}`;

/**
 * Garbage collection paced by chunks (decisions #162, #163). Each chunk leaves a few MiB
 * of dead buffers (read, opened, sealed) outside V8's heap, which V8 collects lazily:
 * streaming a 256 MiB file took a node 80–90 MB above its idle size, and glibc kept
 * that memory once freed. A minor collection after every chunk frees the young
 * buffers at once (about a millisecond), and a full one after every 16 chunks frees
 * those that lived longer (a reply waiting on a slow socket). Measured on a 256 MiB
 * upload and download on Node 24: +37 MB at most, against +89 MB with a full collection
 * every 16 chunks alone, and no slower. `gc` is reachable through a fresh context once
 * --expose-gc is set; where it is not, nothing is done.
 */
const collector: ((type: 'minor' | 'major') => void) | null = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function'
      ? (type: 'minor' | 'major') => Reflect.apply(gc, undefined, [{ type }])
      : null;
  } catch {
    return null;
  }
})();
let chunksSinceCollected = 0;
function relieve(): void {
  if (collector === null) return;
  if (++chunksSinceCollected < 16) {
    collector('minor');
    return;
  }
  chunksSinceCollected = 0;
  collector('major');
}

/** Stores a chunk sealed at rest under its blob's data key (AES-256-GCM). */
export async function putSealed(
  db: LiaisonNode['store']['db'],
  blob: string,
  seq: number,
  plain: Uint8Array,
): Promise<void> {
  await putChunk(db, blob, seq, await sealForItem(db, keyOwner(blob), plain, chunkAad(blob, seq)));
  relieve();
}

/** A chunk's bytes opened, or undefined if the blob does not hold it. */
export async function getOpened(
  db: LiaisonNode['store']['db'],
  blob: string,
  seq: number,
): Promise<Buffer | undefined> {
  const c = await getChunk(db, blob, seq);
  relieve();
  return c === undefined ? undefined : openForItem(db, keyOwner(blob), c, chunkAad(blob, seq));
}

export interface Download extends AttachmentRef {
  /** The file's bytes, a chunk at a time; fails if they no longer hash to `sha256`. */
  readonly bytes: AsyncIterable<Uint8Array>;
}

/**
 * A file of an item, for someone who may read the item (RULES A1-A3, decided and logged
 * as `item.read` with view `attachment` and the file's hash). Whoever may not read the
 * item gets the answer an unknown item gets; a hash the item does not name is not found.
 */
export async function openAttachment(
  node: LiaisonNode,
  actor: Actor,
  itemId: string,
  sha256: string,
): Promise<Download> {
  const file = await node.transact(async (u) => {
    const f = (await itemAttachments(u.tx, itemId)).find((a) => a.sha256 === sha256);
    try {
      decideRead(u, actor, node.party, itemId, {
        view: 'attachment',
        attachment: sha256,
        ...(f === undefined ? { logAllowed: false } : {}),
      });
    } catch (e) {
      // Logged with its reasons; answered as an unknown item is, whatever they were.
      if (e instanceof PolicyDenied) throw notFound('item', itemId);
      throw e;
    }
    if (f === undefined) throw notFound('attachment', `${itemId}/${sha256}`);
    return f;
  });
  const db = node.store.db;
  const blob = await blobBySha(db, sha256);
  if (blob === undefined)
    throw new NotFound(
      'not-found',
      `the file '${file.name}' of item ${itemId} has not arrived here yet`,
    );
  const { id: blobId, chunks } = blob;
  async function* bytes(): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    for (let seq = 0; seq < chunks; seq++) {
      const c = await getOpened(db, blobId, seq);
      if (c === undefined) throw new Error(`attachment ${sha256}: chunk ${seq} is missing`);
      hash.update(c);
      yield c;
    }
    if (hash.digest('hex') !== sha256)
      throw new Error(`attachment ${sha256}: the stored bytes do not hash to it`);
  }
  return { name: file.name, type: file.type, size: file.size, sha256, bytes: bytes() };
}
