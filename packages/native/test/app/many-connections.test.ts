import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Listening, listen, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

// 5 000 server sockets + 5 000 client sockets stay well under the 20 000 fds one process may hold here.
const CONNECTIONS = 5000;

describe.each(transportKinds)('App with %s: 5000 connections', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('opens, echoes, broadcasts to and closes 5000 connections in bounded time', { timeout: 60_000 }, async () => {
    const started = Date.now();
    let opened = 0;
    let closedCount = 0;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        open: (ws) => {
          opened++;
          ws.subscribe('all');
        },
        message: (ws, message, isBinary) => ws.send(message, isBinary),
        close: () => closedCount++,
      }),
    );
    const clients: WebSocket[] = [];
    const echoes = new Set<number>();
    const broadcasts = new Set<number>();
    const opening: Array<Promise<void>> = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const ws = new WebSocket(server.url, { perMessageDeflate: false });
      clients.push(ws);
      ws.on('message', (data: Buffer) => {
        const text = data.toString();
        if (text === 'broadcast') broadcasts.add(i);
        else if (text === String(i)) echoes.add(i);
      });
      opening.push(new Promise((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }));
    }
    await Promise.all(opening);
    await waitFor(() => opened === CONNECTIONS, 30_000, 'server opens');
    clients.forEach((ws, i) => ws.send(String(i)));
    await waitFor(() => echoes.size === CONNECTIONS, 30_000, 'echoes');
    expect(server.app.numSubscribers('all')).toBe(CONNECTIONS);
    server.app.publish('all', 'broadcast');
    await waitFor(() => broadcasts.size === CONNECTIONS, 30_000, 'broadcasts');
    for (const ws of clients) ws.close();
    await waitFor(() => closedCount === CONNECTIONS, 30_000, 'closes');
    expect(server.app.numSubscribers('all')).toBe(0);
    expect(Date.now() - started).toBeLessThan(45_000);
  });
});
