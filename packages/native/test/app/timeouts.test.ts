import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { TemplatedApp } from '../../src/app/app.js';
import { type Listening, closed, deferred, listen, openClient } from '../support/app-harness.js';
import { rawConnect, readUntil, readUntilClose, upgradeRequest } from '../support/raw-socket.js';
import { type TransportKind, transportKinds } from '../support/transports.js';

/** Runs `body` with a listening app, closing it afterwards. */
async function withServer(
  transport: TransportKind,
  setup: (app: TemplatedApp) => void,
  body: (server: Listening) => Promise<void>,
): Promise<void> {
  const server = await listen(transport, setup);
  try {
    await body(server);
  } finally {
    server.app.close();
  }
}

// Each test waits on real timers for seconds: they run concurrently, each on its own app.
describe.concurrent.each(transportKinds)('App timeouts (%s)', (transport) => {
  it('reaps a half-open peer (no pongs) by the idle timeout, after pinging it', async () => {
    const code = deferred<number>();
    const setup = (app: TemplatedApp) => app.ws('/*', { idleTimeout: 2, close: (_ws, c) => code.resolve(c) });
    await withServer(transport, setup, async (server) => {
      const socket = await rawConnect(server.port);
      socket.write(upgradeRequest());
      await readUntil(socket, (t) => t.includes('\r\n\r\n'));
      const started = Date.now();
      const rest = readUntilClose(socket, 8000);
      expect(await code.promise).toBe(1006);
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(1900);
      expect(elapsed).toBeLessThan(5000);
      const { bytes, closedByServer } = await rest;
      expect(closedByServer).toBe(true);
      expect(bytes[0]).toBe(0x89); // the automatic ping it never answered
    });
  });

  it('keeps a live peer open: its pongs answer the automatic pings', async () => {
    const closes: number[] = [];
    const setup = (app: TemplatedApp) => app.ws('/*', { idleTimeout: 2, close: (_ws, c) => closes.push(c) });
    await withServer(transport, setup, async (server) => {
      const ws = await openClient(server.url);
      await once(ws, 'ping'); // sent at half the idle timeout
      await new Promise((r) => setTimeout(r, 2500));
      expect(closes).toEqual([]);
      const done = closed(ws);
      ws.close(1000);
      expect((await done).code).toBe(1000);
    });
  });

  it('drops an idle peer at idleTimeout when pings are off', async () => {
    const setup = (app: TemplatedApp) => app.ws('/*', { idleTimeout: 1, sendPingsAutomatically: false });
    await withServer(transport, setup, async (server) => {
      const ws = await openClient(server.url);
      let pinged = false;
      ws.on('ping', () => (pinged = true));
      const started = Date.now();
      expect((await closed(ws)).code).toBe(1006);
      expect(Date.now() - started).toBeLessThan(3500);
      expect(pinged).toBe(false);
    });
  });

  it('closes gracefully with 1001 after maxLifetime', async () => {
    // maxLifetime is in minutes; 0.03 min ≈ 2 s keeps the test short.
    await withServer(transport, (app) => app.ws('/*', { maxLifetime: 0.03 }), async (server) => {
      const ws = await openClient(server.url);
      const started = Date.now();
      const { code, reason } = await closed(ws);
      expect(code).toBe(1001);
      expect(reason).toBe('max lifetime reached');
      expect(Date.now() - started).toBeLessThan(4500);
    });
  });

  it('ends a subscribed socket at maxLifetime and unsubscribes it (topics and lifetime kept together)', async () => {
    const events: string[] = [];
    const setup = (app: TemplatedApp) =>
      app.ws('/*', {
        maxLifetime: 0.03,
        open: (ws) => {
          ws.subscribe('news');
          ws.subscribe('sport');
          ws.unsubscribe('sport');
          events.push(`open ${ws.getTopics().join(',')}`);
        },
        close: (ws, code) => events.push(`close ${code} ${ws.getTopics().join(',')}`),
        subscription: (_ws, topic, newCount) => events.push(`${topic} ${newCount}`),
      });
    await withServer(transport, setup, async (server) => {
      const ws = await openClient(server.url);
      const { code } = await closed(ws);
      expect(code).toBe(1001);
      expect(events).toEqual(['news 1', 'sport 1', 'sport 0', 'open news', 'close 1001 news', 'news 0']);
      expect(server.app.numSubscribers('news')).toBe(0);
    });
  });
});
