/**
 * Debian's Chromium, headless, driven by playwright-core (which downloads no browser of its
 * own). Each launch gets a fresh profile in a temp dir; a failure saves a screenshot of every
 * open page there, keeps the dir and prints its path.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { isExecutable, missingServiceError, skipReason } from './availability.mjs';

/** The browser: CHROMIUM_PATH, else Debian's `chromium` package. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_INSTALL = 'apt-get install chromium, or set CHROMIUM_PATH';

/** The flags every launch passes (playwright adds --user-data-dir for the fresh profile). */
export const CHROMIUM_FLAGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

const missing = () => (isExecutable(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM}`);

/**
 * Why `suite` is skipped here (printed with console.warn), or undefined when it runs: the browser
 * is there, or CI=true (then `launchChromium()` throws and the tests fail).
 * @param {string} suite names the tests in the warning
 * @returns {string | undefined}
 */
export function chromiumSkipReason(suite) {
  return skipReason({ suite, missing: missing(), install: CHROMIUM_INSTALL });
}

/**
 * Starts Chromium with a fresh profile in a new temp dir.
 * @param {{ label: string, viewport?: { width: number, height: number }, defaultTimeout?: number }} options
 * @returns {Promise<import('./chromium.js').Chromium>}
 */
export async function launchChromium({ label, viewport, defaultTimeout }) {
  const why = missing();
  if (why !== undefined) throw missingServiceError(why, CHROMIUM_INSTALL);
  const dir = mkdtempSync(join(tmpdir(), `uws-${label}-`));
  let context;
  try {
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      args: [...CHROMIUM_FLAGS],
      ...(viewport === undefined ? {} : { viewport }),
      timeout: 30_000,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  if (defaultTimeout !== undefined) context.setDefaultTimeout(defaultTimeout);
  const ctx = context;
  let failures = 0;
  let closed = false;

  /** @param {() => Promise<void>} body */
  async function step(body) {
    try {
      await body();
    } catch (err) {
      failures++;
      const pages = ctx.pages();
      for (let i = 0; i < pages.length; i++) {
        await pages[i].screenshot({ path: join(dir, `failure-${failures}-page-${i}.png`) }).catch(() => {});
      }
      console.error(`browser test failed; screenshots of ${pages.length} page(s) kept in ${dir}`);
      throw err;
    }
  }

  async function close() {
    if (closed) return;
    closed = true;
    await ctx.close().catch(() => {});
    if (failures === 0) rmSync(dir, { recursive: true, force: true });
  }

  return {
    context: ctx,
    dir,
    get failed() {
      return failures > 0;
    },
    step,
    close,
    async run(body) {
      try {
        await step(body);
      } finally {
        await close();
      }
    },
  };
}

/**
 * Waits until the element's text is exactly `text` and returns it.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string} text
 * @returns {Promise<string | null>}
 */
export async function textBecomes(page, selector, text) {
  await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, text]);
  return page.textContent(selector);
}
