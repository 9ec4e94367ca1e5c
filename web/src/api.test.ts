// Listings page by page (getAll) and the Retry-After of a 429.
import { describe, expect, it } from 'vitest';
import { getAll, MAX_PAGES, PAGE_SIZE, type Query, retryAfterSeconds } from './api';

/** A listing of `n` rows (newest first) served like the node: `limit` at most 200. */
function listing(n: number, inserted: (call: number) => number = () => 0) {
  const asked: Query[] = [];
  let rows = Array.from({ length: n }, (_, i) => ({ id: `r${n - i}` }));
  return {
    asked,
    client: {
      get: async <T>(_path: string, query?: Query): Promise<T> => {
        asked.push(query ?? {});
        const limit = Number(query?.limit ?? 100);
        if (limit > PAGE_SIZE) throw new Error('limit: at most 200');
        const offset = Number(query?.offset ?? 0);
        // New rows arriving at the top between two pages shift the offsets.
        const k = inserted(asked.length);
        rows = [
          ...Array.from({ length: k }, (_, i) => ({ id: `new${asked.length}-${i}` })),
          ...rows,
        ];
        return rows.slice(offset, offset + limit) as T;
      },
    },
  };
}

describe('getAll', () => {
  it('asks 200 at a time and stops at a short page', async () => {
    const l = listing(450);
    const all = await getAll<{ id: string }>(l.client, '/v1/items', { direction: 'incoming' });
    expect(all).toHaveLength(450);
    expect(l.asked).toEqual([
      { direction: 'incoming', limit: 200, offset: 0 },
      { direction: 'incoming', limit: 200, offset: 200 },
      { direction: 'incoming', limit: 200, offset: 400 },
    ]);
  });

  it('asks once more after a full last page, and once for an empty listing', async () => {
    const full = listing(400);
    expect(await getAll(full.client, '/v1/items')).toHaveLength(400);
    expect(full.asked).toHaveLength(3);
    const empty = listing(0);
    expect(await getAll(empty.client, '/v1/items')).toEqual([]);
    expect(empty.asked).toHaveLength(1);
  });

  it('stops at the cap of pages', async () => {
    const l = listing(PAGE_SIZE * (MAX_PAGES + 3));
    expect(await getAll(l.client, '/v1/items')).toHaveLength(PAGE_SIZE * MAX_PAGES);
    expect(l.asked).toHaveLength(MAX_PAGES);
    const two = listing(1000);
    expect(await getAll(two.client, '/v1/items', {}, { maxPages: 2 })).toHaveLength(400);
  });

  it('drops a row seen twice when rows arrive between pages (with a key)', async () => {
    const l = listing(300, (call) => (call === 2 ? 3 : 0));
    const all = await getAll<{ id: string }>(l.client, '/v1/items', {}, { key: (r) => r.id });
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
    expect(all).toHaveLength(300);
  });
});

describe('retryAfterSeconds', () => {
  it('reads seconds or an HTTP date', () => {
    expect(retryAfterSeconds('7')).toBe(7);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds('soon')).toBeNull();
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30);
  });
});
