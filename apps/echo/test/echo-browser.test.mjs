import { afterEach, describe, expect, it } from 'vitest';
import { us_socket_local_port } from '@uws/native';
import { createEchoApp } from '../src/echo-app.mjs';
import { chromiumSkipReason, launchChromium } from '@uws/test-services/chromium';

describe.skipIf(chromiumSkipReason('the echo browser test') !== undefined)('the echo page in headless Chromium', () => {
  let app;
  afterEach(() => app?.close());

  it('connects with permessage-deflate and round-trips what is typed', async () => {
    app = createEchoApp();
    const token = await new Promise((resolve) => app.listen('127.0.0.1', 0, resolve));
    expect(token).toBeTruthy();
    const browser = await launchChromium({ label: 'echo-browser', viewport: { width: 760, height: 560 }, defaultTimeout: 10_000 });
    await browser.run(async () => {
      const page = await browser.context.newPage();
      await page.goto(`http://127.0.0.1:${us_socket_local_port(token)}/`);
      await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('connected'));
      // Chromium offers permessage-deflate and the App's SHARED_COMPRESSOR accepts it.
      expect(await page.textContent('#status')).toContain('permessage-deflate');
      for (const text of ['hello', 'ünïcødé ✓', 'x'.repeat(5000)]) {
        await page.fill('#text', text);
        await page.click('button');
        await page.waitForFunction((t) => document.getElementById('log')?.textContent?.includes(`: ${t}\n`), text);
      }
      const lines = (await page.textContent('#log')).trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[1]).toMatch(/^echo \(\d+\.\d ms\): ünïcødé ✓$/);
      expect(lines[2].endsWith('x'.repeat(5000))).toBe(true);
    });
  });
});
