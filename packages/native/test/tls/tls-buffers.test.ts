import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TemplatedApp } from '../../src/app/app.js';
import { loadAddon } from '../../src/transport/native-binding.js';
import { CA } from '../support/tls-fixtures.js';
import { type TlsListening, listenTls } from '../support/tls-harness.js';

/**
 * OpenSSL's record buffers on the epoll transport: a busy connection (a few reads and writes
 * within a tick) keeps them between records, an idle one gives them back at the loop's next
 * sweeps (once a second) or, when it only exchanges now and then, right after each record;
 * `releaseBuffers: false` keeps them without any bookkeeping.
 */

const echo = (app: TemplatedApp): void => {
  app.ws('/*', { maxPayloadLength: 1 << 20, message: (ws, message, isBinary) => void ws.send(message, isBinary) });
};

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url, { ca: CA });
  await once(ws, 'open');
  return ws;
}

async function roundTrip(ws: WebSocket, payload: Buffer): Promise<void> {
  const reply = once(ws, 'message');
  ws.send(payload);
  const [data] = (await reply) as [Buffer];
  expect(Buffer.compare(data, payload)).toBe(0);
}

async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return condition();
}

describe('TLS record buffers (epoll)', () => {
  const addon = loadAddon();
  let server: TlsListening | undefined;
  const clients: WebSocket[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.terminate();
    server?.app.close();
    server = undefined;
  });

  it('keeps them while connections are busy and gives them back once they are idle', async () => {
    server = await listenTls('epoll', echo);
    for (let i = 0; i < 3; i++) clients.push(await open(server.url));
    // The upgrade alone (request head in, 101 out) does not make a connection busy.
    expect(addon.tlsBuffersHeld()).toBe(0);
    const payload = Buffer.alloc(20_000, 7); // two records each way
    for (let round = 0; round < 20; round++) await Promise.all(clients.map((c) => roundTrip(c, payload)));
    expect(addon.tlsBuffersHeld()).toBeGreaterThanOrEqual(3);
    // Idle: two sweeps later nothing is held, and the connections are still open.
    expect(await until(() => addon.tlsBuffersHeld() === 0, 10_000)).toBe(true);
    for (const c of clients) expect(c.readyState).toBe(WebSocket.OPEN);
    // An occasional message frees them right after; steady traffic keeps them again.
    await Promise.all(clients.map((c) => roundTrip(c, Buffer.from('once'))));
    expect(addon.tlsBuffersHeld()).toBe(0);
    for (let round = 0; round < 10; round++) await Promise.all(clients.map((c) => roundTrip(c, Buffer.from(`again ${round}`))));
    expect(addon.tlsBuffersHeld()).toBeGreaterThanOrEqual(3);
  });

  it('keeps them without bookkeeping with releaseBuffers false', async () => {
    // (Entries of the previous test's closed sockets leave at the next sweep.)
    expect(await until(() => addon.tlsBuffersHeld() === 0, 10_000)).toBe(true);
    server = await listenTls('epoll', echo, { releaseBuffers: false });
    clients.push(await open(server.url));
    for (let round = 0; round < 5; round++) await roundTrip(clients[0], Buffer.alloc(1000, round));
    expect(addon.tlsBuffersHeld()).toBe(0);
  });
});
