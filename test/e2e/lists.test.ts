// The console's lists in Debian's Chromium against a `liaison demo` of their own: the
// Items, Inbox, Outbox, Consents and Audit pages a page at a time (Previous/Next, the
// page in the fragment, filters over every row), titles instead of bare ids, the
// inbox at 390 px wide with every field of a row on screen, message types translated,
// and the alert map's labels inside its frame with the sea named the viewer's way
// (日本海, 동해, "Sea of Japan (East Sea)"). Screenshots in test-results/screenshots;
// axe-core finds nothing serious on the pages.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/node-process.js';
import {
  type AxeViolation,
  type Demo,
  launchChromium,
  screenshot,
  seriousViolations,
  startDemo,
} from './support.js';

let demo: Demo;
let browser: Browser;
const contexts: BrowserContext[] = [];
const violations: { page: string; found: AxeViolation[] }[] = [];
/** The items this test made at JP (30 of them; the first 8 released to KR). */
const made: { id: string; title: string }[] = [];
let alertId = '';

const url = (p: 'JP' | 'KR' | 'US') => demo.nodes[p].url;
const token = (p: 'JP' | 'KR' | 'US', role: string) => {
  const tk = demo.nodes[p].tokens[role];
  if (tk === undefined) throw new Error(`demo.json has no ${role} token for ${p}`);
  return tk;
};

async function api<T>(
  p: 'JP' | 'KR' | 'US',
  role: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const r = await http(url(p), method, path, token(p, role), body);
  if (r.status >= 300)
    throw new Error(`${method} ${path} at ${p}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as T;
}

async function visit(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => {});
  await screenshot(page, name);
  violations.push({ page: name, found: await seriousViolations(page) });
}

/** A new page signed in as `username`, in `locale`'s language, `width` px wide. */
async function signedIn(
  party: 'JP' | 'KR' | 'US',
  username: string,
  options: { readonly locale?: string; readonly width?: number; readonly height?: number } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    locale: options.locale ?? 'en-US',
  });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${url(party)}/`);
  await page.getByTestId('page-signin').waitFor();
  await page.locator('#signin-username').fill(username);
  await page.locator('#signin-password').fill(demo.password);
  await page.getByTestId('signin-password-submit').click();
  await page.getByTestId('page-overview').waitFor();
  return page;
}

async function go(
  page: Page,
  party: 'JP' | 'KR' | 'US',
  hash: string,
  testId: string,
): Promise<void> {
  await page.goto(`${url(party)}/#/${hash}`);
  await page.getByTestId(testId).waitFor();
}

/** The pager's status: rows from–to (0 when empty) and the total once known. */
async function rowsOf(
  page: Page,
  name: string,
): Promise<{ from: number; to: number; total: string }> {
  const s = page.getByTestId(`${name}-rows`);
  await s.waitFor();
  return {
    from: Number(await s.getAttribute('data-from')),
    to: Number(await s.getAttribute('data-to')),
    total: (await s.getAttribute('data-total')) ?? '',
  };
}

/** The test ids of the rows a table shows now. */
async function rowIds(page: Page, table: string, prefix: string): Promise<string[]> {
  return page
    .getByTestId(table)
    .locator(`[data-testid^="${prefix}"]`)
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid') ?? ''));
}

interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

async function rect(page: Page, selector: string): Promise<Rect> {
  const b = await page.locator(selector).first().boundingBox();
  if (b === null) throw new Error(`${selector} is not on screen`);
  return b;
}

const within = (inner: Rect, outer: Rect, slack = 0.5) =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.width <= outer.x + outer.width + slack &&
  inner.y + inner.height <= outer.y + outer.height + slack;

beforeAll(async () => {
  // A port range of its own (console.test.ts uses 20,000–40,000).
  demo = await startDemo(45_000 + 10 * Math.floor(Math.random() * 500));
  browser = await launchChromium();
  // Enough items for two pages of the Items page (25 a page), eight of them sent to KR.
  for (let i = 1; i <= 30; i++) {
    const title = `Paging check ${String(i).padStart(2, '0')}: coastal radar report`;
    const it = await api<{ id: string }>('JP', 'releasing-authority', 'POST', '/v1/items', {
      marking: 'HI',
      title,
      body: 'Made by the lists test.',
      categories: ['dprk-missile'],
      precedence: 'ROUTINE',
    });
    made.push({ id: it.id, title });
  }
  for (const it of made.slice(0, 8))
    await api('JP', 'releasing-authority', 'POST', `/v1/items/${it.id}/release`, { to: 'KR' });
  // A launch from Sinpo (its label is long) to a point near the map's right edge.
  const sent = await api<{ id: string }>('JP', 'releasing-authority', 'POST', '/v1/alerts', {
    alert: {
      status: 'Exercise',
      detectedAt: new Date(Date.now() - 30_000).toISOString(),
      launchedAt: new Date(Date.now() - 60_000).toISOString(),
      launch: { lat: 40.03, lon: 128.18, area: 'Sinpo, South Hamgyong' },
      count: 1,
      bearingDeg: 95,
      assessedType: 'SLBM',
      apogeeKm: 600,
      distanceKm: 1800,
      impact: {
        lat: 38.9,
        lon: 149.4,
        area: 'Pacific Ocean, east of the Sanriku coast',
        insideJapanEez: false,
      },
      confidence: 'medium',
      remarks: 'Lists test.',
    },
  });
  alertId = sent.id;
}, 240_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await demo?.stop();
});

describe('the console’s lists, in Chromium', () => {
  it('items: titles linking to the items, 25 a page, Next and Previous, the page kept in the fragment, filters over every row', async () => {
    const jp = await signedIn('JP', 'jp-releasing-authority');
    await go(jp, 'JP', 'items', 'page-items');
    await jp.getByTestId('items-table').waitFor();
    const first = await rowsOf(jp, 'items');
    expect(first.from).toBe(1);
    expect(first.to).toBe(25);
    expect(Number(first.total)).toBeGreaterThanOrEqual(32);
    // The newest first: the last item made is on top, by its title, linking to it.
    const newest = made[made.length - 1];
    if (newest === undefined) throw new Error('no items were made');
    const top = jp.getByTestId(`item-row-${newest.id}`).getByTestId('item-title');
    expect(await top.innerText()).toBe(newest.title);
    expect(await top.getAttribute('href')).toBe(`#/items/${newest.id}`);
    const page1 = await rowIds(jp, 'items-table', 'item-row-');
    expect(page1).toHaveLength(25);
    await visit(jp, 'lists-items-page1');

    // Next, by keyboard: focus the button and press Enter.
    await jp.getByTestId('items-next').focus();
    await jp.keyboard.press('Enter');
    await expect.poll(async () => (await rowsOf(jp, 'items')).from).toBe(26);
    expect(jp.url()).toMatch(/#\/items\?page=2$/);
    const page2 = await rowIds(jp, 'items-table', 'item-row-');
    expect(page2.length).toBe(Number(first.total) - 25);
    expect(page2.filter((id) => page1.includes(id))).toEqual([]);
    // The last page: Next stays focusable but does nothing.
    expect(await jp.getByTestId('items-next').getAttribute('aria-disabled')).toBe('true');
    await visit(jp, 'lists-items-page2');

    // A reload keeps the page; Previous goes back.
    await jp.reload();
    await jp.getByTestId('items-table').waitFor();
    await expect.poll(async () => (await rowsOf(jp, 'items')).from).toBe(26);
    await jp.getByTestId('items-prev').click();
    await expect.poll(async () => (await rowsOf(jp, 'items')).from).toBe(1);

    // A filter searches every row, not only the page on screen, and starts at page 1.
    await jp.getByTestId('items-next').click();
    await expect.poll(async () => (await rowsOf(jp, 'items')).from).toBe(26);
    const oldest = made[0];
    if (oldest === undefined) throw new Error('no items were made');
    await jp.getByTestId('items-filters').getByTestId('filter-text').fill('Paging check 01');
    await expect
      .poll(async () => rowIds(jp, 'items-table', 'item-row-'))
      .toEqual([`item-row-${oldest.id}`]);
    expect(await rowsOf(jp, 'items')).toEqual({ from: 1, to: 1, total: '1' });
    expect(jp.url()).toMatch(/#\/items$/);
  });

  it('inbox at 390 px: each row a card with every field (title, markings, from, received) inside the screen', async () => {
    const kr = await signedIn('KR', 'kr-officer', { width: 390, height: 844 });
    await go(kr, 'KR', 'inbox', 'page-inbox');
    const released = made[7];
    if (released === undefined) throw new Error('no items were made');
    await expect
      .poll(
        async () => {
          await kr.reload();
          await kr.getByTestId('page-inbox').waitFor();
          await kr.getByTestId('inbox-rows').waitFor();
          return kr.getByTestId(`inbox-row-${released.id}`).count();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(1);
    const viewport = { x: 0, y: 0, width: 390, height: Number.POSITIVE_INFINITY };
    // Nothing makes the page wider than the screen.
    const scrollWidth = await kr.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
          .document.documentElement.scrollWidth,
    );
    expect(scrollWidth).toBeLessThanOrEqual(390);
    const row = `[data-testid="inbox-row-${released.id}"]`;
    for (const field of ['marking', 'title', 'originator', 'from', 'categories', 'received']) {
      const box = await rect(kr, `${row} [data-field="${field}"]`);
      expect(within(box, viewport), `${field} at ${JSON.stringify(box)}`).toBe(true);
      expect(box.width, field).toBeGreaterThan(20);
    }
    expect(await kr.locator(`${row} [data-field="title"] a`).innerText()).toBe(released.title);
    // Each field says what it is (its column's name, drawn before it), as the header did.
    const label = await kr.locator(`${row} [data-field="from"]`).evaluate(
      (el) =>
        (
          globalThis as unknown as {
            getComputedStyle: (e: unknown, pseudo: string) => { content: string };
          }
        ).getComputedStyle(el, '::before').content,
    );
    expect(label).toBe('"From"');
    await visit(kr, 'lists-inbox-390');
    // The other lists stack the same way at 390 px.
    for (const [hash, testId, table] of [
      ['items', 'page-items', 'items-table'],
      ['consents', 'page-consents', 'consents-incoming'],
    ] as const) {
      await go(kr, 'KR', hash, testId);
      await kr.getByTestId(table).waitFor();
      const w = await kr.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
            .document.documentElement.scrollWidth,
      );
      expect(w, hash).toBeLessThanOrEqual(390);
      await visit(kr, `lists-${hash}-390`);
    }
  });

  it('outbox: message types in the viewer’s language and items by their titles, a page at a time', async () => {
    const jp = await signedIn('JP', 'jp-releasing-authority', { locale: 'ja-JP' });
    await go(jp, 'JP', 'outbox', 'page-outbox');
    await jp.getByTestId('outbox-table').waitFor();
    const types = await jp
      .getByTestId('outbox-table')
      .locator('[data-type]')
      .evaluateAll((els) => els.map((e) => [e.getAttribute('data-type'), e.textContent]));
    expect(types.length).toBeGreaterThan(0);
    for (const [type, text] of types) {
      expect(text, String(type)).not.toBe(type);
      expect(text, String(type)).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    }
    expect(types.some(([type, text]) => type === 'item' && text === '文書(提供・転送)')).toBe(true);
    const titles = await jp.getByTestId('outbox-table').getByTestId('outbox-title').allInnerTexts();
    expect(titles).toContain(made[7]?.title);
    const r = await rowsOf(jp, 'outbox');
    expect(r.from).toBe(1);
    expect(r.to - r.from + 1).toBeLessThanOrEqual(25);
    await visit(jp, 'lists-outbox-ja');
  });

  it('consents: each request card shows the item’s title, linking to it', async () => {
    const jp = await signedIn('JP', 'jp-releasing-authority');
    await go(jp, 'JP', 'consents', 'page-consents');
    const card = jp.getByTestId('consents-in-list').getByTestId('consent-item-title').first();
    await card.waitFor();
    expect(await card.innerText()).toBe('Track summary');
    expect(await card.getAttribute('href')).toMatch(/^#\/items\/.+/);
    expect(await rowsOf(jp, 'consents-in')).toEqual({ from: 1, to: 1, total: '1' });
    await visit(jp, 'lists-consents');
  });

  it('audit: 50 entries a page, Next shows earlier ones, the page’s height bounded; the whole log still checks', async () => {
    const audit = await signedIn('JP', 'jp-auditor');
    await go(audit, 'JP', 'audit', 'page-audit');
    await audit.getByTestId('audit-log-table').waitFor();
    const size = Number(await audit.getByTestId('log-size').getAttribute('data-size'));
    expect(size).toBeGreaterThan(100);
    const r1 = await rowsOf(audit, 'log');
    expect(r1).toMatchObject({ from: 1, to: 50 });
    const page1 = await rowIds(audit, 'audit-log-table', 'log-row-');
    expect(page1).toHaveLength(50);
    // Newest first: the first row is the last entry of the log.
    expect(page1[0]).toBe(`log-row-${size - 1}`);
    const height = await audit.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } })
          .document.documentElement.scrollHeight,
    );
    await visit(audit, 'lists-audit-page1');
    expect(height).toBeLessThan(6_000);
    await audit.getByTestId('log-bottom-next').click();
    await expect.poll(async () => (await rowsOf(audit, 'log')).from).toBe(51);
    const page2 = await rowIds(audit, 'audit-log-table', 'log-row-');
    expect(page2).toHaveLength(50);
    expect(page2[0]).toBe(`log-row-${size - 51}`);
    expect(page2.filter((id) => page1.includes(id))).toEqual([]);
    expect(audit.url()).toMatch(/#\/audit\?page=2$/);
    // The full check still reads every entry, whatever page is shown.
    await audit.getByTestId('audit-full-run').click();
    const full = audit.getByTestId('audit-full-result');
    await full.waitFor({ timeout: 60_000 });
    expect(await full.getAttribute('data-verified')).toBe('true');
    await visit(audit, 'lists-audit-page2');
    // At 390 px the entries stack as cards too: nothing wider than the screen.
    await audit.setViewportSize({ width: 390, height: 844 });
    const width = await audit.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
          .document.documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(390);
    const proof = await rect(audit, `[data-testid="${page2[0]}"] [data-testid^="verify-"]`);
    expect(within(proof, { x: 0, y: 0, width: 390, height: Number.POSITIVE_INFINITY })).toBe(true);
    await visit(audit, 'lists-audit-390');
  });

  it('the alert map: labels inside the frame, the sea named by the viewer’s language', async () => {
    expect(alertId).not.toBe('');
    const cases = [
      {
        party: 'KR',
        user: 'kr-officer',
        locale: 'ko-KR',
        sea: ['동해'],
        not: ['日本海', 'Sea of Japan'],
      },
      {
        party: 'JP',
        user: 'jp-officer',
        locale: 'ja-JP',
        sea: ['日本海'],
        not: ['동해', 'East Sea'],
      },
      {
        party: 'US',
        user: 'us-officer',
        locale: 'en-US',
        sea: ['Sea of Japan', 'East Sea'],
        not: [],
      },
    ] as const;
    for (const c of cases) {
      const page = await signedIn(c.party, c.user, { locale: c.locale });
      await expect
        .poll(
          async () => {
            await page.goto(`${url(c.party)}/#/alerts/${alertId}`);
            await page.getByTestId('page-alerts').waitFor();
            return page
              .locator('[data-testid="alert-map"] [data-testid="map-label-launch"]')
              .count();
          },
          { timeout: 60_000, interval: 2_000 },
        )
        .toBeGreaterThan(0);
      const map = '[data-testid="alert-map"]';
      const frame = await rect(page, `${map} svg`);
      for (const label of ['map-label-launch', 'map-label-impact', 'map-sea-east']) {
        const box = await rect(page, `${map} [data-testid="${label}"]`);
        expect(
          within(box, frame),
          `${c.locale} ${label} ${JSON.stringify(box)} in ${JSON.stringify(frame)}`,
        ).toBe(true);
      }
      const launch = await page.locator(`${map} [data-testid="map-label-launch"]`).textContent();
      expect(launch).toContain('South Hamgyong');
      // The impact near the right edge is labelled to its left.
      expect(
        await page.locator(`${map} [data-testid="map-label-impact"]`).getAttribute('data-side'),
      ).toMatch(/^left-/);
      const sea = (
        await page.locator(`${map} [data-testid="map-sea-east"] tspan`).allTextContents()
      ).join(' ');
      for (const s of c.sea) expect(sea, c.locale).toContain(s);
      for (const s of c.not) expect(sea, c.locale).not.toContain(s);
      await visit(page, `lists-map-${c.locale}`);
    }
  });

  it('no serious accessibility violations on the pages visited', () => {
    const bad = violations.filter((v) => v.found.length > 0);
    expect(bad).toEqual([]);
  });
});
