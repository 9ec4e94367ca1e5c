// End-to-end support: `liaison demo` as a real process (and a lone node that requires
// a second factor), Debian's Chromium driven by playwright-core, a screenshot of every
// page (test-results/screenshots, not committed), and an axe-core check of every page.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import { type Browser, chromium, type Page } from 'playwright-core';
import { BIN, liaison, ROOT, startNodeProcess } from '../support/node-process.js';

export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export interface DemoNode {
  readonly party: string;
  readonly url: string;
  /** The console username per role (`<party>-<role>`). */
  readonly users: Record<string, string>;
  readonly tokens: Record<string, string>;
}

export interface Demo {
  readonly nodes: Record<'JP' | 'KR' | 'US', DemoNode>;
  readonly password: string;
  stop(): Promise<void>;
}

/** Starts `liaison demo` on its own ports and data directory; resolves once it is ready. */
export async function startDemo(portBase: number): Promise<Demo> {
  const dir = mkdtempSync(join(tmpdir(), 'liaison-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'demo', '--port-base', String(portBase), '--data', dir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LIAISON_TOKEN: '', LIAISON_NODE: '' },
    },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${out}`)), 90_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (/Liaison demo (started|resumed)/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString('utf8');
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited (${code}):\n${out}`));
    });
  });
  const file = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as {
    nodes: DemoNode[];
    password: string;
  };
  const nodes = Object.fromEntries(file.nodes.map((n) => [n.party, n])) as Demo['nodes'];
  return {
    nodes,
    password: file.password,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export interface TotpNode {
  readonly url: string;
  /** The first admin's API token (node init). */
  readonly adminToken: string;
  stop(): Promise<void>;
}

/**
 * A lone JP node initialized with --require-totp, still in setup: password sign-in
 * without a second factor gives a token that may only enrol one.
 */
export async function startTotpNode(): Promise<TotpNode> {
  const dir = join(mkdtempSync(join(tmpdir(), 'liaison-e2e-totp-')), 'data');
  const r = liaison([
    'node',
    'init',
    '--party',
    'JP',
    '--data',
    dir,
    '--port',
    '0',
    '--require-totp',
    '--json',
  ]);
  if (r.code !== 0) throw new Error(`node init failed: ${r.err}`);
  const adminToken = (JSON.parse(r.out) as { admin: { token: string } }).admin.token;
  const node = await startNodeProcess(dir);
  return { url: node.url, adminToken, stop: () => node.stop() };
}

/**
 * The RFC 6238 code of a base32 secret as an authenticator app makes it (SHA-1, 6
 * digits, 30 s), `stepsAhead` periods from now: a node accepts a code once, and ±1
 * step, so the code after the one just used signs in at once.
 */
export function totpCode(secret: string, stepsAhead = 0): string {
  return new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({ timestamp: Date.now() + stepsAhead * 30_000 });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
}

let shot = 0;
/** Saves a full-page screenshot named after the test step. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  shot += 1;
  const path = join(SCREENSHOTS, `${String(shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/** Runs axe-core (WCAG 2 A and AA rules) on the page; returns the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated through the DevTools protocol: the console's CSP forbids inline scripts,
  // and the test must not weaken it.
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (o: unknown) => Promise<unknown> } }).axe;
    const r = (await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    })) as {
      violations: { id: string; impact: string | null; help: string; nodes: unknown[] }[];
    };
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A character the page shows that no font on the machine has (it renders as a box). */
export interface MissingGlyph {
  readonly char: string;
  readonly codePoint: string;
  /** Where it was seen: the start of the text it is in. */
  readonly in: string;
}

/**
 * The characters of the page's visible text (and of `extra`) that render as the
 * missing-glyph box. Each non-ASCII character is drawn on a canvas in the font of the
 * element it is in and compared, pixel for pixel, with a character no font has (a
 * private-use code point of plane 16): Chromium draws both as the primary font's
 * .notdef box when no font on the machine has the glyph. `extra` lets a test show that
 * the check does find a box (a private-use character is one on every machine).
 */
export function missingGlyphs(page: Page, extra = ''): Promise<MissingGlyph[]> {
  return page.evaluate((extraText: string) => {
    type El = { parentElement: El | null; textContent: string | null };
    const g = globalThis as unknown as {
      document: {
        body: El;
        createElement(tag: 'canvas'): {
          width: number;
          height: number;
          getContext(kind: '2d'): {
            font: string;
            fillStyle: string;
            textBaseline: string;
            clearRect(x: number, y: number, w: number, h: number): void;
            fillText(t: string, x: number, y: number): void;
            getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
          } | null;
        };
        createTreeWalker(root: El, what: number): { nextNode(): El | null };
      };
      getComputedStyle(e: El): { fontFamily: string; display: string; visibility: string };
    };
    const canvas = g.document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 64;
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2d canvas');
    const draw = (text: string, family: string): string => {
      ctx.clearRect(0, 0, 64, 64);
      ctx.font = `40px ${family}`;
      ctx.fillStyle = '#000';
      ctx.textBaseline = 'top';
      ctx.fillText(text, 4, 4);
      const d = ctx.getImageData(0, 0, 64, 64).data;
      let s = '';
      for (let i = 3; i < d.length; i += 4) s += (d[i] ?? 0) > 127 ? '1' : '0';
      return s;
    };
    const NOWHERE = String.fromCodePoint(0x10fffd);
    const found = new Map<string, { char: string; codePoint: string; in: string }>();
    const boxes = new Map<string, string>();
    const check = (text: string, family: string) => {
      const box = boxes.get(family) ?? draw(NOWHERE, family);
      boxes.set(family, box);
      for (const ch of text) {
        if ((ch.codePointAt(0) ?? 0) < 0x80 || /\s/u.test(ch) || found.has(ch)) continue;
        if (draw(ch, family) === box) {
          found.set(ch, {
            char: ch,
            codePoint: `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`,
            in: text.trim().slice(0, 40),
          });
        }
      }
    };
    // Text nodes (NodeFilter.SHOW_TEXT = 4), in the font of their element.
    const walker = g.document.createTreeWalker(g.document.body, 4);
    for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
      const el = n.parentElement;
      if (el === null || n.textContent === null || !/[^ -~\s]/.test(n.textContent)) continue;
      const style = g.getComputedStyle(el);
      if (style.display === 'none' || style.visibility === 'hidden') continue;
      check(n.textContent, style.fontFamily);
    }
    if (extraText !== '') check(extraText, g.getComputedStyle(g.document.body).fontFamily);
    return [...found.values()];
  }, extra);
}

/** Fills and submits the password form of the sign-in page (wherever it leads). */
export async function submitSignIn(
  page: Page,
  base: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByTestId('page-signin').waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}
