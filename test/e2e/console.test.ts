// The console in Debian's Chromium against `liaison demo`: sign in at JP and release an
// item to KR; sign in at KR and see it with both markings (and its log proof verified
// in the browser); send an alert from JP and acknowledge it at KR; a forward without
// consent refused with its reason; a simulator run; the audit log with entries withheld
// from the auditor; the two-person rule on the People page; a second factor enrolled on
// the Account page and asked for at sign-in; the enrolment screen of a node that
// requires one, and its setup banner; the languages. Every page is screenshotted
// (test-results/screenshots) and checked with axe-core.
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
  startTotpNode,
  submitSignIn,
  type TotpNode,
  totpCode,
} from './support.js';

let demo: Demo;
let totpNode: TotpNode | undefined;
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

/**
 * Picks the one recipient of a release or forward form: its checkbox once the peers
 * have loaded, else the text field.
 */
async function recipient(page: Page, kind: 'release' | 'forward', party: string): Promise<void> {
  const box = page.locator(`input[type="checkbox"]#${kind}-to-${party}`);
  try {
    await box.waitFor({ timeout: 10_000 });
    await box.check();
  } catch {
    await page.locator(`input#${kind}-to`).fill(party);
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

async function signIn(
  page: Page,
  base: string,
  username: string,
  password = demo.password,
): Promise<void> {
  await submitSignIn(page, base, username, password);
  await page.getByTestId('page-overview').waitFor();
}

/** Signs in with a password and, when the page asks for it, the next one-time code. */
async function signInWithCode(
  page: Page,
  base: string,
  username: string,
  password: string,
  secret: string,
  shot?: string,
): Promise<void> {
  await submitSignIn(page, base, username, password);
  await page.getByTestId('signin-code-field').waitFor();
  if (shot !== undefined) await visit(page, shot);
  // The code the enrolment was confirmed with is spent: the next one is accepted.
  await page.getByLabel('One-time code').fill(totpCode(secret, 1));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('page-overview').waitFor();
}

/** The navigation's link texts. */
async function navLinks(page: Page): Promise<string[]> {
  return (await page.getByTestId('nav').innerText()).split('\n').map((x) => x.trim());
}

/** The secret the page's enrolment shows, once it has started. */
async function startEnrolment(page: Page): Promise<string> {
  await page.getByTestId('totp-start').click();
  const secret = page.getByTestId('totp-secret');
  await secret.waitFor();
  await page.getByTestId('totp-qr').waitFor();
  return (await secret.getAttribute('data-secret')) ?? '';
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
  await totpNode?.stop();
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
    const nav = await navLinks(jp);
    expect(nav).toEqual(
      expect.arrayContaining(['Agreements', 'Alerts', 'Items', 'Inbox', 'Simulator']),
    );
    // A releasing authority is no auditor, nor an admin: audit and people are not offered.
    expect(nav).not.toContain('Audit');
    expect(nav).not.toContain('People');
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
    // The simulator is for admins, releasing authorities and security officers.
    expect(await navLinks(kr)).not.toContain('Simulator');
    await go(kr, url('KR'), 'simulator', 'page-not-allowed');
    const ra = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(ra, url('KR'), 'kr-releasing-authority');
    await go(ra, url('KR'), 'simulator', 'page-simulator');
    await ra.getByTestId('sim-example').selectOption('gsomia-2019.yaml');
    await ra.getByTestId('sim-run').click();
    const summary = ra.getByTestId('sim-summary');
    await summary.waitFor({ timeout: 20_000 });
    expect(await summary.innerText()).toMatch(/13/);
    await ra.getByTestId('sim-decisions-table').waitFor();
    await ra.getByTestId('sim-plot').waitFor();
    expect(await ra.locator('[data-testid^="sim-step-"]').count()).toBeGreaterThan(10);
    await visit(ra, 'kr-simulator');
    await ra.close();
  });

  it('the audit page, for an auditor: the checkpoint’s signature checked in the browser, entries about items they may not read withheld, the whole log recomputed', async () => {
    // An item above the auditor's clearance (KIMITSU; jp-auditor is cleared GOKUHI):
    // the log entries about it come to them as leaf hashes only.
    const created = await http(
      url('JP'),
      'POST',
      '/v1/items',
      demo.nodes.JP.tokens['releasing-authority'],
      {
        marking: 'KIMITSU',
        categories: ['dprk-missile'],
        title: 'Above the auditor’s clearance',
        body: 'Only its leaf hash reaches the auditor.',
      },
    );
    expect(created.status).toBe(201);
    // Wait until a signed checkpoint covers it (the demo signs every 5 s).
    const size = (
      (await http(url('JP'), 'GET', '/v1/node', demo.nodes.JP.tokens.admin)).body as {
        logSize: number;
      }
    ).logSize;
    await expect
      .poll(
        async () =>
          (
            (
              await http(
                url('JP'),
                'GET',
                '/v1/log/checkpoint?format=json',
                demo.nodes.JP.tokens.auditor,
              )
            ).body as { size: number }
          ).size,
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(size);
    const audit = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(audit, url('JP'), 'jp-auditor');
    await go(audit, url('JP'), 'audit', 'page-audit');
    await expect
      .poll(async () => audit.getByTestId('checkpoint-signature').getAttribute('data-result'), {
        timeout: 15_000,
      })
      .toBe('valid');
    await audit.getByTestId('audit-log-table').waitFor();
    const withheld = audit.locator('tr[data-withheld="true"]');
    expect(await withheld.count()).toBeGreaterThan(0);
    expect(await withheld.first().innerText()).toContain('about an item you may not read');
    expect(await audit.getByTestId('log-withheld-count').innerText()).toMatch(/only: \d+/);
    // A withheld entry's inclusion proof still verifies (from its leaf hash).
    const index = ((await withheld.first().getAttribute('data-testid')) ?? '').replace(
      'log-row-',
      '',
    );
    await audit.getByTestId(`verify-${index}`).click();
    await expect
      .poll(async () => audit.getByTestId(`log-proof-${index}`).getAttribute('data-verified'), {
        timeout: 15_000,
      })
      .toBe('true');
    // The whole log, recomputed here: withheld entries by their leaf hash.
    await audit.getByTestId('audit-full-run').click();
    const full = audit.getByTestId('audit-full-result');
    await full.waitFor({ timeout: 60_000 });
    expect(await full.getAttribute('data-verified')).toBe('true');
    const counted = Number(
      await audit.getByTestId('audit-full-withheld').getAttribute('data-withheld'),
    );
    expect(counted).toBeGreaterThan(0);
    expect(await audit.getByTestId('audit-full-withheld').innerText()).toMatch(
      new RegExp(`items you may not read, checked by their leaf hash only .*: ${counted}$`),
    );
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

  it('people: the admin proposes a privileged role, cannot approve it alone; the security officer approves it', async () => {
    const admin = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(admin, url('JP'), 'jp-admin');
    // The demo has ended setup: no banner.
    expect(await admin.getByTestId('setup-banner').count()).toBe(0);
    expect(await navLinks(admin)).toEqual(expect.arrayContaining(['People', 'Simulator']));
    await go(admin, url('JP'), 'people', 'page-people');
    await admin.getByTestId('people-table').waitFor();
    // Nobody changes their own rights: no button on one's own row.
    expect(await admin.getByTestId('people-edit-jp-admin').count()).toBe(0);
    await admin.getByTestId('people-edit-jp-officer').click();
    await admin.getByTestId('roles-form').waitFor();
    await admin.getByTestId('role-check-releasing-authority').check();
    await admin.getByTestId('roles-submit').click();
    const outcome = admin.getByTestId('roles-outcome');
    await outcome.waitFor();
    expect(await outcome.getAttribute('data-status')).toBe('pending');
    expect(await outcome.innerText()).toMatch(/waits for a second person/);
    const card = admin.locator(
      '[data-user="jp-officer"][data-kind="roles"][data-status="pending"]',
    );
    await card.waitFor();
    await visit(admin, 'jp-people');
    // The proposer cannot approve their own proposal: the node's refusal is shown.
    await card.getByTestId('approval-approve').click();
    const refusal = card.getByTestId('approval-error');
    await refusal.waitFor();
    expect(await refusal.getAttribute('data-code')).toBe('forbidden');
    expect(await refusal.innerText()).toMatch(/two-person rule/);
    expect(await card.getAttribute('data-status')).toBe('pending');
    await visit(admin, 'jp-people-refused');
    await admin.close();

    const so = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(so, url('JP'), 'jp-security-officer');
    await go(so, url('JP'), 'people', 'page-people');
    const found = so.locator('[data-user="jp-officer"][data-kind="roles"][data-status="pending"]');
    await found.waitFor();
    // The card stays on screen, its status changing: found again by its id.
    const pending = so.getByTestId((await found.getAttribute('data-testid')) ?? '');
    // A security officer proposes clearances but not roles: no roles form for them.
    await pending.getByTestId('approval-note').fill('Second person: approved for the exercise.');
    await pending.getByTestId('approval-approve').click();
    await pending.getByTestId('approval-result').waitFor();
    expect(await pending.getAttribute('data-status')).toBe('approved');
    await expect
      .poll(async () => so.getByTestId('person-roles-jp-officer').getAttribute('data-roles'))
      .toContain('releasing-authority');
    await visit(so, 'jp-people-approved');
    await so.getByTestId('people-edit-jp-officer').click();
    await so.getByTestId('clearance-form').waitFor();
    expect(await so.getByTestId('roles-form').count()).toBe(0);
    await so.close();
    const user = (await http(url('JP'), 'GET', '/v1/users/jp-officer', demo.nodes.JP.tokens.admin))
      .body as { roles: string[] };
    expect(user.roles).toContain('releasing-authority');
  });

  it('account: a password changed with the current one, a second factor enrolled, and sign-in then asks for the code', async () => {
    const username = 'jp-totp-e2e';
    const first = 'first e2e passphrase';
    const second = 'second e2e passphrase';
    const created = await http(url('JP'), 'POST', '/v1/users', demo.nodes.JP.tokens.admin, {
      username,
      clearance: 'U',
      needToKnow: [],
      roles: ['officer'],
      password: first,
    });
    expect(created.status).toBe(201);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, url('JP'), username, first);
    await page.getByTestId('account-link').click();
    await page.getByTestId('page-account').waitFor();
    expect(await page.getByTestId('account-totp-enrolled').getAttribute('data-enrolled')).toBe(
      'false',
    );
    expect(await page.getByTestId('account-totp-required').getAttribute('data-required')).toBe(
      'false',
    );
    await visit(page, 'jp-account');
    // A wrong current password is refused on the page, and the session stays.
    await page.getByLabel('Current password').fill('not my password at all');
    await page.getByLabel('New password', { exact: true }).fill(second);
    await page.getByLabel('New password, again').fill(second);
    await page.getByTestId('account-password-submit').click();
    await expect
      .poll(async () => (await page.getByTestId('account-password-error').textContent()) ?? '')
      .toMatch(/not your current password/);
    expect(await page.getByTestId('page-account').count()).toBe(1);
    await page.getByLabel('Current password').fill(first);
    await page.getByTestId('account-password-submit').click();
    await page.getByTestId('account-password-done').waitFor();
    // Enrol: the QR code and the secret; a code from the secret confirms it.
    const secret = await startEnrolment(page);
    expect(secret).toMatch(/^[A-Z2-7]+=*$/);
    await visit(page, 'jp-account-totp');
    await page.getByTestId('totp-code').fill(totpCode(secret));
    await page.getByTestId('totp-confirm').click();
    await page.getByTestId('account-totp-done').waitFor();
    expect(await page.getByTestId('account-totp-enrolled').getAttribute('data-enrolled')).toBe(
      'true',
    );
    await page.getByTestId('sign-out').click();
    await page.getByTestId('page-signin').waitFor();
    // The new password alone is not enough now: the page asks for the code.
    await signInWithCode(page, url('JP'), username, second, secret, 'jp-sign-in-code');
    expect(await page.getByTestId('session-user').innerText()).toContain(username);
    await page.close();
  });

  it('a node that requires a second factor: the setup banner for its admin, and the enrolment screen before anything else', async () => {
    totpNode = await startTotpNode();
    const base = totpNode.url;
    const username = 'jp-enrol-e2e';
    const password = 'enrol e2e passphrase';
    const created = await http(base, 'POST', '/v1/users', totpNode.adminToken, {
      username,
      clearance: 'U',
      needToKnow: [],
      roles: ['officer'],
      password,
    });
    expect(created.status).toBe(201);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The first admin's API token (not a password session: no enrolment asked).
    await page.goto(`${base}/`);
    await page.getByTestId('page-signin').waitFor();
    await page.getByLabel('API token').fill(totpNode.adminToken);
    await page.getByTestId('signin-token-submit').click();
    await page.getByTestId('page-overview').waitFor();
    const banner = page.getByTestId('setup-banner');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/one admin may still grant/);
    await visit(page, 'setup-banner');
    await page.getByTestId('setup-end').click();
    await page.getByTestId('setup-ended').waitFor();
    expect(
      ((await http(base, 'GET', '/v1/node', totpNode.adminToken)).body as { setup: boolean }).setup,
    ).toBe(false);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('page-signin').waitFor();
    // A password sign-in without a second factor: the enrolment screen, nothing else.
    await submitSignIn(page, base, username, password);
    await page.getByTestId('page-enrol').waitFor();
    expect(await page.getByTestId('nav').count()).toBe(0);
    const secret = await startEnrolment(page);
    await visit(page, 'enrol');
    // A wrong code is refused in words.
    const wrong = totpCode(secret) === '000000' ? '111111' : '000000';
    await page.getByTestId('totp-code').fill(wrong);
    await page.getByTestId('totp-confirm').click();
    await expect
      .poll(async () => (await page.getByTestId('totp-error').textContent()) ?? '')
      .toMatch(/not the current code/);
    await page.getByTestId('totp-code').fill(totpCode(secret));
    await page.getByTestId('totp-confirm').click();
    // Confirming revoked the enrolment token: sign in again, with a code.
    await page.getByTestId('signin-enrolled').waitFor();
    await signInWithCode(page, base, username, password, secret);
    expect(await navLinks(page)).toEqual(expect.arrayContaining(['Overview', 'Items']));
    await page.close();
  });

  it('no page has a serious or critical accessibility violation (axe-core, WCAG 2.1 A/AA)', () => {
    expect(violations.length).toBeGreaterThanOrEqual(14);
    expect(violations.filter((v) => v.found.length > 0)).toEqual([]);
  });
});
