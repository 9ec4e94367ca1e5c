// A reader of the log as C2SP tlog-tiles, written from the specs alone
// (c2sp.org/tlog-tiles, tlog-checkpoint, signed-note; RFC 6962), importing nothing of
// src/log: the tests check the node's tiles and checkpoints with it.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { expect } from 'vitest';

export const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};
export const nodeHash = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);

/** RFC 6962 §2.1: MTH of a list of leaf (or subtree) hashes. */
export function mth(hashes: readonly Buffer[]): Buffer {
  if (hashes.length === 0) return sha256();
  if (hashes.length === 1) return hashes[0] as Buffer;
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

/** RFC 6962 §2.1.1: PATH(m, D[n]) over leaf hashes. */
export function path(m: number, leaves: readonly Buffer[]): Buffer[] {
  if (leaves.length <= 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))]
    : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** The spec's <N>: groups of three digits, all but the last prefixed with x. */
export function encodeIndex(n: number): string {
  const groups: string[] = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}
export const tileUrl = (level: number | 'entries', n: number, width: number) =>
  `/tile/${level}/${encodeIndex(n)}${width < 256 ? `.p/${width}` : ''}`;

/** C2SP signed-note: verify with `name+keyid+base64(0x01 || key)`; return the note text. */
export function openNote(note: string, vkey: string): string {
  const [name = '', idHex = '', keyB64 = ''] = vkey.split('+');
  // The key's base64 may hold '+': rejoin what follows the id.
  const key = Buffer.from(vkey.slice(name.length + idHex.length + 2), 'base64');
  expect(keyB64.length).toBeGreaterThan(0);
  expect(key[0]).toBe(0x01);
  const raw = key.subarray(1);
  const keyId = sha256(Buffer.from(`${name}\n`), Buffer.from([1]), raw).subarray(0, 4);
  expect(keyId.toString('hex')).toBe(idHex);
  const split = note.lastIndexOf('\n\n');
  const text = note.slice(0, split + 1);
  const sigLines = note.slice(split + 2, -1).split('\n');
  const pub = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
    format: 'jwk',
  });
  let verified = 0;
  for (const line of sigLines) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    expect(m, line).not.toBeNull();
    const blob = Buffer.from(m?.[2] ?? '', 'base64');
    if (m?.[1] !== name || !blob.subarray(0, 4).equals(keyId)) continue;
    expect(verify(null, Buffer.from(text, 'utf8'), pub, blob.subarray(4))).toBe(true);
    verified++;
  }
  expect(verified).toBe(1);
  return text;
}

/** GET bytes from a node with a bearer token. */
async function getBytes(
  base: string,
  p: string,
  token: string,
): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${base}${p}`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/**
 * The node's latest checkpoint, its signature checked with `verifierKey`, and the root
 * recomputed from the level-0 tiles it serves: both must agree. Returns size and root.
 */
export async function verifyThroughTiles(
  base: string,
  token: string,
  verifierKey: string,
): Promise<{ size: number; root: string }> {
  const cp = await getBytes(base, '/checkpoint', token);
  expect(cp.status, 'GET /checkpoint').toBe(200);
  const [, sizeText, rootB64] = openNote(cp.body.toString('utf8'), verifierKey).split('\n');
  const size = Number(sizeText);
  const leaves: Buffer[] = [];
  for (let n = 0; n * 256 < size; n++) {
    const width = Math.min(256, size - n * 256);
    const t = await getBytes(base, tileUrl(0, n, width), token);
    expect(t.status, tileUrl(0, n, width)).toBe(200);
    for (let i = 0; i < width; i++) leaves.push(t.body.subarray(32 * i, 32 * i + 32));
  }
  expect(mth(leaves).toString('base64'), `the root of ${base}'s tiles`).toBe(rootB64);
  return { size, root: rootB64 ?? '' };
}
