// The chat in a real browser: Debian's chromium driven by playwright-core, two pages in one
// room. Without chromium this fails under CI=true and is skipped (loudly) elsewhere.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumSkipReason, launchChromium } from '@uws/test-services/chromium';
import { createChatServer } from '../src/chat-server.mjs';

describe.skipIf(chromiumSkipReason('the socketio-chat browser test') !== undefined)('the chat page in chromium', () => {
  let chat;
  let url;
  /** @type {import('@uws/test-services/chromium').Chromium | undefined} */
  let browser;

  beforeAll(async () => {
    chat = createChatServer();
    url = `http://127.0.0.1:${await chat.listen(0)}/`;
    browser = await launchChromium({ label: 'socketio-chat-browser' });
  });

  afterAll(async () => {
    await browser?.close();
    chat?.close();
  });

  async function joinAs(name) {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.fill('#name', name);
    await page.fill('#room', 'lobby');
    await page.click('#join button');
    await page.waitForSelector('body[data-joined="lobby"]');
    return page;
  }

  it('two pages chat in a room, over websocket after the upgrade', () =>
    browser.step(async () => {
      const alice = await joinAs('alice');
      const bob = await joinAs('bob');
      await alice.waitForFunction(() => document.getElementById('transport').textContent === 'websocket');
      await alice.fill('#text', 'hello from alice');
      await alice.press('#text', 'Enter');
      await bob.waitForSelector('#log p:text("alice: hello from alice")');
      await bob.fill('#text', 'hi alice ✓');
      await bob.press('#text', 'Enter');
      await alice.waitForSelector('#log p:text("bob: hi alice ✓")');
      const aliceLog = await alice.$$eval('#log p', (ps) => ps.map((p) => p.textContent));
      expect(aliceLog).toEqual(['you are alice in lobby', 'bob joined', 'alice: hello from alice', 'bob: hi alice ✓']);
    }));
});
