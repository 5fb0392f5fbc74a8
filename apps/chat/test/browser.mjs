/**
 * Debian's Chromium, headless, driven by playwright-core (which downloads no browser of its
 * own). Each launch gets a fresh profile in a temp dir; a failing test leaves its screenshots
 * there and prints the path.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The system Chromium (Debian's `chromium` package); CHROMIUM_PATH points elsewhere. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ci = process.env.CI === 'true';

/**
 * Why browser tests cannot run here, or undefined when they can. Under CI=true a missing browser
 * is not a reason to skip: the tests run and fail.
 */
export const skipBrowserReason = (() => {
  if (existsSync(CHROMIUM) || ci) return undefined;
  const reason = `SKIPPING browser tests: no Chromium at ${CHROMIUM} (install Debian's chromium: apt-get install chromium, or set CHROMIUM_PATH)`;
  console.warn(reason);
  return reason;
})();

const FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Starts Chromium with a fresh profile.
 * @param {string} label names the temp dir
 */
export async function launchBrowser(label) {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: CI must install Debian's chromium (apt-get install chromium)`);
  const dir = mkdtempSync(join(tmpdir(), `uws-${label}-`));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    chromiumSandbox: false,
    args: FLAGS,
    viewport: { width: 760, height: 560 },
    timeout: 30_000,
  });
  context.setDefaultTimeout(10_000);
  return {
    context,
    dir,
    /**
     * Runs a test body; on failure saves a screenshot of every open page into `dir` (kept, path
     * printed) and rethrows. On success the temp dir goes.
     * @param {() => Promise<void>} body
     */
    async run(body) {
      try {
        await body();
      } catch (err) {
        const pages = context.pages();
        for (let i = 0; i < pages.length; i++) {
          await pages[i].screenshot({ path: join(dir, `failure-page-${i}.png`) }).catch(() => {});
        }
        console.error(`browser test failed; screenshots of ${pages.length} page(s) kept in ${dir}`);
        await context.close().catch(() => {});
        throw err;
      }
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the element's text is exactly `text` and returns it.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string} text
 */
export async function textBecomes(page, selector, text) {
  await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent === t, [selector, text]);
  return page.textContent(selector);
}
