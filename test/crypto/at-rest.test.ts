// Encryption at rest, the primitives (src/crypto/at-rest.ts; docs/decisions.md
// "Encryption at rest"): AES-256-GCM with AAD, key wrapping, the passphrase-wrapped
// node key. Every wrong key, AAD, tampered byte or passphrase is one clear error.
import { describe, expect, it } from 'vitest';
import {
  AtRestError,
  newKey,
  open,
  openKek,
  openText,
  parseKekRecord,
  passphraseKey,
  passphraseKeyFor,
  protectKek,
  SEALED_TEXT_PREFIX,
  seal,
  sealText,
  unwrapKey,
  wrapKey,
} from '../../src/crypto/at-rest.js';

const FAST = { N: 1 << 10, r: 8, p: 1 };

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('seal and open (AES-256-GCM)', () => {
  const key = newKey();
  const plain = Buffer.from('極秘: 미사일 발사 launch at 0412Z', 'utf8');

  it('opens what it sealed, with a fresh IV each time, in the versioned format', () => {
    const a = seal(key, plain, 'item/x/title');
    const b = seal(key, plain, 'item/x/title');
    expect(a[0]).toBe(1);
    expect(a.length).toBe(1 + 12 + plain.length + 16);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(open(key, a, 'item/x/title').equals(plain)).toBe(true);
    expect(a.includes(plain)).toBe(false);
  });

  it('refuses another key, another AAD, any flipped bit, truncation and an unknown version', () => {
    const s = seal(key, plain, 'item/x/title');
    const cases: [string, () => unknown][] = [
      ['wrong key', () => open(newKey(), s, 'item/x/title')],
      ['wrong AAD', () => open(key, s, 'item/x/body')],
      ['truncated', () => open(key, s.subarray(0, 20), 'item/x/title')],
      ['empty', () => open(key, Buffer.alloc(0), 'item/x/title')],
      ['version', () => open(key, Buffer.concat([Buffer.of(2), s.subarray(1)]), 'item/x/title')],
    ];
    for (let i = 1; i < s.length; i += 7) {
      const t = Buffer.from(s);
      t[i] = (t[i] ?? 0) ^ 0x01;
      cases.push([`bit ${i}`, () => open(key, t, 'item/x/title')]);
    }
    for (const [what, f] of cases) {
      const e = thrown(f);
      expect(e, what).toBeInstanceOf(AtRestError);
      expect(e instanceof AtRestError && e.code, what).toBe('cannot-open');
      expect(e instanceof Error && e.message, what).toMatch(/cannot open the encrypted data/);
    }
  });

  it('refuses a key that is not 256 bits', () => {
    expect(() => seal(Buffer.alloc(16), plain, 'a')).toThrow(/32 bytes/);
  });

  it('seals text as text with the prefix, and names what does not open', () => {
    const t = sealText(key, 'ミサイル', 'liaison/item/a/title');
    expect(t.startsWith(SEALED_TEXT_PREFIX)).toBe(true);
    expect(openText(key, t, 'liaison/item/a/title')).toBe('ミサイル');
    expect(() => openText(key, t, 'liaison/item/b/title', 'title of b')).toThrow(
      'cannot open the encrypted title of b',
    );
    expect(() => openText(key, '{"json":1}', 'x')).toThrow(/not sealed/);
  });
});

describe('wrapping data keys', () => {
  it('unwraps under the same KEK and owner only', () => {
    const kek = newKey();
    const dek = newKey();
    const w = wrapKey(kek, dek, 'jp-1');
    expect(unwrapKey(kek, w, 'jp-1').equals(dek)).toBe(true);
    expect(() => unwrapKey(kek, w, 'jp-2')).toThrow(AtRestError);
    expect(() => unwrapKey(newKey(), w, 'jp-1')).toThrow(/data key of jp-1/);
  });
});

describe('the node key under the passphrase (scrypt)', () => {
  it('opens with the passphrase, records its parameters, and says "wrong passphrase" otherwise', () => {
    const kek = newKey();
    const r = protectKek('kek-1', kek, passphraseKey('correct horse', undefined, FAST));
    const back = parseKekRecord(JSON.stringify(r));
    expect(back).toEqual(r);
    expect(back.N).toBe(1024);
    expect(openKek(back, passphraseKeyFor(back, 'correct horse')).equals(kek)).toBe(true);
    const e = thrown(() => openKek(back, passphraseKeyFor(back, 'wrong horse')));
    expect(e instanceof AtRestError && e.code).toBe('wrong-passphrase');
    expect(e instanceof Error && e.message).toMatch(/wrong passphrase/);
    // The id is bound: a record whose id was changed does not open.
    expect(() =>
      openKek({ ...back, id: 'kek-2' }, passphraseKeyFor(back, 'correct horse')),
    ).toThrow(/wrong passphrase, or the stored key was changed/);
  });

  it('refuses a damaged record, naming what is wrong', () => {
    expect(() => parseKekRecord('nope')).toThrow('not JSON');
    expect(() => parseKekRecord('{"v":2}')).toThrow('unknown format');
    expect(() => parseKekRecord('{"v":1,"kdf":"scrypt","id":"k"}')).toThrow('lacks');
    expect(() =>
      parseKekRecord('{"v":1,"kdf":"scrypt","id":"k","salt":"","wrapped":"","N":-1,"r":8,"p":1}'),
    ).toThrow('scrypt parameters');
  });

  it('refuses scrypt parameters past its bounds before deriving anything, naming the record', () => {
    const rec = (N: number, r: number, p: number) =>
      JSON.stringify({ v: 1, kdf: 'scrypt', id: 'k', salt: 's', wrapped: 'w', N, r, p });
    // The most it takes: N = 2^20, r = 8 (1 GiB), p = 4.
    expect(parseKekRecord(rec(1 << 20, 8, 4)).N).toBe(1 << 20);
    for (const [N, r, p] of [
      [1 << 21, 8, 1], // N too large
      [1 << 20, 16, 1], // 2 GiB of memory
      [1024, 17, 1], // r too large
      [1024, 8, 5], // p too large
      [1000, 8, 1], // not a power of 2
      [1, 8, 1],
      [2 ** 40, 1, 1],
    ] as const) {
      const e = thrown(() => parseKekRecord(rec(N, r, p)));
      expect(e instanceof AtRestError && e.code).toBe('bad-key-record');
      expect(e instanceof Error && e.message).toMatch(
        /meta 'data-kek'.*scrypt parameters out of bounds/,
      );
    }
  });
});
