// Key hand-overs (src/log/handover.ts): accepted only from the key held, signed by it
// and by the new key, for one origin; and auditLog follows a logged hand-over to accept
// checkpoints signed with the new key, while one from an unknown key is reported.
import { describe, expect, it } from 'vitest';
import { generateNodeKeys } from '../../src/crypto/keys.js';
import { auditLog, type StoredEntry } from '../../src/log/audit.js';
import { sealEntry } from '../../src/log/entry.js';
import { checkHandover, type Handover, signHandover } from '../../src/log/handover.js';
import { MerkleTree } from '../../src/log/merkle.js';
import {
  checkpointBody,
  parseVerifierKey,
  rawPublicKey,
  signNote,
  verifierKey,
} from '../../src/log/note.js';

const ORIGIN = 'liaison.test/JP';
const vk = (k: ReturnType<typeof generateNodeKeys>) => verifierKey(ORIGIN, rawPublicKey(k.signing));

function handover(
  a: ReturnType<typeof generateNodeKeys>,
  b: ReturnType<typeof generateNodeKeys>,
  epoch = 1,
): Handover {
  return {
    v: 1,
    party: 'JP',
    origin: ORIGIN,
    epoch,
    from: vk(a),
    to: vk(b),
    encryptionKey: Buffer.alloc(32, 7).toString('base64'),
    fingerprint: Array.from({ length: 16 }, () => 'abcd').join(':'),
    at: '2026-12-07T10:00:00Z',
  };
}

describe('key hand-over', () => {
  const a = generateNodeKeys();
  const b = generateNodeKeys();
  const c = generateNodeKeys();

  it('is accepted from the key held, and names the new key', () => {
    const signed = signHandover(handover(a, b), a.signing, b.signing);
    const next = checkHandover(JSON.parse(JSON.stringify(signed)), vk(a));
    expect(next.handover.to).toBe(vk(b));
    expect(rawPublicKey(next.key).equals(rawPublicKey(b.signing))).toBe(true);
  });

  it('is refused from another key than the one held', () => {
    const signed = signHandover(handover(a, b), a.signing, b.signing);
    expect(() => checkHandover(signed, vk(c))).toThrow(/not from the key held/);
  });

  it('is refused when the old key did not sign it (a forgery by the new key alone)', () => {
    const forged = signHandover(handover(c, b), c.signing, b.signing);
    const claimed = { ...forged, handover: { ...forged.handover, from: vk(a) } };
    expect(() => checkHandover(claimed, vk(a))).toThrow(/not signed by the key it hands over from/);
  });

  it('is refused without proof that the new key is held', () => {
    const signed = signHandover(handover(a, b), a.signing, b.signing);
    const other = signHandover(handover(a, c), a.signing, c.signing);
    expect(() => checkHandover({ ...signed, next: other.next }, vk(a))).toThrow(
      /not signed by the new key/,
    );
  });

  it('is refused when altered after signing, malformed, or for another origin', () => {
    const signed = signHandover(handover(a, b), a.signing, b.signing);
    expect(() =>
      checkHandover({ ...signed, handover: { ...signed.handover, epoch: 9 } }, vk(a)),
    ).toThrow(/not signed by the key/);
    expect(() => checkHandover({ ...signed, extra: 1 }, vk(a))).toThrow(/malformed/);
    expect(() => checkHandover({ handover: {} }, vk(a))).toThrow(/malformed/);
    const elsewhere = { ...handover(a, b), from: verifierKey('other/JP', rawPublicKey(a.signing)) };
    expect(() => signHandover(elsewhere, a.signing, b.signing)).toThrow();
  });
});

describe('auditLog follows logged hand-overs', () => {
  const a = generateNodeKeys();
  const b = generateNodeKeys();
  const intruder = generateNodeKeys();

  /** A log of `n` entries where entry `at` hands the key over with `signed`. */
  function log(n: number, at: number, subject: unknown) {
    const tree = new MerkleTree();
    const entries: StoredEntry[] = [];
    let prev: string | null = null;
    for (let i = 0; i < n; i++) {
      const s = sealEntry({
        index: i,
        prev,
        at: '2026-12-07T10:00:00Z',
        type: i === at ? 'node.keys-rotated' : 'item.created',
        actor: { user: null, party: 'JP' },
        subject: (i === at ? subject : { item: `i${i}` }) as Record<string, unknown>,
      });
      tree.append(s.leaf);
      entries.push({ index: i, leafHash: s.leaf, data: s.data });
      prev = s.leaf.toString('hex');
    }
    const cp = (size: number, key: ReturnType<typeof generateNodeKeys>) => ({
      size,
      note: signNote(
        checkpointBody({ origin: ORIGIN, size, root: Buffer.from(tree.root(size)) }),
        ORIGIN,
        key.signing,
      ),
    });
    return { entries, cp };
  }

  it('accepts checkpoints signed by the new key beyond the hand-over, and lists the keys', async () => {
    const signed = signHandover(handover(a, b), a.signing, b.signing);
    const l = log(6, 2, signed);
    const r = await auditLog(
      l.entries,
      [l.cp(2, a), l.cp(4, b), l.cp(6, b)],
      parseVerifierKey(vk(a)),
    );
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.keys).toEqual([
      { verifierKey: vk(a), entry: null },
      { verifierKey: vk(b), entry: 2 },
    ]);
  });

  it('refuses a checkpoint by the new key that does not cover the hand-over', async () => {
    const signed = signHandover(handover(a, b), a.signing, b.signing);
    const l = log(6, 4, signed);
    const r = await auditLog(l.entries, [l.cp(3, b), l.cp(6, b)], parseVerifierKey(vk(a)));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.checkpoint)).toEqual([3]);
  });

  it('reports a logged hand-over from a key the auditor never trusted, and its checkpoints', async () => {
    const forged = signHandover(handover(intruder, b), intruder.signing, b.signing);
    const l = log(4, 1, forged);
    const r = await auditLog(l.entries, [l.cp(4, b)], parseVerifierKey(vk(a)));
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.entry)).toContain(1);
    expect(r.problems.map((p) => p.checkpoint)).toContain(4);
    expect(r.keys).toHaveLength(1);
  });
});
