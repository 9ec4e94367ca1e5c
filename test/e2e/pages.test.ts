// Every page of the console as the demo’s people meet it (KR’s five, and JP’s releasing
// authority), in English, 日本語 and 한국어.
// They sign in with the usernames the README and demo.json give (`<party>-<role>`,
// kr-admin among them); each page they can reach is screenshotted per language into
// test-results/pages/ (reviewed before an issue about the console is resolved). In
// Japanese and Korean no character may render as the missing-glyph box, and the check
// is shown able to fail: a Chromium whose fontconfig holds no CJK font draws the same
// Korean page with boxes. Japanese and Korean pages are checked with axe-core too.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, ROOT } from '../support/node-process.js';
import {
  type Demo,
  launchChromium,
  missingGlyphs,
  seriousViolations,
  startDemo,
  submitSignIn,
} from './support.js';

const PAGES_DIR = join(ROOT, 'test-results', 'pages');
const LANGS = ['en', 'ja', 'ko'] as const;
type Lang = (typeof LANGS)[number];

let demo: Demo;
let browser: Browser;

/** Signs in through the console's form and waits for the overview. */
async function signIn(page: Page, party: 'JP' | 'KR' | 'US', role: string): Promise<void> {
  const node = demo.nodes[party];
  const username = node.users[role];
  if (username === undefined) throw new Error(`demo.json names no ${role} at ${party}`);
  await submitSignIn(page, node.url, username, demo.password);
  await page.getByTestId('page-overview').waitFor();
}

/** The console's language, chosen with its own control. */
async function chooseLanguage(page: Page, lang: Lang): Promise<void> {
  await page.getByTestId('language-select').selectOption(lang);
  await expect.poll(() => page.getAttribute('html', 'lang')).toBe(lang);
}

/** The hash routes of the navigation as this person sees it. */
async function navRoutes(page: Page): Promise<string[]> {
  const hrefs = await page
    .getByTestId('nav')
    .locator('a')
    .evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  return hrefs.filter((h) => h.startsWith('#/'));
}

/** Opens a route and waits for its page and its data. */
async function open(page: Page, base: string, route: string): Promise<void> {
  await page.goto(`${base}/${route}`);
  await page.locator('[data-testid^="page-"]').first().waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
  // A page shows "Loading…" until its data arrives.
  await expect
    .poll(async () => page.getByText(/^(Loading…|読み込み中…|불러오는 중…)$/).count(), {
      timeout: 15_000,
    })
    .toBe(0);
}

const shotName = (party: string, route: string, lang: Lang) =>
  `${party.toLowerCase()}-${route.replace(/^#\/?/, '').replace(/[^a-z0-9]+/gi, '-') || 'overview'}-${lang}.png`;

/**
 * Each person in turn signs in at the party's node and opens every page of their
 * navigation (and `extra` for the first) that nobody before them opened, in English,
 * Japanese and Korean: a screenshot of each, and in ja/ko the missing glyphs and serious
 * axe violations found.
 */
async function tour(
  party: 'JP' | 'KR',
  roles: readonly string[],
  extra: readonly string[],
): Promise<{ seen: Set<string>; problems: string[] }> {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [i, role] of roles.entries()) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, party, role);
    const routes = [...(await navRoutes(page)), ...(i === 0 ? extra : [])];
    const mine = routes.filter((r) => !seen.has(r));
    for (const r of mine) seen.add(r);
    for (const lang of LANGS) {
      await chooseLanguage(page, lang);
      for (const route of mine) {
        await open(page, demo.nodes[party].url, route);
        await page.screenshot({
          path: join(PAGES_DIR, shotName(party, route, lang)),
          fullPage: true,
        });
        if (lang === 'en') continue;
        for (const g of await missingGlyphs(page)) {
          problems.push(`${party} ${route} (${lang}): ${g.char} ${g.codePoint} in “${g.in}”`);
        }
        for (const v of await seriousViolations(page)) {
          problems.push(
            `${party} ${route} (${lang}): axe ${v.id} (${v.impact}) ${v.help}, ${v.nodes} node(s)`,
          );
        }
      }
    }
    await chooseLanguage(page, 'en');
    await page.close();
  }
  return { seen, problems };
}

beforeAll(async () => {
  rmSync(PAGES_DIR, { recursive: true, force: true });
  mkdirSync(PAGES_DIR, { recursive: true });
  demo = await startDemo(41_000 + 10 * Math.floor(Math.random() * 400));
  browser = await launchChromium();
  // An alert from JP, so that the alerts pages show one with its map.
  const sent = await http(
    demo.nodes.JP.url,
    'POST',
    '/v1/alerts',
    demo.nodes.JP.tokens['releasing-authority'],
    { preset: 'launch' },
  );
  if (sent.status !== 201) throw new Error(`the launch alert was not sent: ${sent.text}`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('the console, page by page, in three languages', () => {
  it('the demo’s people sign in as <party>-<role>: kr-admin, kr-officer, jp-releasing-authority', async () => {
    for (const [party, role] of [
      ['KR', 'admin'],
      ['KR', 'officer'],
      ['JP', 'releasing-authority'],
    ] as const) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      expect(demo.nodes[party].users[role]).toBe(`${party.toLowerCase()}-${role}`);
      await signIn(page, party, role);
      // The header names who signed in.
      await expect
        .poll(() => page.getByTestId('session-user').innerText())
        .toContain(`${party.toLowerCase()}-${role}`);
      await page.close();
    }
  });

  it('every page each KR person reaches, in en, ja and ko: screenshotted, no missing glyph, no serious axe violation', async () => {
    // The item the demo's replay released to KR, and an agreement, for their own pages.
    const inbox = await http(demo.nodes.KR.url, 'GET', '/v1/inbox', demo.nodes.KR.tokens.officer);
    const first = (inbox.body as { item: string }[])[0];
    expect(first, 'the demo’s replay left an item in KR’s inbox').toBeDefined();
    const extra = [
      `#/items/${encodeURIComponent(first?.item ?? '')}`,
      '#/agreements/gsomia-jp-kr-2016',
      '#/account',
    ];
    const { seen, problems } = await tour(
      'KR',
      ['releasing-authority', 'officer', 'auditor', 'security-officer', 'admin'],
      extra,
    );
    // Every page of the navigation was reached by someone, and the item and agreement pages.
    for (const p of [
      '#/',
      '#/agreements',
      '#/alerts',
      '#/inbox',
      '#/outbox',
      '#/items',
      '#/consents',
      '#/audit',
      '#/people',
      '#/simulator',
      ...extra,
    ]) {
      expect(seen, `nobody reached ${p}`).toContain(p);
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('JP’s releasing authority, the originator’s side, in en, ja and ko: the same checks', async () => {
    const items = await http(
      demo.nodes.JP.url,
      'GET',
      '/v1/items',
      demo.nodes.JP.tokens['releasing-authority'],
    );
    const own = (items.body as { id: string }[])[0];
    expect(own, 'JP holds the items it made').toBeDefined();
    const extra = [`#/items/${encodeURIComponent(own?.id ?? '')}`, '#/agreements/tisa-2014'];
    const { seen, problems } = await tour('JP', ['releasing-authority'], extra);
    for (const p of ['#/', '#/alerts', '#/outbox', '#/items', ...extra]) {
      expect(seen, `JP's releasing authority did not reach ${p}`).toContain(p);
    }
    expect(problems).toEqual([]);
  }, 600_000);

  it('the glyph check can fail: without CJK fonts the Korean overview shows boxes', async () => {
    // A fontconfig that sees only the Latin fonts (DejaVu, Liberation), not Noto CJK.
    const dir = mkdtempSync(join(tmpdir(), 'liaison-fonts-'));
    writeFileSync(
      join(dir, 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig><dir>/usr/share/fonts/truetype</dir><cachedir>${dir}/cache</cachedir></fontconfig>\n`,
    );
    const bare = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
      env: { ...process.env, FONTCONFIG_FILE: join(dir, 'fonts.conf') },
    });
    try {
      const page = await bare.newPage({ viewport: { width: 1280, height: 900 } });
      await signIn(page, 'KR', 'officer');
      await chooseLanguage(page, 'ko');
      await open(page, demo.nodes.KR.url, '#/');
      const boxes = await missingGlyphs(page);
      // Hangul in the interface itself (the navigation's 개요 …) is drawn as boxes.
      expect(boxes.length).toBeGreaterThan(10);
      expect(boxes.some((g) => /\p{Script=Hangul}/u.test(g.char))).toBe(true);
    } finally {
      await bare.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
