/**
 * The socket handed to `handleUpgrade` keeps acting on the connection after the upgrade, on
 * each transport: engine.io rejects a websocket-only handshake (a failing `generateId`) after
 * the 101 by writing a 400 to that socket and destroying it; ending it closes gracefully.
 */
import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS from 'ws';
import { WebSocketServer } from '../src/index.js';
import { kinds, shutdown } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

type Action = (socket: Duplex) => void;

/** An HTTP server whose upgrades go to a noServer WebSocketServer, then `act` on the raw socket. */
async function serve(transport: 'node' | 'epoll', act: Action, when: 'sync' | 'later') {
  const wss = new WebSocketServer({ noServer: true, transport });
  cleanups.push(() => shutdown(wss));
  const closes: number[] = [];
  const httpServer = http.createServer();
  httpServer.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('close', (code) => closes.push(code));
      if (when === 'sync') act(socket);
      else setTimeout(() => act(socket), 20);
    });
  });
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  cleanups.push(() => new Promise((r) => httpServer.close(r)));
  return { url: `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`, closes, wss };
}

/** A ws client's view: whether it opened, what it received raw, how it closed. */
async function observe(url: string) {
  const c = new RealWS(url);
  let opened = false;
  const errors: string[] = [];
  c.on('open', () => (opened = true));
  c.on('error', (e) => errors.push(e.message));
  // Not events.once: it rejects on the 'error' a client emits for the 400 or the bad frame.
  const code = await new Promise<number>((resolve) => c.on('close', resolve));
  return { opened, code, errors };
}

const abort: Action = (socket) => {
  // engine.io's abortUpgrade, verbatim in behaviour.
  if (socket.writable) socket.write('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 11\r\n\r\nBad request');
  socket.destroy();
};

describe.each(kinds)('the socket given to handleUpgrade, after the upgrade, on the %s transport', (transport) => {
  for (const when of ['sync', 'later'] as const) {
    it(`write + destroy (engine.io's abortUpgrade, ${when}) closes the connection`, async () => {
      const { url, closes } = await serve(transport, abort, when);
      const seen = await observe(url);
      // The 400 after the 101 reaches a client as an invalid frame (as with ws).
      expect(seen.opened).toBe(true);
      expect(seen.errors).toEqual(['Invalid WebSocket frame: RSV1 must be clear']);
      expect(seen.code).toBe(1006);
      await expect.poll(() => closes, { timeout: 5000 }).toEqual([1006]);
    });

    it(`end (${when}) closes the connection`, async () => {
      const { url, closes } = await serve(transport, (socket) => socket.end(), when);
      const seen = await observe(url);
      expect(seen.opened).toBe(true);
      expect(seen.code).toBe(1006);
      await expect.poll(() => closes.length, { timeout: 5000 }).toBe(1);
    });
  }

  it('closes when the peer ends the TCP connection without a close frame (HTTP sockets are half-open)', async () => {
    const { url, closes } = await serve(transport, () => {}, 'sync');
    const port = Number(new URL(url).port);
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    raw.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const clientClosed = once(raw, 'close');
    await once(raw, 'data');
    raw.end();
    await expect.poll(() => closes, { timeout: 5000 }).toEqual([1006]);
    await clientClosed;
  });

  it('reports writable while the connection is open, and not after', async () => {
    let raw: Duplex | undefined;
    const { url, closes } = await serve(transport, (socket) => (raw = socket), 'sync');
    const c = new RealWS(url);
    await once(c, 'open');
    expect(raw!.writable).toBe(true);
    c.close();
    await expect.poll(() => closes.length, { timeout: 5000 }).toBe(1);
    expect(raw!.writable).toBe(false);
  });
});
