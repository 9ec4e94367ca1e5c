// Attachments, without a node process: the content hash of an item without files is
// the one it always was (byte for byte), files change it in every field; the store keeps
// one blob per hash, answers the chunks it holds, and expires what nothing names.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/crypto/canonical-json.js';
import { contentHash } from '../../src/node/manifest.js';
import {
  beginBlob,
  blobBySha,
  chunkSeqs,
  completeBlob,
  expireOrphans,
  getChunk,
  insertItemAttachments,
  insertUpload,
  putChunk,
  uploadedBy,
} from '../../src/store/attachments.js';
import { openStore, type Store } from '../../src/store/db.js';

const file = { name: 'a.pdf', type: 'application/pdf', size: 3, sha256: 'ab'.repeat(32) };

describe('content hash', () => {
  it('without files: sha256 of the canonical {body, title} as before', () => {
    const before = `sha256:${createHash('sha256')
      .update(canonicalJson({ title: 'T', body: 'B' }), 'utf8')
      .digest('hex')}`;
    expect(contentHash({ title: 'T', body: 'B' })).toBe(before);
    expect(contentHash({ title: 'T', body: 'B', attachments: [] })).toBe(before);
    expect(contentHash({ title: 'T', body: 'B', alert: { a: 1 }, attachments: [] })).toBe(
      contentHash({ title: 'T', body: 'B', alert: { a: 1 } }),
    );
  });

  it('with files: their name, type, size, hash and order all count', () => {
    const h = contentHash({ title: 'T', body: 'B', attachments: [file] });
    expect(h).not.toBe(contentHash({ title: 'T', body: 'B' }));
    for (const change of [
      { name: 'b.pdf' },
      { type: 'image/png' },
      { size: 4 },
      { sha256: 'cd'.repeat(32) },
    ])
      expect(
        contentHash({ title: 'T', body: 'B', attachments: [{ ...file, ...change }] }),
      ).not.toBe(h);
    const two = { ...file, name: 'z' };
    expect(contentHash({ title: 'T', body: 'B', attachments: [file, two] })).not.toBe(
      contentHash({ title: 'T', body: 'B', attachments: [two, file] }),
    );
  });
});

describe('attachment store (SQLite)', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore(
      join(mkdtempSync(join(tmpdir(), 'liaison-att-')), 's.sqlite'),
      'test passphrase',
    );
  });
  afterAll(async () => {
    await store.close();
  });

  it('one blob per hash: a second upload of the same bytes is dropped, the first kept', async () => {
    const db = store.db;
    await beginBlob(db, 'b1', 0);
    await putChunk(db, 'b1', 0, Buffer.from('abc'));
    expect(await chunkSeqs(db, 'b1')).toEqual([0]);
    expect(await completeBlob(db, 'b1', 'h1', 3, 1)).toBe('b1');
    await beginBlob(db, 'b2', 0);
    await putChunk(db, 'b2', 0, Buffer.from('abc'));
    expect(await completeBlob(db, 'b2', 'h1', 3, 1)).toBe('b1');
    expect(await chunkSeqs(db, 'b2')).toEqual([]);
    expect(Buffer.from((await getChunk(db, 'b1', 0)) ?? [])).toEqual(Buffer.from('abc'));
    expect(await blobBySha(db, 'h1')).toEqual({ id: 'b1', size: 3, chunks: 1 });
  });

  it('an upload grants its uploader only; orphans expire, what an item names stays', async () => {
    const db = store.db;
    await insertUpload(db, { id: 'u1', user_id: 'alice', sha256: 'h1', size: 3, created_at: 0 });
    expect(await uploadedBy(db, 'alice', 'h1')).toBe(3);
    expect(await uploadedBy(db, 'bob', 'h1')).toBeUndefined();
    // Named by an item: stays after its upload expires.
    await insertItemAttachments(db, [
      { item_id: 'i1', idx: 0, name: 'a', type: 'text/plain', size: 3, sha256: 'h1' },
    ]);
    // An orphan (finished, named by nothing) and a transfer abandoned half-way.
    await beginBlob(db, 'b3', 0);
    await putChunk(db, 'b3', 0, Buffer.from('x'));
    await completeBlob(db, 'b3', 'h3', 1, 1);
    await beginBlob(db, 'b4', 0);
    await putChunk(db, 'b4', 0, Buffer.from('y'));
    // Not old enough: nothing goes.
    expect(await expireOrphans(db, -1, -1)).toBe(0);
    expect(await expireOrphans(db, 1, 1)).toBe(2);
    expect(await uploadedBy(db, 'alice', 'h1')).toBeUndefined();
    expect(await blobBySha(db, 'h1')).toBeDefined();
    expect(await blobBySha(db, 'h3')).toBeUndefined();
    expect(await chunkSeqs(db, 'b4')).toEqual([]);
  });
});
