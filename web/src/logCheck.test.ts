// The audit page's full recompute with entries withheld from the auditor (RULES V1):
// a withheld entry counts by its leaf hash, the next entry's `prev` must still name it,
// and the root is the same as with every entry shown.
import { describe, expect, it } from 'vitest';
import { checkLog } from './logCheck';
import { leafHash, rootOf, toHex } from './merkle';
import type { LogEntry } from './types';

async function log(n: number): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  let prev: string | null = null;
  for (let index = 0; index < n; index++) {
    const data = JSON.stringify({
      index,
      type: 'item.read',
      at: '2026-01-01T00:00:00Z',
      prev,
      actor: { user: 'jp-officer', party: 'JP' },
      subject: { item: `jp-${index}` },
    });
    const h = toHex(await leafHash(new TextEncoder().encode(data)));
    out.push({ index, leafHash: h, data });
    prev = h;
  }
  return out;
}

const withhold = (e: LogEntry): LogEntry => ({
  index: e.index,
  leafHash: e.leafHash,
  redacted: true,
});

describe('checkLog', () => {
  it('verifies a whole log, and the same log with entries withheld', async () => {
    const entries = await log(7);
    const full = await checkLog(entries);
    expect(full).toMatchObject({ size: 7, firstBadLeaf: null, firstBadChain: null, withheld: 0 });
    const hidden = entries.map((e, i) => (i === 2 || i === 3 || i === 6 ? withhold(e) : e));
    const partial = await checkLog(hidden);
    expect(partial).toMatchObject({
      size: 7,
      firstBadLeaf: null,
      firstBadChain: null,
      withheld: 3,
    });
    expect(toHex(partial.root)).toBe(toHex(full.root));
    expect(toHex(full.root)).toBe(
      toHex(
        await rootOf(
          await Promise.all(
            entries.map((e) => leafHash(new TextEncoder().encode(e.data as string))),
          ),
        ),
      ),
    );
  });

  it('finds a withheld entry whose leaf hash was changed: the next link breaks', async () => {
    const entries = await log(5);
    const forged = entries.map((e, i) =>
      i === 1 ? { index: 1, leafHash: '00'.repeat(32), redacted: true as const } : e,
    );
    const r = await checkLog(forged);
    expect(r.firstBadChain).toBe(2);
    expect(r.withheld).toBe(1);
    expect(toHex(r.root)).not.toBe(toHex((await checkLog(entries)).root));
  });

  it('finds a shown entry whose bytes do not hash to its leaf, and a malformed leaf hash', async () => {
    const entries = await log(4);
    const changed = entries.map((e, i) =>
      i === 2 ? { ...e, data: (e.data as string).replace('jp-2', 'jp-9') } : e,
    );
    expect((await checkLog(changed)).firstBadLeaf).toBe(2);
    const malformed = entries.map((e, i) => (i === 0 ? { ...withhold(e), leafHash: 'zz' } : e));
    expect((await checkLog(malformed)).firstBadLeaf).toBe(0);
  });
});
