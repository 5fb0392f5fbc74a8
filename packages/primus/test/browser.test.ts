/**
 * The primus.js that Primus generates with UwsTransformer (Primus's `websockets` client code,
 * serialized into the library) in a real browser: Debian's chromium, headless, driven by
 * playwright-core, against Primus on Node's http server over loopback.
 *
 * Needs `/usr/bin/chromium` (Debian: `apt-get install chromium`, or CHROMIUM_PATH). Under
 * CI=true a missing browser fails the test; elsewhere the test is skipped with a warning.
 */
import { type Chromium, type Page, chromiumSkipReason, launchChromium } from '@uws/test-services/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { next, startPrimus, type Started } from './support/primus-server.js';

const PAGE = `<!doctype html><meta charset="utf-8"><title>primus on uws</title>
<script src="/primus/primus.js"></script>
<pre id="log"></pre>
<script>
  window.log = [];
  window.say = (line) => { window.log.push(line); document.getElementById('log').textContent += line + '\\n'; };
</script>`;

describe.skipIf(chromiumSkipReason('the browser test of @uws/primus') !== undefined)('primus.js in headless Chromium', () => {
  let s: Started;
  let browser: Chromium | undefined;
  let page: Page;

  beforeAll(async () => {
    s = await startPrimus('tcp', { pingInterval: 1000 }, undefined, (server) => {
      server.on('request', (req, res) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(PAGE);
      });
    });
    browser = await launchChromium({ label: 'primus-browser' });
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${s.httpUrl}/`);
  });

  afterAll(async () => {
    if (browser?.failed && page) console.error(`browser test failed: page log: ${JSON.stringify(await page.evaluate('window.log').catch(() => []))}`);
    await browser?.close();
    await s?.close();
  });

  /** Runs `body`; a failure keeps a screenshot of the page (the launcher prints where). */
  const step = (name: string, body: () => Promise<void>) => it(name, () => browser!.step(body));

  step('connects, passes the query string, and echoes JSON in order', async () => {
     
    const sparkP = next<any>(s.primus, 'connection');
     
    s.primus.on('connection', (spark: any) => spark.on('data', (d: unknown) => spark.write({ echo: d })));
    const received = await page.evaluate(
      () =>
        new Promise<unknown[]>((resolve, reject) => {
           
          const w = globalThis as any;
          const primus = new w.Primus(w.location.origin + '/?from=chromium', { reconnect: { min: 50, max: 200, retries: 10 } });
          w.primus = primus;
          const got: unknown[] = [];
          primus.on('data', (d: unknown) => {
            got.push(d);
            if (got.length === 50) resolve(got);
          });
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- runs in the page: playwright reports the message string as it is
          primus.on('error', (e: Error) => reject(e.message));
          primus.once('open', () => {
            w.say('open');
            for (let i = 0; i < 50; i++) primus.write({ i, text: 'ünïcödé ' + i });
          });
          setTimeout(() => reject(new Error('timeout, got ' + got.length)), 10_000);
        }),
    );
    expect(received).toEqual(Array.from({ length: 50 }, (_, i) => ({ echo: { i, text: `ünïcödé ${i}` } })));
    const spark = await sparkP;
    expect(spark.query.from).toBe('chromium');
    expect(spark.headers['user-agent']).toContain('Chrome');
    // Served by @uws/ws-compat on the native loop.
    expect(spark.socket._socket._hub.transport.kind).toBe('epoll');
  });

  step("answers the server's heartbeats", async () => {
     
    const [spark] = Object.values<any>(s.primus.connections);
    await next(spark, 'heartbeat', 5000);
    await next(spark, 'heartbeat', 5000);
    const pings = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
           
          const primus = (globalThis as any).primus;
          let n = 0;
          primus.on('incoming::ping', () => {
            if (++n === 2) resolve(n);
          });
        }),
    );
    expect(pings).toBe(2);
  });

  step('reconnects when the server ends the spark with reconnect, and ends for good on end()', async () => {
    // The page records the client's lifecycle events from here on.
    await page.evaluate(() => {
       
      const w = globalThis as any;
      w.events = [];
      for (const e of ['reconnect scheduled', 'reconnected', 'open', 'end']) w.primus.on(e, () => w.events.push(e));
    });
    const events = (): Promise<string[]> => page.evaluate<string[]>('window.events');
     
    const [spark] = Object.values<any>(s.primus.connections);
    const again = next(s.primus, 'connection');
    spark.end(undefined, { reconnect: true });
    await page.waitForFunction("window.events.includes('reconnected')", undefined, { timeout: 10_000 });
     
    const second: any = await again;
    const before = await events();
    expect(before[0]).toBe('reconnect scheduled');
    expect([...before].sort()).toEqual(['open', 'reconnect scheduled', 'reconnected']);

    second.end({ bye: 1 });
    await page.waitForFunction("window.events.includes('end')", undefined, { timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 500));
    // Ended for good: nothing scheduled after the end.
    expect((await events()).slice(before.length)).toEqual(['end']);
    expect(s.primus.connected).toBe(0);
  });
});
