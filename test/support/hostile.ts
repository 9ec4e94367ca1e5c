// A hostile partner: messages signed with a real partner node's key, as a malicious or
// compromised partner would send them. Each builder makes one well-formed part (a
// manifest, an item, an envelope, a signed request) so that a test can bend one thing
// at a time and see the receiver refuse it.
import { type KeyObject, randomUUID } from 'node:crypto';
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
