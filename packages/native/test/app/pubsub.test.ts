import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { WebSocket as AppSocket } from '../../src/app/websocket.js';
import { type Listening, listen, openClient, waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

/** Collects a ws client's messages as strings. */
function inbox(ws: WebSocket): string[] {
  const got: string[] = [];
  ws.on('message', (d: Buffer) => got.push(d.toString()));
  return got;
}

describe.each(transportKinds)('App pub/sub (%s)', (transport) => {
  let server: Listening | undefined;
  afterEach(() => {
    server?.app.close();
    server = undefined;
  });

  it('delivers app.publish once to each subscriber; ws.publish skips the sender', async () => {
    const subscriptions: string[] = [];
    server = await listen(transport, (app) =>
      app.ws('/*', {
        message: (ws, message) => {
          const [cmd, topic, text] = Buffer.from(message).toString().split(' ');
          if (cmd === 'sub') {
            ws.subscribe(topic);
            ws.subscribe(topic); // twice: still one subscription
            ws.send('ok');
          } else if (cmd === 'unsub') {
            ws.unsubscribe(topic);
            ws.send('ok');
          } else if (cmd === 'pub') ws.publish(topic, text);
        },
        subscription: (_ws, topic, newCount, oldCount) => subscriptions.push(`${topic}:${oldCount}->${newCount}`),
      }),
    );
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => openClient(server!.url)));
    const [ga, gb, gc] = [a, b, c].map(inbox);
    for (const ws of [a, b]) ws.send('sub news');
    c.send('sub sport');
    await waitFor(() => ga.length + gb.length + gc.length === 3, 5000, 'subscriptions');
    expect(server.app.numSubscribers('news')).toBe(2);
    expect(server.app.numSubscribers('sport')).toBe(1);
    expect(server.app.numSubscribers('none')).toBe(0);

    expect(server.app.publish('news', 'extra!')).toBe(true);
    expect(server.app.publish('none', 'nobody')).toBe(false);
    a.send('pub news from-a');
    await waitFor(() => gb.length === 3, 5000, 'b gets both');
    await new Promise((r) => setTimeout(r, 50));
    expect(ga).toEqual(['ok', 'extra!']);
    expect(gb).toEqual(['ok', 'extra!', 'from-a']);
    expect(gc).toEqual(['ok']);
    expect(subscriptions.sort()).toEqual(['news:0->1', 'news:1->2', 'sport:0->1']);

    b.send('unsub news');
    await waitFor(() => gb.length === 4);
    expect(server.app.numSubscribers('news')).toBe(1);
    for (const ws of [a, b, c]) ws.close();
  });

  it('unsubscribes a closed socket (with subscription events) and exposes topics', async () => {
    const events: string[] = [];
    let socket: AppSocket | undefined;
    server = await listen(transport, (app) =>
      app.ws('/*', {
        open: (ws) => {
          socket = ws;
          ws.subscribe('a');
          ws.subscribe('b');
          expect(ws.getTopics().sort()).toEqual(['a', 'b']);
          expect(ws.isSubscribed('a')).toBe(true);
        },
        subscription: (_ws, topic, newCount, oldCount) => events.push(`${topic}:${oldCount}->${newCount}`),
      }),
    );
    const ws = await openClient(server.url);
    await waitFor(() => socket !== undefined);
    expect(server.app.numSubscribers('a')).toBe(1);
    ws.close();
    await waitFor(() => events.length === 4, 5000, 'implicit unsubscriptions');
    expect(events).toEqual(['a:0->1', 'b:0->1', 'a:1->0', 'b:1->0']);
    expect(server.app.numSubscribers('a')).toBe(0);
  });

  it('publishes binary and text to many subscribers, framing once', async () => {
    server = await listen(transport, (app) => app.ws('/*', { open: (ws) => ws.subscribe('all') }));
    const clients = await Promise.all(Array.from({ length: 20 }, () => openClient(server!.url)));
    await waitFor(() => server!.app.numSubscribers('all') === 20);
    const got = clients.map(() => [] as Array<[string, boolean]>);
    clients.forEach((ws, i) => ws.on('message', (d: Buffer, isBinary: boolean) => got[i].push([d.toString('hex'), isBinary])));
    server.app.publish('all', new Uint8Array([1, 2]), true);
    server.app.publish('all', 'hi');
    await waitFor(() => got.every((g) => g.length === 2), 5000, 'all deliveries');
    for (const g of got) expect(g).toEqual([['0102', true], [Buffer.from('hi').toString('hex'), false]]);
    for (const ws of clients) ws.close();
  });
  it('frames each publish anew inside one batch, even of the same buffer changed in between', async () => {
    server = await listen(transport, (app) =>
      app.ws('/*', {
        open: (ws) => ws.subscribe('t'),
        message: () => {
          // All inside one batch: every publish shares the send buffer until it is flushed.
          const buffer = Buffer.from('aaaa');
          app.publish('t', buffer, true);
          buffer.write('bbbb');
          app.publish('t', buffer, true);
          app.publish('t', 'same');
          app.publish('t', 'same', true);
          app.publish('t', new Uint8Array([1, 2, 3]).buffer, true);
        },
      }),
    );
    const clients = await Promise.all(Array.from({ length: 4 }, () => openClient(server!.url)));
    await waitFor(() => server!.app.numSubscribers('t') === 4);
    const got = clients.map(() => [] as Array<[string, boolean]>);
    clients.forEach((ws, i) => ws.on('message', (d: Buffer, isBinary: boolean) => got[i].push([d.toString('hex'), isBinary])));
    clients[0].send('go');
    await waitFor(() => got.every((g) => g.length === 5), 5000, 'all deliveries');
    const hex = (text: string) => Buffer.from(text).toString('hex');
    for (const g of got) expect(g).toEqual([[hex('aaaa'), true], [hex('bbbb'), true], [hex('same'), false], [hex('same'), true], ['010203', true]]);
    for (const ws of clients) ws.close();
  });

  it('publishes every frame size intact, and the caller may reuse its buffer at once', async () => {
    server = await listen(transport, (app) => app.ws('/*', { maxPayloadLength: 1 << 20, open: (ws) => ws.subscribe('all') }));
    const clients = await Promise.all(Array.from({ length: 3 }, () => openClient(server!.url)));
    await waitFor(() => server!.app.numSubscribers('all') === 3);
    const got = clients.map(() => [] as Array<[Buffer, boolean]>);
    clients.forEach((ws, i) => ws.on('message', (d: Buffer, isBinary: boolean) => got[i].push([d, isBinary])));
    // 7-bit, 16-bit and 64-bit lengths; the last is larger than a quarter of the send arena.
    const sizes = [125, 126, 65535, 65536, 300 * 1024];
    const sent: Buffer[] = [];
    for (const size of sizes) {
      const buffer = Buffer.alloc(size);
      for (let i = 0; i < size; i++) buffer[i] = (i * 7 + size) & 0xff;
      sent.push(Buffer.from(buffer));
      server.app.publish('all', buffer, true);
      buffer.fill(0); // reused by the caller right after publish
    }
    server.app.publish('all', 'text as binary', true);
    await waitFor(() => got.every((g) => g.length === sizes.length + 1), 10_000, 'all deliveries');
    for (const g of got) {
      sizes.forEach((_, k) => {
        expect(g[k][1]).toBe(true);
        expect(g[k][0].equals(sent[k])).toBe(true);
      });
      expect(g[sizes.length]).toEqual([Buffer.from('text as binary'), true]);
    }
    for (const ws of clients) ws.close();
  });
});
