// The chat in a real browser: Debian's chromium driven by playwright-core, two pages in one
// room. Without chromium this fails under CI=true and is skipped (loudly) elsewhere.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium } from 'playwright-core';
import { createChatServer } from '../src/chat-server.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = !existsSync(CHROMIUM);
if (missing && process.env.CI === 'true') throw new Error(`chromium is required under CI (apt-get install chromium); not found at ${CHROMIUM}`);
if (missing) console.warn(`SKIPPED browser chat test: chromium not found at ${CHROMIUM} (apt-get install chromium)`);

describe.skipIf(missing)('the chat page in chromium', () => {
  let chat;
  let url;
  let browser;
  let profile;

  beforeAll(async () => {
    chat = createChatServer();
    url = `http://127.0.0.1:${await chat.listen(0)}/`;
    profile = mkdtempSync(join(tmpdir(), 'chat-profile-'));
    // A fresh profile directory (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    chat?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function joinAs(name) {
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('#name', name);
    await page.fill('#room', 'lobby');
    await page.click('#join button');
    await page.waitForSelector('body[data-joined="lobby"]');
    return page;
  }

  it('two pages chat in a room, over websocket after the upgrade', async () => {
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
  });
});
