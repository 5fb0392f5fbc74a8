// Regenerates screenshot.png (the root README's picture): the chat served on a free loopback
// port, two users in one room side by side in headless Chromium, one of them typing.
// Run: pnpm --filter @uws/chat screenshot   (needs Debian's chromium)
import { fileURLToPath } from 'node:url';
import { launchChromium } from '@uws/test-services/chromium';
import { startChat } from '../test/server-start.mjs';

const out = fileURLToPath(new URL('../screenshot.png', import.meta.url));
const { app, port } = await startChat();
const browser = await launchChromium({ label: 'chat-screenshot', viewport: { width: 760, height: 560 }, defaultTimeout: 10_000 });
try {
  await browser.run(async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1100, height: 520 });
    await page.setContent(`<body style="margin:0;display:flex;gap:12px;background:#c9ced6;padding:12px">
      <iframe name="ana" src="http://127.0.0.1:${port}/" style="flex:1;height:496px;border:0;border-radius:8px"></iframe>
      <iframe name="bo" src="http://127.0.0.1:${port}/" style="flex:1;height:496px;border:0;border-radius:8px"></iframe></body>`);
    const frame = async (name) => {
      const f = page.frame({ name });
      await f.waitForSelector('#join:not([disabled])');
      return f;
    };
    const [ana, bo] = [await frame('ana'), await frame('bo')];
    for (const [f, name] of [[ana, 'ana'], [bo, 'bo']]) {
      await f.fill('#name', name);
      await f.click('#join');
      await f.waitForSelector('#text:not([disabled])');
    }
    const say = async (f, text) => {
      await f.fill('#text', text);
      await f.press('#text', 'Enter');
      await (f === ana ? bo : ana).locator('#log li', { hasText: text }).waitFor();
    };
    await say(ana, 'hi bo! this page is served by the App itself, no framework');
    await say(bo, 'and every line goes out as one publish to the room topic');
    await say(ana, 'open a third tab and watch the presence count');
    await bo.type('#text', 'nice, the typing ind');
    await ana.waitForFunction(() => document.getElementById('typing')?.textContent === 'bo is typing…');
    await page.screenshot({ path: out });
  });
  console.log(`wrote ${out}`);
} finally {
  app.close();
}
