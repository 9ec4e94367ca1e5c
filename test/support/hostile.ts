// A hostile partner: messages signed with a real partner node's key, as a malicious or
// compromised partner would send them. Each builder makes one well-formed part (a
// manifest, an item, an envelope, a signed request) so that a test can bend one thing
// at a time and see the receiver refuse it.
import { type KeyObject, randomUUID } from 'node:crypto';
import { CHUNK_KEY, chunkPath, sealChunk } from '../../src/federation/attachment-transfer.js';
import { signRequest } from '../../src/federation/httpsig.js';
import type { ItemPayload } from '../../src/federation/messages.js';
import { type Message, type MessageType, sealMessage } from '../../src/federation/messages.js';
import { contentHash, type Manifest, makeManifest } from '../../src/node/manifest.js';

export type UnsignedItem = Omit<ItemPayload, 'manifest'>;

/** The originator's manifest of `it` (its fields and content), version 1 by default. */
export function manifestOf(
  key: KeyObject,
  it: UnsignedItem,
  o: { version?: number; createdAt?: number; issuedAt?: number; over?: Partial<Manifest> } = {},
): string {
  const now = Date.now();
  const fields = {
    item: it.id,
    originator: it.originator,
    version: o.version ?? 1,
    marking: it.marking,
    categories: [...it.categories],
    releasableTo: it.releasableTo === null ? null : [...it.releasableTo],
    precedence: it.precedence ?? 'ROUTINE',
    contentHash: contentHash({
      title: it.title,
      body: it.body,
      ...(it.alert === undefined ? {} : { alert: it.alert }),
      ...(it.attachments === undefined ? {} : { attachments: it.attachments }),
    }),
    ...o.over,
  };
  return makeManifest(fields, o.createdAt ?? now, o.issuedAt ?? now, key).jws;
}

/** An item as it travels, with a manifest signed by `key` (the originator's, or a forger's). */
export function signedItem(
  key: KeyObject,
  it: UnsignedItem,
  o: Parameters<typeof manifestOf>[2] = {},
): ItemPayload {
  return { ...it, manifest: manifestOf(key, it, o) };
}

/** A message envelope from `from` to `to`. */
export function envelope<K extends MessageType>(
  type: K,
  from: string,
  to: string,
  body: Message<K>['body'],
): Message {
  // The union member of type K, built from its parts.
  const m: { [T in MessageType]: Message<T> }[MessageType] = {
    v: 1,
    id: randomUUID(),
    type,
    from,
    to,
    sentAt: new Date().toISOString(),
    body,
  } as Message;
  return m;
}

/**
 * Seals messages with `signing` (the sender's real key) to the receiver's encryption
 * key and posts them to `baseUrl` in one RFC 9421-signed request, as `keyId`.
 */
export async function postSealed(
  baseUrl: string,
  messages: readonly Message[],
  signing: KeyObject,
  keyId: string,
  receiverEncryption: KeyObject,
): Promise<{ status: number; body: unknown }> {
  const target = new URL(`${baseUrl}/v1/federation/messages`);
  const body = Buffer.from(
    JSON.stringify({ messages: messages.map((m) => sealMessage(m, signing, receiverEncryption)) }),
  );
  const headers = signRequest(
    { method: 'POST', authority: target.host, path: target.pathname, body },
    signing,
    keyId,
    Date.now(),
  );
  const res = await fetch(target, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body: parsed };
}

/**
 * One chunk of a file as a peer sends it (docs/wire.md §5.16): `bytes` sealed under a
 * fresh key sent as a JWE to the receiver, in a PUT signed with `from`'s key. Answers
 * the request, for `fetch` (once, or twice to replay it).
 */
export function chunkRequest(
  to: { url: string; party: string; encryption: KeyObject },
  from: { signing: KeyObject; keyId: string },
  file: { sha256: string; size: number },
  seq: number,
  bytes: Buffer,
): { url: URL; init: RequestInit } {
  const { body, key } = sealChunk(file, seq, bytes, to);
  const url = new URL(`${to.url}${chunkPath(file, seq)}`);
  const headers = signRequest(
    { method: 'PUT', authority: url.host, path: url.pathname + url.search, body },
    from.signing,
    from.keyId,
    Date.now(),
  );
  return {
    url,
    init: {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream', [CHUNK_KEY]: key },
      body,
    },
  };
}

/** Which chunks of a file a node says it holds, asked by `keyId` in a signed GET. */
export async function heldAt(
  baseUrl: string,
  sha256: string,
  signing: KeyObject,
  keyId: string,
): Promise<{ status: number; body: unknown }> {
  const url = new URL(`${baseUrl}/v1/federation/attachments/${sha256}`);
  const headers = signRequest(
    { method: 'GET', authority: url.host, path: url.pathname, body: Buffer.alloc(0) },
    signing,
    keyId,
    Date.now(),
  );
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as unknown };
}
