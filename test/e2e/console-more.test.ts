// The console's release to several parties, in Debian's Chromium against its own
// `liaison demo`: JP's releasing authority ticks KR and US on an item's page and
// releases once (POST /v1/items/{id}/releases), and sees one line per party, both
// allowed with the marking each gives it; once both copies have arrived, the same
// release again is refused for each party (already-held), each line with its reasons
// in words. Screenshots and axe-core on every state visited.
//
// On the same demo, the console's alert stream resumes after a cut (issue 13): a KR
// officer's console reaches KR through a TCP balancer; the balancer drops every
// connection and refuses new ones while JP sends a FLASH alert; when KR is reachable
// again the console reconnects on its own with `?after=` the last event it had, and
// the alert arrives on the live board without the page being reloaded and without
// the node saying events were missed. A stream that started afresh instead would not
// show it: after its first `ready` the console reads the list again only when the
// node says `missed`.
//
// Also on the same demo, the Items page's search box (issue 14): an English title (by a
// prefix), a Japanese and a Korean one found as typed, the originator filter, the
// announced no-results line, a punctuation-only query's 400 shown as an error, and Clear.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../support/balancer.js';
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

let demo: Demo;
let browser: Browser;
let jp: Page;
let itemId = '';
let lb: Balancer | undefined;
const violations: { page: string; found: AxeViolation[] }[] = [];

const JP = () => demo.nodes.JP;

async function visit(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle').catch(() => {});
  await screenshot(page, `release-many-${name}`);
  violations.push({ page: name, found: await seriousViolations(page) });
}

/** Each result line: its party, its decision and the reason codes it shows. */
async function lines(page: Page) {
  return page
    .getByTestId('release-results')
    .locator('[data-party]')
    .evaluateAll((els) =>
      els.map((e) => ({
        party: e.getAttribute('data-party'),
        decision: e.getAttribute('data-decision'),
        reasons: [...e.querySelectorAll('[data-reason-code]')].map((r) =>
          r.getAttribute('data-reason-code'),
        ),
      })),
    );
}

/** The text of one party's line. */
const lineText = (page: Page, party: string) =>
  page.getByTestId('release-results').locator(`[data-party="${party}"]`).innerText();

beforeAll(async () => {
  demo = await startDemo(60_000 + 10 * Math.floor(Math.random() * 400));
  browser = await launchChromium();
  jp = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const created = await http(JP().url, 'POST', '/v1/items', JP().tokens['releasing-authority'], {
    marking: 'GOKUHI',
    categories: ['dprk-missile'],
    title: 'Released to KR and US at once',
    body: 'One SRBM, apogee 60 km.',
  });
  expect(created.status).toBe(201);
  itemId = (created.body as { id: string }).id;
  await submitSignIn(jp, JP().url, JP().users['releasing-authority'] ?? '', demo.password);
  await jp.getByTestId('page-overview').waitFor();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await lb?.close();
  await demo?.stop();
});

describe('releasing an item to several parties from the console', () => {
  it('ticks KR and US and releases once: a line per party, both allowed, each with its marking', async () => {
    await jp.goto(`${JP().url}/#/items/${encodeURIComponent(itemId)}`);
    await jp.getByTestId('page-item').waitFor();
    // A fieldset named by its legend, a labelled checkbox per peer party (not JP itself).
    const group = jp.getByRole('group', { name: 'Recipients (one or more)' });
    await group.waitFor({ timeout: 15_000 });
    expect(await group.getByRole('checkbox').count()).toBe(2);
    expect(await jp.locator('#release-to-JP').count()).toBe(0);
    await group.getByLabel('KR').check();
    await group.getByLabel('US').check();
    await jp.getByTestId('release-submit').click();
    await jp.getByTestId('release-results').waitFor();
    expect(await lines(jp)).toEqual([
      { party: 'KR', decision: 'allow', reasons: ['allowed'] },
      { party: 'US', decision: 'allow', reasons: ['allowed'] },
    ]);
    // Announced: the lines are in a live region.
    expect(await jp.getByTestId('release-results').locator('xpath=..').getAttribute('role')).toBe(
      'status',
    );
    // Each party's marking beside the originator's, as for one party.
    expect(await lineText(jp, 'KR')).toContain('군사II급비밀');
    expect(await lineText(jp, 'KR')).toContain('極秘');
    expect(await lineText(jp, 'US')).toContain('SECRET');
    // Several parties answer in lines, not in the one-party result.
    expect(await jp.getByTestId('release-result').count()).toBe(0);
    await visit(jp, 'allowed');
  });

  it('releases to both again once the copies have arrived: each refused, already-held, its reasons in words', async () => {
    // A party holds the item once its copy is delivered (the receipt comes back).
    await expect
      .poll(
        async () => {
          const out = (
            await http(JP().url, 'GET', '/v1/outbox', JP().tokens['releasing-authority'])
          ).body as { item: string | null; to: string; state: string }[];
          return out
            .filter((e) => e.item === itemId && e.state === 'delivered')
            .map((e) => e.to)
            .sort();
        },
        { timeout: 30_000, interval: 500 },
      )
      .toEqual(['KR', 'US']);
    // The boxes stay ticked: the same release, again.
    expect(await jp.locator('#release-to-KR').isChecked()).toBe(true);
    expect(await jp.locator('#release-to-US').isChecked()).toBe(true);
    await jp.getByTestId('release-submit').click();
    await expect
      .poll(async () => lines(jp), { timeout: 15_000 })
      .toEqual([
        { party: 'KR', decision: 'deny', reasons: ['already-held'] },
        { party: 'US', decision: 'deny', reasons: ['already-held'] },
      ]);
    for (const party of ['KR', 'US']) {
      const text = await lineText(jp, party);
      expect(text).toContain('refused');
      // The reason's label in the reader's words, its rule, and the node's explanation.
      expect(text).toContain('the recipient already holds the item');
      expect(text).toContain('[R6]');
      expect(text).toContain(`${party} already holds ${itemId}`);
    }
    await visit(jp, 'refused');
  });

  it('no page has a serious accessibility violation', () => {
    expect(violations.length).toBe(2);
    expect(violations.filter((v) => v.found.length > 0)).toEqual([]);
  });
});

/** The stream's state as the Alerts page shows it. */
const streamStatus = (page: Page) =>
  page.getByTestId('stream-status').getAttribute('data-status', { timeout: 5_000 });

/** JP's releasing authority sends a launch alert; its id. */
async function send(): Promise<string> {
  const jp = demo.nodes.JP;
  const r = await http(jp.url, 'POST', '/v1/alerts', jp.tokens['releasing-authority'], {
    preset: 'launch',
    to: ['KR'],
    ackWithinSeconds: 3600,
  });
  expect(r.status, r.text).toBe(201);
  return (r.body as { id: string }).id;
}

describe('the console resumes its alert stream after a cut', () => {
  it('an alert sent while the console was cut off arrives live once it is back, not missed', async () => {
    const cut = await startBalancer([new URL(demo.nodes.KR.url).host]);
    lb = cut;
    const page = await browser.newPage();
    await submitSignIn(page, cut.url, 'kr-officer', demo.password);
    await page.getByTestId('page-overview').waitFor();
    await page.goto(`${cut.url}/#/alerts`);
    await page.getByTestId('page-alerts').waitFor();
    await expect.poll(() => streamStatus(page), { timeout: 15_000 }).toBe('open');
    // One alert live first: the console then holds that event's id.
    const first = await send();
    await page.getByTestId(`alert-card-${first}`).waitFor({ timeout: 15_000 });

    // The cut: every connection dropped, new ones refused.
    cut.setBackends([]);
    cut.dropAll();
    await expect.poll(() => streamStatus(page), { timeout: 10_000 }).toBe('reconnecting');
    const second = await send();
    // KR has it before the console can see it.
    await expect
      .poll(
        async () =>
          (
            await http(
              demo.nodes.KR.url,
              'GET',
              `/v1/alerts/${second}`,
              demo.nodes.KR.tokens.officer,
            )
          ).status,
        { timeout: 15_000 },
      )
      .toBe(200);
    expect(await page.getByTestId(`alert-card-${second}`).count()).toBe(0);

    // Back: the console reconnects by itself and the alert comes through the stream.
    cut.setBackends([new URL(demo.nodes.KR.url).host]);
    await expect.poll(() => streamStatus(page), { timeout: 20_000 }).toBe('open');
    await page.getByTestId(`alert-card-${second}`).waitFor({ timeout: 15_000 });
    // Once each: the first alert's card is not doubled by the replay.
    expect(await page.getByTestId(`alert-card-${first}`).count()).toBe(1);
    expect(await page.getByTestId(`alert-card-${second}`).count()).toBe(1);
  }, 120_000);
});

describe('searching the items from the console (issue 14)', () => {
  /** Creates an item at JP with this title; its id. */
  async function create(title: string, body: string): Promise<string> {
    const r = await http(JP().url, 'POST', '/v1/items', JP().tokens['releasing-authority'], {
      marking: 'GOKUHI',
      categories: ['dprk-missile'],
      title,
      body,
    });
    expect(r.status, r.text).toBe(201);
    return (r.body as { id: string }).id;
  }

  /** Types the words into the search box (a labelled searchbox) and submits them. */
  async function search(page: Page, words: string): Promise<void> {
    await page.getByRole('searchbox', { name: 'Search' }).fill(words);
    await page.getByTestId('item-search-submit').click();
    await page.getByTestId('item-search-results').waitFor();
  }

  const results = (page: Page) => page.getByTestId('item-search-results');

  it('finds an English title, a Japanese one and a Korean one; says when nothing matches; clears', async () => {
    const english = await create('Zephyrquartz telemetry summary', 'Routine telemetry notes.');
    const japanese = await create('黒潮観測所の臨時報告', '海面水温の急変について。');
    const korean = await create('동해 해역 특이 동향 보고', '관측 결과 요약.');
    await jp.goto(`${JP().url}/#/items`);
    await jp.getByTestId('page-items').waitFor();
    await jp.getByTestId('items-table').waitFor({ timeout: 15_000 });

    // English, a prefix of the word: the item is listed in the item table's rows.
    await search(jp, 'zephyrqu');
    await results(jp).getByTestId(`item-row-${english}`).waitFor({ timeout: 15_000 });
    expect(await results(jp).locator('tbody tr').count()).toBe(1);
    expect(await jp.getByTestId('search-rows').getAttribute('role')).toBe('status');
    expect(await jp.getByTestId('search-rows').innerText()).toBe('Row 1 of 1');
    // The search is in the fragment; the full list's filters are not shown meanwhile.
    expect(new URL(jp.url()).hash).toBe('#/items?q=zephyrqu');
    expect(await jp.getByTestId('items-filters').count()).toBe(0);
    await screenshot(jp, 'search-english');

    // The node's filters: another originator finds nothing, JP finds it again.
    await jp.getByTestId('item-search-originator').selectOption('KR');
    await jp.getByTestId('item-search-submit').click();
    await results(jp).getByTestId('search-empty').waitFor({ timeout: 15_000 });
    await jp.getByTestId('item-search-originator').selectOption('JP');
    await jp.getByTestId('item-search-submit').click();
    await results(jp).getByTestId(`item-row-${english}`).waitFor({ timeout: 15_000 });
    await jp.getByTestId('item-search-originator').selectOption('');

    // Japanese and Korean as typed (the node does NFKC and the bigrams).
    await search(jp, '黒潮観測');
    await results(jp).getByTestId(`item-row-${japanese}`).waitFor({ timeout: 15_000 });
    expect(await results(jp).locator('tbody tr').count()).toBe(1);
    await search(jp, '특이 동향');
    await results(jp).getByTestId(`item-row-${korean}`).waitFor({ timeout: 15_000 });
    expect(await results(jp).locator('tbody tr').count()).toBe(1);

    // A word that is nowhere: the announced no-results line, no table.
    await search(jp, 'xylophonenowhere');
    const empty = results(jp).getByTestId('search-empty');
    await empty.waitFor({ timeout: 15_000 });
    expect(await empty.innerText()).toBe('No item you may read matches “xylophonenowhere”.');
    expect(await empty.getAttribute('role')).toBe('status');
    expect(await jp.getByTestId('search-table').count()).toBe(0);
    await jp.waitForLoadState('networkidle').catch(() => {});
    await screenshot(jp, 'search-nothing');
    expect(await seriousViolations(jp)).toEqual([]);

    // Punctuation only: the node's 400, shown as the console shows a refusal.
    await search(jp, '!!!');
    const error = results(jp).getByTestId('error');
    await error.waitFor({ timeout: 15_000 });
    expect(await error.innerText()).toContain('Not accepted');

    // Clear: back to the full list, the box empty.
    await jp.getByTestId('item-search-clear').click();
    await jp.getByTestId('items-table').waitFor({ timeout: 15_000 });
    expect(new URL(jp.url()).hash).toBe('#/items');
    expect(await jp.getByTestId('item-search').inputValue()).toBe('');
    expect(await jp.getByTestId('item-search-results').count()).toBe(0);
  }, 120_000);
});

describe("an item's files in the console (issue 14)", () => {
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const PDF = Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );
  // Large enough that its upload reports progress on the way.
  const DATA = Buffer.alloc(6 * 1024 * 1024, 7);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

  it('uploads files with a progress bar, lists them on the item, previews an image and a PDF, downloads one', async () => {
    await jp.goto(`${JP().url}/#/items`);
    await jp.getByTestId('page-items').waitFor();
    await jp.getByTestId('new-item-toggle').click();
    await jp.getByTestId('new-item-form').waitFor();
    await jp.locator('#new-item-marking').selectOption('GOKUHI');
    await jp.locator('#new-item-title').fill('Imagery of the Sohae pad');
    await jp.locator('#new-item-body').fill('Two photographs and the assessment.');
    await jp.locator('#new-item-attach').setInputFiles([
      { name: 'sohae.png', mimeType: 'image/png', buffer: PNG },
      { name: 'assessment.pdf', mimeType: 'application/pdf', buffer: PDF },
      { name: 'telemetry.bin', mimeType: 'application/octet-stream', buffer: DATA },
    ]);
    expect(await jp.getByTestId('pending-file').count()).toBe(3);
    // Every state each progress bar passes through, recorded as the form changes.
    // (A script as text: the tests compile without the DOM's types.)
    await jp.evaluate(`(() => {
      const seen = [];
      window.progressSeen = seen;
      const record = () => {
        for (const li of document.querySelectorAll('[data-testid="pending-file"]')) {
          const bar = li.querySelector('progress');
          if (bar !== null)
            seen.push({
              name: li.getAttribute('data-name') ?? '',
              value: bar.value,
              max: bar.max,
              done: bar.getAttribute('data-done') ?? '',
            });
        }
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        attributes: true,
        childList: true,
      });
    })()`);
    await visit(jp, 'files-chosen');
    await jp.getByTestId('new-item-submit').click();
    await jp.getByTestId('page-item').waitFor({ timeout: 30_000 });
    const seen = (await jp.evaluate('window.progressSeen')) as {
      name: string;
      value: number;
      max: number;
      done: string;
    }[];
    for (const name of ['sohae.png', 'assessment.pdf', 'telemetry.bin'])
      expect(seen.some((s) => s.name === name && s.done === 'yes' && s.value === s.max)).toBe(true);
    expect(seen.find((s) => s.name === 'telemetry.bin')?.max).toBe(DATA.length);

    // The item's page lists the files with their hashes, as the originator signed them.
    const rows = jp.getByTestId('attachment');
    await rows.first().waitFor();
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-sha256')))).toEqual([
      sha(PNG),
      sha(PDF),
      sha(DATA),
    ]);
    expect(await jp.getByTestId('item-files').innerText()).toContain('6.0 MiB');
    // Only images and PDF have a preview.
    expect(await jp.getByTestId('attachment-preview').count()).toBe(2);
    await rows.nth(0).getByTestId('attachment-preview').click();
    const img = jp.getByTestId('preview-image');
    await img.waitFor();
    await jp.waitForFunction(
      `document.querySelector('[data-testid="preview-image"]')?.naturalWidth === 1`,
    );
    await visit(jp, 'files-preview-image');
    await rows.nth(1).getByTestId('attachment-preview').click();
    const frame = jp.getByTestId('preview-pdf');
    await frame.waitFor();
    const src = (await frame.getAttribute('src')) ?? '';
    // The PDF's bytes, held by the page under an object URL (fetched with the token).
    expect(src.startsWith(`blob:${JP().url}`)).toBe(true);
    await visit(jp, 'files-preview-pdf');

    // A download, checked byte for byte.
    const [download] = await Promise.all([
      jp.waitForEvent('download'),
      rows.nth(2).getByTestId('attachment-download').click(),
    ]);
    expect(download.suggestedFilename()).toBe('telemetry.bin');
    const saved = await download.path();
    expect(sha(readFileSync(saved))).toBe(sha(DATA));
    // The states visited here, checked as the first part's are.
    const found = violations.filter((v) => v.page.startsWith('files-') && v.found.length > 0);
    expect(found).toEqual([]);
  }, 120_000);
});
