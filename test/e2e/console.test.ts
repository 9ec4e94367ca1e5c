// The console in Debian's Chromium against `liaison demo`: sign in at JP and release an
// item to KR; sign in at KR and see it with both markings (and its log proof verified
// in the browser); send an alert from JP and acknowledge it at KR; a forward without
// consent refused with its reason; a simulator run; the languages. Every page is
// screenshotted (test-results/screenshots) and checked with axe-core.
import { rmSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http } from '../support/node-process.js';
import {
  type AxeViolation,
  type Demo,
  launchChromium,
  SCREENSHOTS,
  screenshot,
  seriousViolations,
  startDemo,
} from './support.js';

let demo: Demo;
let browser: Browser;
let jp: Page;
let kr: Page;
let itemId = '';
const violations: { page: string; found: AxeViolation[] }[] = [];

const url = (p: 'JP' | 'KR' | 'US') => demo.nodes[p].url;

/** Screenshot and accessibility check of the page as it is now. */
async function visit(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => {});
  await screenshot(page, name);
  violations.push({ page: name, found: await seriousViolations(page) });
}

async function go(page: Page, base: string, hash: string, testId: string): Promise<void> {
  await page.goto(`${base}/#/${hash}`);
  await page.getByTestId(testId).waitFor();
}

/** Picks the recipient of a release or forward form (a list once the peers have loaded). */
async function recipient(page: Page, kind: 'release' | 'forward', party: string): Promise<void> {
  const select = page.locator(`select#${kind}-to`);
  try {
    await select.waitFor({ timeout: 10_000 });
    await select.selectOption(party);
  } catch {
    await page.locator(`#${kind}-to`).fill(party);
  }
}

/** The focused element's tag and text, read in the page (the tests compile without DOM types). */
function focused(page: Page): Promise<{ tag: string; text: string }> {
  return page.evaluate(() => {
    const d = (
      globalThis as unknown as {
        document: { activeElement: { tagName: string; textContent: string | null } | null };
      }
    ).document;
    return {
      tag: d.activeElement?.tagName ?? '',
      text: d.activeElement?.textContent?.trim() ?? '',
    };
  });
}

async function signIn(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByTestId('page-signin').waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(demo.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('page-overview').waitFor();
}

beforeAll(async () => {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  // A port base of its own, so that another run on the machine does not collide.
  demo = await startDemo(20_000 + 10 * Math.floor(Math.random() * 2_000));
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  jp = await context.newPage();
  kr = await context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the console, in Chromium, against liaison demo', () => {
  it('signs in at JP with a password; navigation shows what the role allows', async () => {
    await jp.goto(`${url('JP')}/`);
    await jp.getByTestId('page-signin').waitFor();
    await visit(jp, 'sign-in');
    // A wrong password is refused on the page, not with a stack trace.
    await jp.getByLabel('Username').fill('jp-releasing-authority');
    await jp.getByLabel('Password', { exact: true }).fill('not the password');
    await jp.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect
      .poll(async () => (await jp.getByTestId('signin-error').textContent()) ?? '')
      .toMatch(/username or password/i);
    await signIn(jp, url('JP'), 'jp-releasing-authority');
    await visit(jp, 'jp-overview');
    const nav = (await jp.getByTestId('nav').innerText()).split('\n').map((s) => s.trim());
    expect(nav).toEqual(expect.arrayContaining(['Agreements', 'Alerts', 'Items', 'Inbox']));
    // A releasing authority is no auditor: the audit page is not offered.
    expect(nav).not.toContain('Audit');
  });

  it('agreements: the timeline, the deadline countdown and the equivalence table with native names', async () => {
    await go(jp, url('JP'), 'agreements', 'page-agreements');
    await jp.getByTestId('agreements-table').waitFor();
    await visit(jp, 'jp-agreements');
    await go(jp, url('JP'), 'agreements/gsomia-jp-kr-2016', 'page-agreement');
    await jp.getByTestId('agreement-timeline').waitFor();
    await jp.getByTestId('equivalence-table').waitFor();
    const table = await jp.getByTestId('equivalence-table').innerText();
    expect(table).toContain('極秘');
    expect(table).toContain('군사II급비밀');
    await visit(jp, 'jp-agreement-gsomia');
  });

  it('creates an item at JP and releases it to KR from the item page', async () => {
    await go(jp, url('JP'), 'items', 'page-items');
    await jp.getByTestId('new-item-toggle').click();
    await jp.getByTestId('new-item-form').waitFor();
    await jp.locator('#new-item-marking').selectOption('GOKUHI');
    await jp.locator('#new-item-title').fill('Console release: launch assessment');
    await jp.locator('#new-item-body').fill('Two SRBMs, apogee 50 km, impact outside the EEZ.');
    await visit(jp, 'jp-items-new');
    await jp.getByTestId('new-item-submit').click();
    await jp.getByTestId('page-item').waitFor();
    itemId = decodeURIComponent(new URL(jp.url()).hash.split('/')[2] ?? '');
    expect(itemId).toMatch(/^jp-/);
    await recipient(jp, 'release', 'KR');
    await jp.getByTestId('release-submit').click();
    const result = jp.getByTestId('release-result');
    await result.waitFor();
    expect(await result.getAttribute('data-decision')).toBe('allow');
    expect(await result.innerText()).toContain('군사II급비밀');
    await visit(jp, 'jp-item-released');
    await go(jp, url('JP'), 'outbox', 'page-outbox');
    await jp.getByTestId('outbox-table').waitFor();
    await visit(jp, 'jp-outbox');
  });

  it('signs in at KR and sees the item with both markings, its log proof verified in the browser', async () => {
    await signIn(kr, url('KR'), 'kr-officer');
    await go(kr, url('KR'), 'inbox', 'page-inbox');
    await expect
      .poll(
        async () => {
          await kr.reload();
          await kr.getByTestId('page-inbox').waitFor();
          return kr.getByTestId(`inbox-row-${itemId}`).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    await visit(kr, 'kr-inbox');
    await go(kr, url('KR'), `items/${encodeURIComponent(itemId)}`, 'page-item');
    const here = await kr.getByTestId('item-marking').innerText();
    const theirs = await kr.getByTestId('item-originator-marking').innerText();
    expect(here).toContain('군사II급비밀');
    expect(theirs).toContain('極秘');
    const proof = kr.getByTestId('item-proof-status');
    await expect
      .poll(async () => proof.getAttribute('data-verified'), { timeout: 15_000 })
      .toBe('true');
    expect(await proof.innerText()).toMatch(/index \d+/);
    await kr.getByTestId('item-history-table').waitFor();
    await visit(kr, 'kr-item');
  });

  it('a forward without the originator’s consent is refused, and shown with its reason', async () => {
    // Forwarding is a releasing authority's act (an officer has no forward form).
    expect(await kr.getByTestId('forward-form').count()).toBe(0);
    const ra = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(ra, url('KR'), 'kr-releasing-authority');
    await go(ra, url('KR'), `items/${encodeURIComponent(itemId)}`, 'page-item');
    await recipient(ra, 'forward', 'US');
    await ra.getByTestId('forward-submit').click();
    const refusal = ra.getByTestId('forward-refusal');
    await refusal.waitFor();
    const codes = await refusal
      .locator('[data-reason-code]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-reason-code')));
    expect(codes).toContain('consent-required');
    expect(await refusal.innerText()).toMatch(/consent/i);
    await visit(ra, 'kr-forward-refused');
    await ra.close();
  });

  it('JP sends a FLASH alert; KR sees it live and acknowledges it; JP sees the acknowledgement', async () => {
    await go(kr, url('KR'), 'alerts', 'page-alerts');
    await expect
      .poll(async () => kr.getByTestId('stream-status').getAttribute('data-status'))
      .toBe('open');
    await go(jp, url('JP'), 'alerts', 'page-alerts');
    await jp.getByTestId('compose-toggle').click();
    await jp.getByTestId('compose-form').waitFor();
    await visit(jp, 'jp-alert-compose');
    await jp.getByTestId('compose-send').click();
    await jp.getByTestId('alert-send-result').waitFor();
    const alerts = (await http(url('JP'), 'GET', '/v1/alerts', demo.nodes.JP.tokens.officer))
      .body as { id: string }[];
    const id = alerts[0]?.id ?? '';
    expect(id).toMatch(/^jp-alert-/);
    // Live on KR's board: the banner on every page, and the alert's card.
    await kr.getByTestId('flash-banner').waitFor({ timeout: 15_000 });
    await kr.getByTestId(`alert-card-${id}`).waitFor({ timeout: 15_000 });
    await kr.getByTestId(`alert-card-${id}`).click();
    await kr.getByTestId('alert-map').waitFor();
    await visit(kr, 'kr-alerts-live');
    await kr.getByTestId('alert-ack-button').click();
    await expect
      .poll(async () => kr.getByTestId('alert-ack-status').innerText(), { timeout: 15_000 })
      .toMatch(/kr-officer/);
    await go(jp, url('JP'), 'alerts', 'page-alerts');
    await jp.getByTestId(`alert-card-${id}`).click();
    await expect
      .poll(
        async () => {
          const cell = jp.getByTestId('ack-party-KR');
          return (await cell.count()) === 0 ? null : cell.getAttribute('data-acked');
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe('true');
    await visit(jp, 'jp-alert-acknowledged');
  });

  it('consents, and the simulator: a scenario runs and shows its decisions and the timeline plot', async () => {
    await go(kr, url('KR'), 'consents', 'page-consents');
    await visit(kr, 'kr-consents');
    await go(kr, url('KR'), 'simulator', 'page-simulator');
    await kr.getByTestId('sim-example').selectOption('gsomia-2019.yaml');
    await kr.getByTestId('sim-run').click();
    const summary = kr.getByTestId('sim-summary');
    await summary.waitFor({ timeout: 20_000 });
    expect(await summary.innerText()).toMatch(/13/);
    await kr.getByTestId('sim-decisions-table').waitFor();
    await kr.getByTestId('sim-plot').waitFor();
    expect(await kr.locator('[data-testid^="sim-step-"]').count()).toBeGreaterThan(10);
    await visit(kr, 'kr-simulator');
  });

  it('the audit page, for an auditor: the checkpoint’s signature checked in the browser', async () => {
    const audit = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(audit, url('JP'), 'jp-auditor');
    await go(audit, url('JP'), 'audit', 'page-audit');
    await expect
      .poll(async () => audit.getByTestId('checkpoint-signature').getAttribute('data-result'), {
        timeout: 15_000,
      })
      .toBe('valid');
    await audit.getByTestId('audit-log-table').waitFor();
    await visit(audit, 'jp-audit');
    await audit.close();
  });

  it('speaks 日本語 and 한국어: the interface and <html lang> follow the choice', async () => {
    await go(kr, url('KR'), '', 'page-overview');
    await kr.getByTestId('language-select').selectOption('ko');
    await expect.poll(async () => kr.getAttribute('html', 'lang')).toBe('ko');
    const ko = await kr.getByTestId('nav').innerText();
    await visit(kr, 'kr-overview-ko');
    await kr.getByTestId('language-select').selectOption('ja');
    await expect.poll(async () => kr.getAttribute('html', 'lang')).toBe('ja');
    const ja = await kr.getByTestId('nav').innerText();
    await visit(kr, 'kr-overview-ja');
    expect(ko).not.toBe(ja);
    expect(ko).toMatch(/[가-힣]/);
    expect(ja).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    await kr.getByTestId('language-select').selectOption('en');
  });

  it('works from the keyboard: the skip link comes first, then the navigation; Enter follows a link', async () => {
    // A freshly loaded page: the first Tab reaches the skip link.
    await go(kr, url('KR'), '', 'page-overview');
    await kr.reload();
    await kr.getByTestId('page-overview').waitFor();
    await kr.keyboard.press('Tab');
    expect(await focused(kr)).toEqual({ tag: 'A', text: 'Skip to main content' });
    await kr.keyboard.press('Enter');
    expect((await focused(kr)).tag).toBe('H1');
    // From the top again, Tab reaches the Inbox link, and Enter opens it.
    await kr.reload();
    await kr.getByTestId('page-overview').waitFor();
    let reached = false;
    for (let i = 0; i < 20 && !reached; i++) {
      await kr.keyboard.press('Tab');
      const f = await focused(kr);
      reached = f.tag === 'A' && f.text === 'Inbox';
    }
    expect(reached).toBe(true);
    await kr.keyboard.press('Enter');
    await kr.getByTestId('page-inbox').waitFor();
  });

  it('no page has a serious or critical accessibility violation (axe-core, WCAG 2.1 A/AA)', () => {
    expect(violations.length).toBeGreaterThanOrEqual(14);
    expect(violations.filter((v) => v.found.length > 0)).toEqual([]);
  });
});
