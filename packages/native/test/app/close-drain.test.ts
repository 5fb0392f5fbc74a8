/**
 * `ws.end()` after a large send: the data queued ahead of the close frame reaches a slow reader
 * before the close frame does, the close handshake's timeout starts only once the close frame
 * was written, and `closeDrainTimeout` bounds the drain for a peer that never reads.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, listen, openClient, waitFor } from '../support/app-harness.js';
import { rawConnect, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

const MiB = 1024 * 1024;

/** What one client received, and how it closed. */
interface Received {
  messages: number;
  bytes: number;
  lastText: string;
  code: number;
}

describe.each(transportKinds)('App end() after queued data (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('12 slow readers with 4 MiB queued each get all of it, then a 1001 close, though they read only after 6 s', async () => {
    const CLIENTS = 12;
    const payload = Buffer.alloc(4 * MiB, 0x5a);
    let closeHandlers = 0;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxBackpressure: 16 * MiB,
        message: (ws) => {
          // 4 MiB, then a small text behind it, then the close frame.
          ws.send(payload, true);
          ws.send('last', false);
          ws.end(1001, 'going away');
        },
        close: () => closeHandlers++,
      }),
    );
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => openClient(server!.url)));
    const results = clients.map(
      (ws) =>
        new Promise<Received>((resolve) => {
          const got: Received = { messages: 0, bytes: 0, lastText: '', code: 0 };
          ws.on('message', (data: Buffer, isBinary) => {
            got.messages++;
            got.bytes += data.length;
            if (!isBinary) got.lastText = data.toString();
          });
          ws.on('close', (code) => resolve({ ...got, code }));
        }),
    );
    for (const ws of clients) {
      ws.pause();
      ws.send('go');
    }
    // Longer than the 4 s close-handshake timeout, which used to start at end().
    await new Promise((r) => setTimeout(r, 6000));
    for (const ws of clients) ws.resume();
    const received = await Promise.all(results);
    expect(closeHandlers).toBe(CLIENTS);
    expect(received).toEqual(Array.from({ length: CLIENTS }, () => ({ messages: 2, bytes: 4 * MiB + 4, lastText: 'last', code: 1001 })));
  }, 30_000);

  it('closeDrainTimeout drops a peer that never reads, instead of holding its data forever', async () => {
    const queued = 32 * MiB;
    let ended = false;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxBackpressure: 0,
        closeDrainTimeout: 1,
        open: (ws) => {
          ws.send(Buffer.alloc(queued), true);
          ws.end(1001);
          ended = true;
        },
      }),
    );
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest());
    // Never read until the server gave up: its drain bound is 1 s (timers are coarse, ±1 s).
    socket.pause();
    await waitFor(() => ended, 5000, 'end()');
    await new Promise((r) => setTimeout(r, 3500));
    let bytes = 0;
    const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
    socket.on('error', () => {});
    socket.resume();
    await closedSocket;
    // The kernel buffers held a few MiB; the rest was dropped with the connection.
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(queued);
  }, 20_000);

  it('closeDrainTimeout rejects a negative value', async () => {
    await expect(listen(transport, (app) => app.ws('/*', { closeDrainTimeout: -1 }))).rejects.toThrow(/closeDrainTimeout must be a number ≥ 0/);
  });
});
