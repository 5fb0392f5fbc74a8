import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type Listening, listen, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

const CONNECTIONS = 1000;

describe.each(transportKinds)('App with %s: 1000 connections', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('opens, echoes, broadcasts to and closes 1000 connections in bounded time', { timeout: 20_000 }, async () => {
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
    await waitFor(() => opened === CONNECTIONS, 10_000, 'server opens');
    clients.forEach((ws, i) => ws.send(String(i)));
    await waitFor(() => echoes.size === CONNECTIONS, 10_000, 'echoes');
    expect(server.app.numSubscribers('all')).toBe(CONNECTIONS);
    server.app.publish('all', 'broadcast');
    await waitFor(() => broadcasts.size === CONNECTIONS, 10_000, 'broadcasts');
    for (const ws of clients) ws.close();
    await waitFor(() => closedCount === CONNECTIONS, 10_000, 'closes');
    expect(server.app.numSubscribers('all')).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
