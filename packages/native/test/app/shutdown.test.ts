/**
 * `app.shutdown()`: stop accepting, every open WebSocket gets its queued data then a 1001 close,
 * close handlers run, and the listener and the loop are released once the handshakes are done
 * (or the timeout dropped the rest). `app.close()` stays the forced close of uWebSockets.js.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Listening, closed, listen, openClient } from '../support/app-harness.js';
import { rawConnect, upgradeRequest } from '../support/raw-socket.js';
import { transportKinds } from '../support/transports.js';

const MiB = 1024 * 1024;

interface Received {
  bytes: number;
  lastText: string;
  code: number;
  reason: string;
}

describe.each(transportKinds)('App shutdown (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('12 slow readers with 4 MiB queued get all of it then 1001; close handlers run; the port is released', async () => {
    const CLIENTS = 12;
    const payload = Buffer.alloc(4 * MiB, 0x33);
    const closes: number[] = [];
    let opened = 0;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        maxBackpressure: 16 * MiB,
        open: () => opened++,
        message: (ws) => {
          ws.send(payload, true);
          ws.send('last', false);
        },
        close: (_ws, code) => closes.push(code),
      }),
    );
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => openClient(server!.url)));
    const results = clients.map(
      (ws) =>
        new Promise<Received>((resolve) => {
          const got = { bytes: 0, lastText: '' };
          ws.on('message', (data: Buffer, isBinary) => {
            got.bytes += data.length;
            if (!isBinary) got.lastText = data.toString();
          });
          ws.on('close', (code, reason) => resolve({ ...got, code, reason: reason.toString() }));
        }),
    );
    for (const ws of clients) {
      ws.pause();
      ws.send('go');
    }
    await new Promise((r) => setTimeout(r, 300));
    const done = server.app.shutdown();
    // Stopped accepting at once.
    await expect(openClient(server.url)).rejects.toThrow();
    expect(closes).toEqual(Array.from({ length: CLIENTS }, () => 1001));
    // The readers wake up after the close handshake's 4 s would have passed.
    await new Promise((r) => setTimeout(r, 5000));
    for (const ws of clients) ws.resume();
    const received = await Promise.all(results);
    await done;
    expect(opened).toBe(CLIENTS);
    expect(received).toEqual(Array.from({ length: CLIENTS }, () => ({ bytes: 4 * MiB + 4, lastText: 'last', code: 1001, reason: 'server shutting down' })));
    // The listener is released: the port can be bound again.
    const again = net.createServer();
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(server!.port, '127.0.0.1', resolve));
    await new Promise((r) => again.close(r));
  }, 30_000);

  it('the timeout drops a peer that never answers, and shutdown() still resolves', async () => {
    const closes: number[] = [];
    server = await listen(transport, (app) => app.ws('/*', { close: (_ws, code) => closes.push(code) }));
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest());
    socket.on('error', () => {});
    await new Promise((r) => setTimeout(r, 200));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.resume(); // reads, but never answers the close frame
    const started = Date.now();
    await server.app.shutdown({ timeout: 1 });
    await ended;
    expect(closes).toEqual([1001]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  }, 15_000);

  it('shutdown() with nothing open resolves, twice the same promise; close() after it is a no-op', async () => {
    server = await listen(transport, (app) => app.ws('/*', {}));
    const a = server.app.shutdown();
    expect(server.app.shutdown()).toBe(a);
    await a;
    server.app.close();
  });

  it('rejects a bad timeout or code', async () => {
    server = await listen(transport, (app) => app.ws('/*', {}));
    expect(() => server!.app.shutdown({ timeout: 0 })).toThrow(/timeout must be a number > 0/);
    expect(() => server!.app.shutdown({ code: 999 })).toThrow(/close code/);
    expect(() => server!.app.closeOnSignal({ timeout: -5 })).toThrow(/timeout must be a number > 0/);
  });

  it('close() stays forced: queued data is dropped and close handlers see 1006', async () => {
    const closes: number[] = [];
    server = await listen(transport, (app) => app.ws('/*', { close: (_ws, code) => closes.push(code) }));
    const ws = await openClient(server.url);
    const done = closed(ws);
    server.app.close();
    expect(closes).toEqual([1006]);
    expect((await done).code).toBe(1006);
  });
});
