// The console's alert stream resumes after a cut (issue 13): a KR officer's console
// reaches KR through a TCP balancer; the balancer drops every connection and refuses
// new ones while JP sends a FLASH alert; when KR is reachable again the console
// reconnects on its own with `?after=` the last event it had, and the alert arrives
// on the live board (its card and the banner) without the page being reloaded and
// without the node saying events were missed. A stream that started afresh instead
// would not show it: after its first `ready` the console reads the list again only
// when the node says `missed`.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Balancer, startBalancer } from '../support/balancer.js';
import { http } from '../support/node-process.js';
import { type Demo, launchChromium, startDemo, submitSignIn } from './support.js';

let demo: Demo;
let browser: Browser;
let page: Page;
let lb: Balancer;

beforeAll(async () => {
  // A port range of its own (the other e2e files use 20,000–55,000).
  demo = await startDemo(56_000 + 10 * Math.floor(Math.random() * 400));
  lb = await startBalancer([new URL(demo.nodes.KR.url).host]);
  browser = await launchChromium();
  page = await browser.newPage();
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await lb?.close();
  await demo?.stop();
});

/** The stream's state as the Alerts page shows it. */
const streamStatus = () =>
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
    await submitSignIn(page, lb.url, 'kr-officer', demo.password);
    await page.getByTestId('page-overview').waitFor();
    await page.goto(`${lb.url}/#/alerts`);
    await page.getByTestId('page-alerts').waitFor();
    await expect.poll(streamStatus, { timeout: 15_000 }).toBe('open');
    // One alert live first: the console then holds that event's id.
    const first = await send();
    await page.getByTestId(`alert-card-${first}`).waitFor({ timeout: 15_000 });

    // The cut: every connection dropped, new ones refused.
    lb.setBackends([]);
    lb.dropAll();
    await expect.poll(streamStatus, { timeout: 10_000 }).toBe('reconnecting');
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
    lb.setBackends([new URL(demo.nodes.KR.url).host]);
    await expect.poll(streamStatus, { timeout: 20_000 }).toBe('open');
    await page.getByTestId(`alert-card-${second}`).waitFor({ timeout: 15_000 });
    // Once each: the first alert's card is not doubled by the replay.
    expect(await page.getByTestId(`alert-card-${first}`).count()).toBe(1);
    expect(await page.getByTestId(`alert-card-${second}`).count()).toBe(1);
  }, 120_000);
});
