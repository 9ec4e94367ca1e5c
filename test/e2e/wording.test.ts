// The console's times, plurals and wording in Debian's Chromium against its own
// `liaison demo`, with the browser in London (so that the viewer's zone is neither UTC
// nor any agreement's): the agreement list and an agreement's page show an agreement's
// instants in its zone, named, alike, in English, Japanese and Korean; a suspended
// notice stops counting down; no page says "(s)" or "1 attempts"; an alert already
// acknowledged offers no second acknowledgement and the sender's own alert none at
// all; the notice preview cites what the decision then cites. Screenshots and axe-core
// on every page visited.
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
  submitSignIn,
} from './support.js';

const GSOMIA = 'gsomia-jp-kr-2016';
type Party = 'JP' | 'KR' | 'US';
type Lang = 'en' | 'ja' | 'ko';

let demo: Demo;
let browser: Browser;
let context: BrowserContext;
const violations: { page: string; found: AxeViolation[] }[] = [];

const url = (p: Party) => demo.nodes[p].url;
const user = (p: Party, role: string) =>
  demo.nodes[p].users?.[role] ?? `${p.toLowerCase()}-${role}`;

async function visit(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => {});
  await screenshot(page, `wording-${name}`);
  violations.push({ page: name, found: await seriousViolations(page) });
}

async function go(page: Page, party: Party, hash: string, testId: string): Promise<void> {
  await page.goto(`${url(party)}/#/${hash}`);
  await page.getByTestId(testId).waitFor({ timeout: 20_000 });
}

async function signedIn(party: Party, role: string): Promise<Page> {
  const page = await context.newPage();
  await submitSignIn(page, url(party), user(party, role), demo.password);
  await page.getByTestId('page-overview').waitFor();
  return page;
}

/** Chooses the console's language the way a person does (the selector in the header). */
async function setLang(page: Page, lang: Lang): Promise<void> {
  await page.getByTestId('language-select').selectOption(lang);
  await expect.poll(async () => page.getAttribute('html', 'lang')).toBe(lang);
}

/** Every <time> in a part of the page: its instant (ms), text and zone marker. */
async function times(page: Page, testId: string) {
  return page
    .getByTestId(testId)
    .locator('time')
    .evaluateAll((els) =>
      els.map((e) => ({
        ms: Date.parse(e.getAttribute('datetime') ?? ''),
        text: (e.textContent ?? '').trim(),
        zone: e.getAttribute('data-zone'),
      })),
    );
}

/** Text on the page that a count wrote badly: "(s)", "1 attempts", "1 entries". */
async function badCounts(page: Page): Promise<string[]> {
  const text = await page.locator('body').innerText();
  const bad = text.match(/\S*\((s|es)\)|\b1 (?!is\b|was\b|has\b|of\b)[a-z]+s\b/g) ?? [];
  return [...new Set(bad)];
}

beforeAll(async () => {
  demo = await startDemo(50_000 + 10 * Math.floor(Math.random() * 500));
  browser = await launchChromium();
  context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    timezoneId: 'Europe/London',
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('times', () => {
  it('the agreement list and the agreement page show an agreement’s instants alike, in its zone, in en, ja and ko', async () => {
    const page = await signedIn('JP', 'admin');
    const expected: Record<Lang, RegExp> = {
      en: /GMT\+9/,
      ja: /GMT\+9|韓国/,
      ko: /GMT\+9|대한민국|한국/,
    };
    for (const lang of ['en', 'ja', 'ko'] as const) {
      await setLang(page, lang);
      await go(page, 'JP', 'agreements', 'agreements-table');
      const listed = await times(page, `agreement-row-${GSOMIA}`);
      expect(listed.length).toBeGreaterThan(0);
      for (const t of listed) {
        // GSOMIA's zone is Asia/Seoul: named, and never UTC or the viewer's London time.
        expect(t.zone, t.text).toBe('Asia/Seoul');
        expect(t.text).toMatch(expected[lang]);
        expect(t.text).not.toMatch(/UTC|BST|GMT\+1\b/);
      }
      await visit(page, `jp-agreements-${lang}`);
      await go(page, 'JP', `agreements/${GSOMIA}`, 'agreement-status');
      const shown = [
        ...(await times(page, 'agreement-status')),
        ...(await times(page, 'agreement-deadline')),
      ];
      // Each instant of the list is on the page, written the same way.
      for (const t of listed) {
        const same = shown.filter((s) => s.ms === t.ms).map((s) => s.text);
        expect(same.length, `${lang}: ${t.text} on the agreement page`).toBeGreaterThan(0);
        expect(same, lang).toContain(t.text);
      }
      await visit(page, `jp-agreement-${lang}`);
    }
    await setLang(page, 'en');
    await page.close();
    // Instants that are not an agreement's (an item received, at KR) are in the viewer's
    // zone (London here), named.
    const officer = await signedIn('KR', 'officer');
    for (const lang of ['en', 'ja', 'ko'] as const) {
      await setLang(officer, lang);
      await go(officer, 'KR', 'inbox', 'page-inbox');
      await officer.locator('[data-testid="page-inbox"] time').first().waitFor();
      const received = await times(officer, 'page-inbox');
      expect(received.length, lang).toBeGreaterThan(0);
      for (const t of received) {
        expect(t.zone, t.text).toBe('viewer');
        expect(t.text, lang).toMatch(/GMT|BST|UTC|英国|영국/);
        expect(t.text, lang).not.toMatch(/GMT\+9/);
      }
    }
    await setLang(officer, 'en');
    await officer.close();
  });

  it('a suspended notice stops counting down and says when it would take effect if resumed', async () => {
    const admin = demo.nodes.JP.tokens.admin ?? '';
    const notices = `/v1/agreements/${GSOMIA}/notices`;
    expect((await http(url('JP'), 'POST', notices, admin, { action: 'notice' })).status).toBe(200);
    const page = await signedIn('JP', 'admin');
    await go(page, 'JP', `agreements/${GSOMIA}`, 'pending-notice');
    await page.getByTestId('notice-target-countdown').waitFor();
    expect(
      (await http(url('JP'), 'POST', notices, admin, { action: 'suspend-notice' })).status,
    ).toBe(200);
    await page.reload();
    await page.locator('[data-testid="pending-notice"][data-suspended="true"]').waitFor();
    expect(await page.getByTestId('notice-target-countdown').count()).toBe(0);
    expect(await page.getByTestId('notice-if-resumed').innerText()).toMatch(
      /would take effect .*GMT\+9.* if resumed before then/,
    );
    await visit(page, 'jp-agreement-suspended');
    await go(page, 'JP', 'agreements', 'agreements-table');
    const cell = page.getByTestId(`agreement-notice-${GSOMIA}`);
    expect(await cell.getAttribute('data-notice')).toBe('suspended');
    expect(await cell.innerText()).toMatch(/suspended[\s\S]*if resumed before then/);
    expect(await cell.locator('[role="timer"]').count()).toBe(0);
    // Resumed again for the tests that follow.
    expect(
      (await http(url('JP'), 'POST', notices, admin, { action: 'resume-notice' })).status,
    ).toBe(200);
    await page.close();
  });
});

describe('alerts', () => {
  it('the sender sees no Acknowledge on its own alert; the receiver, once acknowledged, no second one', async () => {
    const jp = await signedIn('JP', 'releasing-authority');
    await go(jp, 'JP', 'alerts', 'page-alerts');
    await jp.getByTestId('compose-toggle').click();
    await jp.getByTestId('compose-form').waitFor();
    await jp.getByTestId('compose-send').click();
    await jp.getByTestId('alert-send-result').waitFor({ timeout: 15_000 });
    const list = (await http(url('JP'), 'GET', '/v1/alerts', demo.nodes.JP.tokens.officer))
      .body as {
      id: string;
    }[];
    const id = list[0]?.id ?? '';
    expect(id).toMatch(/^jp-alert-/);
    await go(jp, 'JP', `alerts/${encodeURIComponent(id)}`, 'alert-detail');
    await jp.getByTestId('alert-own').waitFor();
    expect(await jp.getByTestId('alert-ack-button').count()).toBe(0);
    expect(await jp.getByTestId('alert-own').innerText()).toMatch(/Sent by your node \(JP\)/);
    await visit(jp, 'jp-alert-own');

    const kr = await signedIn('KR', 'officer');
    // The banner counts in words: one alert, not "1 alert(s)".
    const banner = kr.getByTestId('flash-banner');
    await banner.waitFor({ timeout: 20_000 });
    expect(await banner.innerText()).toMatch(
      /(\b1 alert awaits|\b([2-9]|\d\d+) alerts await) acknowledgement/,
    );
    await go(kr, 'KR', `alerts/${encodeURIComponent(id)}`, 'alert-detail');
    await kr.getByTestId('alert-ack-button').click();
    await kr.getByTestId('alert-acked').waitFor({ timeout: 15_000 });
    expect(await kr.getByTestId('alert-ack-button').count()).toBe(0);
    expect(await kr.getByTestId('alert-acked').innerText()).toMatch(
      new RegExp(`Acknowledged by ${user('KR', 'officer')} at .* (GMT|BST)$`),
    );
    // Read afresh: still acknowledged, still no button, and never "Acknowledge again".
    await kr.reload();
    await kr.getByTestId('alert-acked').waitFor({ timeout: 15_000 });
    expect(await kr.getByTestId('alert-ack-button').count()).toBe(0);
    expect(await kr.locator('body').innerText()).not.toMatch(/Acknowledge again/);
    await visit(kr, 'kr-alert-acknowledged');

    // The sender's page then lists the acknowledgement received, in words.
    await jp.reload();
    await expect
      .poll(async () => jp.getByTestId('alert-own').innerText(), { timeout: 20_000 })
      .toMatch(/1 acknowledgement received, from KR\./);
    await jp.close();
    await kr.close();
  });
});

describe('the notice preview', () => {
  it('cites what the decision then cites (the article, not the rule)', async () => {
    // A notice can be given only when none is pending: the one given above is withdrawn.
    const admin = demo.nodes.JP.tokens.admin ?? '';
    const withdrawn = await http(url('JP'), 'POST', `/v1/agreements/${GSOMIA}/notices`, admin, {
      action: 'withdraw-notice',
    });
    expect(withdrawn.status).toBe(200);
    const page = await signedIn('JP', 'admin');
    await go(page, 'JP', `agreements/${GSOMIA}`, 'notice-actions');
    expect(await page.getByTestId('pending-notice').getAttribute('data-suspended')).toBeNull();
    await page.getByTestId('notice-action-notice').click();
    const preview = page.getByTestId('notice-preview-outcome');
    await preview.waitFor({ timeout: 20_000 });
    const cited = (await preview.locator('.reason-ref').allInnerTexts()).map((s) => s.trim());
    expect(cited.length).toBeGreaterThan(0);
    await visit(page, 'kr-notice-preview');
    await page.getByTestId('notice-confirm').click();
    const result = page.getByTestId('notice-result');
    await result.waitFor({ timeout: 20_000 });
    const decided = (await result.locator('.reason-ref').allInnerTexts()).map((s) => s.trim());
    expect(decided[0]).toMatch(/Art\./);
    expect(cited).toEqual(decided);
    await page.close();
  });
});

describe('counts', () => {
  it('no page says "(s)" or "1 attempts", in en, ja and ko', async () => {
    const ra = await signedIn('JP', 'releasing-authority');
    const admin = await signedIn('JP', 'admin');
    const pages: [Page, string, string][] = [
      [ra, '', 'page-overview'],
      [ra, 'agreements', 'page-agreements'],
      [ra, `agreements/${GSOMIA}`, 'agreement-status'],
      [ra, 'alerts', 'page-alerts'],
      [ra, 'simulator', 'page-simulator'],
      [ra, 'inbox', 'page-inbox'],
      [ra, 'outbox', 'page-outbox'],
      [ra, 'items', 'page-items'],
      [ra, 'consents', 'page-consents'],
      [admin, 'audit', 'page-audit'],
      [admin, 'people', 'page-people'],
      [admin, 'account', 'page-account'],
    ];
    const bad: string[] = [];
    for (const lang of ['en', 'ja', 'ko'] as const) {
      for (const p of [ra, admin]) await setLang(p, lang);
      for (const [page, hash, testId] of pages) {
        await go(page, 'JP', hash, testId);
        await page.waitForLoadState('networkidle').catch(() => {});
        for (const b of await badCounts(page)) bad.push(`${lang} #/${hash}: ${b}`);
      }
      await visit(ra, `jp-alerts-${lang}`);
    }
    expect(bad).toEqual([]);
    for (const p of [ra, admin]) await setLang(p, 'en');
    await ra.close();
    await admin.close();
  });

  it('no serious accessibility violation on the pages visited', () => {
    expect(violations.filter((v) => v.found.length > 0)).toEqual([]);
  });
});
