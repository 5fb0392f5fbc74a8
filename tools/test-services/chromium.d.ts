/**
 * Debian's Chromium, headless, driven by playwright-core. Each launch gets a fresh profile in a
 * temp dir; a failure saves a screenshot of every open page there, keeps it and prints its path.
 */
import type { BrowserContext, Page } from 'playwright-core';

export type { BrowserContext, Page };

/** The browser: `CHROMIUM_PATH`, else `/usr/bin/chromium` (Debian's `chromium` package). */
export declare const CHROMIUM: string;
/** How to install it. */
export declare const CHROMIUM_INSTALL: string;
/** The flags every launch passes (`--headless --no-sandbox --disable-gpu ...`). */
export declare const CHROMIUM_FLAGS: readonly string[];

/**
 * Why `suite` is skipped here (also printed with console.warn), or undefined when it runs: the
 * browser is there, or CI=true (then `launchChromium()` throws and the tests fail).
 */
export declare function chromiumSkipReason(suite: string): string | undefined;

export interface LaunchOptions {
  /** Names the temp dir: `<tmpdir>/uws-<label>-XXXXXX`. */
  label: string;
  /** The pages' viewport. Default: playwright's (1280x720). */
  viewport?: { width: number; height: number };
  /** `context.setDefaultTimeout()` for waits and actions. Default: playwright's (30 s). */
  defaultTimeout?: number;
}

export interface Chromium {
  /** The persistent context on the fresh profile. */
  readonly context: BrowserContext;
  /** The temp dir: the profile, and the screenshots of a failure. */
  readonly dir: string;
  /** True once a `step()` failed. */
  readonly failed: boolean;
  /**
   * Runs `body`; when it throws, saves a screenshot of every open page into `dir`, prints the
   * path, remembers the failure (so `close()` keeps `dir`) and rethrows.
   */
  step(body: () => Promise<void>): Promise<void>;
  /** Closes the browser; removes `dir` unless a step failed. Idempotent. */
  close(): Promise<void>;
  /** `step(body)` then `close()`: one test, one browser. */
  run(body: () => Promise<void>): Promise<void>;
}

/** Starts Chromium with a fresh profile. Throws when the browser is missing (what to install). */
export declare function launchChromium(options: LaunchOptions): Promise<Chromium>;

/** Waits until the element's text is exactly `text` and returns it. */
export declare function textBecomes(page: Page, selector: string, text: string): Promise<string | null>;
