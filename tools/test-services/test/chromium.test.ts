/** The launcher against the real Chromium: fresh profile, flags, screenshots kept on failure. */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHROMIUM_FLAGS, chromiumSkipReason, launchChromium, textBecomes } from '@uws/test-services/chromium';

describe.skipIf(chromiumSkipReason('the chromium launcher test of @uws/test-services'))('launchChromium (real chromium)', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><p id="t">before</p><script>setTimeout(() => (document.getElementById("t").textContent = "after ✓"), 100)</script>');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/`;
  });
  afterAll(() => {
    server?.close();
  });

  it('loads a page with the fixed flags and a fresh profile; removes the temp dir after a passing run', async () => {
    expect(CHROMIUM_FLAGS).toContain('--disable-quic');
    const browser = await launchChromium({ label: 'test-services', viewport: { width: 640, height: 480 } });
    const { dir } = browser;
    expect(readdirSync(dir)).toEqual(['profile']);
    await browser.run(async () => {
      const page = await browser.context.newPage();
      await page.goto(url);
      expect(await textBecomes(page, '#t', 'after ✓')).toBe('after ✓');
      expect(await page.evaluate(() => [window.innerWidth, window.innerHeight])).toEqual([640, 480]);
      expect(await page.evaluate(() => navigator.userAgent)).toContain('Chrome');
    });
    expect(existsSync(dir)).toBe(false);
  });

  it('a failing body: a screenshot of every page kept in the temp dir, its path printed, the error rethrown', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const browser = await launchChromium({ label: 'test-services-fail' });
    try {
      await expect(
        browser.run(async () => {
          for (let i = 0; i < 2; i++) await (await browser.context.newPage()).goto(url);
          throw new Error('the body failed');
        }),
      ).rejects.toThrow('the body failed');
      expect(browser.failed).toBe(true);
      const pages = browser.context.pages().length;
      expect(readdirSync(browser.dir).filter((f) => f.endsWith('.png')).length).toBeGreaterThanOrEqual(2);
      expect(pages).toBe(0); // closed
      expect(String(error.mock.calls[0][0])).toContain(browser.dir);
    } finally {
      error.mockRestore();
      rmSync(browser.dir, { recursive: true, force: true });
    }
  });
});
