// Paging a listing: chunks added without duplicates, the window of one page of the
// matching rows (and when more must be loaded), the log read newest first, the page
// number from the fragment; and the pager's fragment.
import { describe, expect, it } from 'vitest';
import { withHashParam } from './components/Pager';
import { addChunk, logChunk, nothingLoaded, pageParam, pageWindow } from './paging';

const key = (r: { id: string }) => r.id;
const rows = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `r${from + i}` }));

describe('addChunk', () => {
  it('appends a chunk, counts the offset, and is complete after a short chunk', () => {
    const one = addChunk(nothingLoaded<{ id: string }>(), rows(0, 200), 200, key);
    expect(one.rows).toHaveLength(200);
    expect(one.offset).toBe(200);
    expect(one.complete).toBe(false);
    const two = addChunk(one, rows(200, 13), 200, key);
    expect(two.rows).toHaveLength(213);
    expect(two.offset).toBe(213);
    expect(two.complete).toBe(true);
    expect(one.rows).toHaveLength(200);
  });

  it('drops a row already loaded (rows arrived between two chunks) but still counts it in the offset', () => {
    const one = addChunk(nothingLoaded<{ id: string }>(), rows(0, 3), 3, key);
    const two = addChunk(one, [{ id: 'r2' }, { id: 'r3' }, { id: 'r4' }], 3, key);
    expect(two.rows.map(key)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(two.offset).toBe(6);
  });

  it('is complete after an empty chunk', () => {
    expect(addChunk(nothingLoaded<{ id: string }>(), [], 200, key).complete).toBe(true);
  });
});

describe('pageWindow', () => {
  it('gives rows 1–25 of a complete list of 60, then 26–50, then 51–60', () => {
    expect(pageWindow(60, true, 1, 25)).toMatchObject({
      page: 1,
      from: 1,
      to: 25,
      hasPrev: false,
      hasNext: true,
      last: 3,
      needMore: false,
    });
    expect(pageWindow(60, true, 2, 25)).toMatchObject({
      from: 26,
      to: 50,
      hasPrev: true,
      hasNext: true,
    });
    expect(pageWindow(60, true, 3, 25)).toMatchObject({ from: 51, to: 60, hasNext: false });
  });

  it('shows the last page for a page past it, once every row is known', () => {
    expect(pageWindow(60, true, 9, 25)).toMatchObject({ page: 3, from: 51, to: 60 });
    expect(pageWindow(0, true, 4, 25)).toMatchObject({ page: 1, from: 0, to: 0, last: 1 });
  });

  it('asks for more until the page and one row past it are loaded', () => {
    // 25 loaded, not complete: page 1 is full but whether page 2 exists is unknown.
    expect(pageWindow(25, false, 1, 25)).toMatchObject({
      from: 1,
      to: 25,
      hasNext: false,
      needMore: true,
    });
    expect(pageWindow(26, false, 1, 25)).toMatchObject({
      hasNext: true,
      needMore: false,
      last: null,
    });
    // Page 3 of a list of which 30 rows are known: nothing to show yet.
    expect(pageWindow(30, false, 3, 25)).toMatchObject({ page: 3, from: 0, to: 0, needMore: true });
  });

  it('takes a bad page number as page 1 and refuses a bad page size', () => {
    expect(pageWindow(10, true, 0, 5).page).toBe(1);
    expect(pageWindow(10, true, Number.NaN, 5).page).toBe(1);
    expect(() => pageWindow(10, true, 1, 0)).toThrow(/pageSize/);
  });
});

describe('logChunk', () => {
  it('reads a log of 1,200 entries newest first, 500 at a time', () => {
    expect(logChunk(1200, 0, 500)).toEqual({ start: 700, limit: 500 });
    expect(logChunk(1200, 500, 500)).toEqual({ start: 200, limit: 500 });
    expect(logChunk(1200, 1000, 500)).toEqual({ start: 0, limit: 200 });
    expect(logChunk(1200, 1200, 500)).toEqual({ start: 0, limit: 0 });
    expect(logChunk(0, 0, 500)).toEqual({ start: 0, limit: 0 });
  });
});

describe('the page in the fragment', () => {
  it('reads ?page=N, and page 1 for anything else', () => {
    expect(pageParam('3')).toBe(3);
    expect(pageParam(null)).toBe(1);
    for (const bad of ['0', '-2', 'x', '1.5', '', '01', '99999999']) expect(pageParam(bad)).toBe(1);
  });

  it('sets and removes one parameter, keeping the path and the others', () => {
    expect(withHashParam('#/items', 'page', 2)).toBe('#/items?page=2');
    expect(withHashParam('#/items?page=2', 'page', 1)).toBe('#/items');
    expect(withHashParam('#/consents?in=2', 'out', 3)).toBe('#/consents?in=2&out=3');
    expect(withHashParam('', 'page', 2)).toBe('#?page=2');
  });
});
