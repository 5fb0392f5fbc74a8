import { afterEach, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium, textBecomes } from '@uws/test-services/chromium';
import { startChat } from './server-start.mjs';

describe.skipIf(chromiumSkipReason('the chat browser tests') !== undefined)('the chat page in headless Chromium', () => {
  let app;
  afterEach(() => app?.close());

  /** Opens the page and joins a room under a name. */
  async function joinAs(context, port, name, room = 'lobby') {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('#join:not([disabled])');
    await page.fill('#name', name);
    await page.fill('#room', room);
    await page.click('#join');
    await page.waitForSelector('#text:not([disabled])');
    return page;
  }

  it('two pages join a room, see presence, type, chat, and one leaves', async () => {
    const started = await startChat();
    app = started.app;
    const browser = await launchChromium({ label: 'chat-browser', viewport: { width: 760, height: 560 }, defaultTimeout: 10_000 });
    await browser.run(async () => {
      const ana = await joinAs(browser.context, started.port, 'ana');
      expect(await textBecomes(ana, '#count', '1')).toBe('1');
      expect(await ana.textContent('#room-name')).toBe('#lobby');

      const bo = await joinAs(browser.context, started.port, 'bo');
      expect(await textBecomes(ana, '#count', '2')).toBe('2');
      expect(await textBecomes(bo, '#count', '2')).toBe('2');
      expect(await ana.textContent('#members')).toBe('ana, bo');
      await ana.locator('#log li', { hasText: 'bo joined' }).waitFor();

      // Typing in one page shows the indicator in the other, not in its own.
      await ana.type('#text', 'hello bo');
      expect(await textBecomes(bo, '#typing', 'ana is typing…')).toBe('ana is typing…');
      expect(await ana.textContent('#typing')).toBe('');

      await ana.press('#text', 'Enter');
      const line = bo.locator('#log li', { hasText: 'hello bo' });
      await line.waitFor();
      expect(await line.locator('.who').textContent()).toBe('ana');
      expect(await textBecomes(bo, '#typing', '')).toBe(''); // a message ends the indicator

      await bo.fill('#text', 'hi ana');
      await bo.click('#send');
      await ana.locator('#log li', { hasText: 'hi ana' }).waitFor();
      expect(await ana.locator('#log li.line').allTextContents()).toEqual([
        expect.stringMatching(/ana\s*hello bo$/), expect.stringMatching(/bo\s*hi ana$/),
      ]);

      // A newcomer gets the room's history.
      const cy = await joinAs(browser.context, started.port, 'cy');
      await cy.locator('#log li.line', { hasText: 'hi ana' }).waitFor();
      expect(await cy.locator('#log li.line').count()).toBe(2);
      expect(await textBecomes(ana, '#count', '3')).toBe('3');

      // Closing a page is a leave for the others.
      await bo.close();
      expect(await textBecomes(ana, '#count', '2')).toBe('2');
      await ana.locator('#log li', { hasText: 'bo left' }).waitFor();
      expect(await ana.textContent('#members')).toBe('ana, cy');
      expect(await textBecomes(cy, '#count', '2')).toBe('2');
    });
  });

  it('shows the server refusing a name already taken in the room', async () => {
    const started = await startChat();
    app = started.app;
    const browser = await launchChromium({ label: 'chat-browser', viewport: { width: 760, height: 560 }, defaultTimeout: 10_000 });
    await browser.run(async () => {
      await joinAs(browser.context, started.port, 'ana');
      const other = await browser.context.newPage();
      await other.goto(`http://127.0.0.1:${started.port}/`);
      await other.waitForSelector('#join:not([disabled])');
      await other.fill('#name', 'ANA');
      await other.click('#join');
      const error = other.locator('#log li.error');
      await error.waitFor();
      expect(await error.textContent()).toBe('error: "ANA" is already in lobby');
      expect(await other.isDisabled('#text')).toBe(true);
    });
  });
});
