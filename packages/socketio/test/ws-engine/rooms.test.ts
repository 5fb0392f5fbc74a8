/**
 * Rooms on the wsEngine face: join, leave, several rooms, `except`, and the broadcast path:
 * socket.io-adapter pre-encodes a text broadcast (`Sender.frame` + `_sender.sendFrame`) and
 * engine.io hands a binary attachment over as one Buffer per recipient; from the second
 * recipient of a tick on, the face writes one shared frame (the native transport copies it once).
 */
import { Buffer } from 'node:buffer';
import type { Socket as ClientSocket } from 'socket.io-client';
import type { Socket as ServerSocket } from 'socket.io';
import { afterEach, describe, expect, it } from 'vitest';
import { client, kinds, next, runCleanups, startIo, waitFor } from './harness.js';

afterEach(runCleanups);

/** Collects every `event` a client receives. */
function collect(c: ClientSocket, event: string): unknown[] {
  const got: unknown[] = [];
  c.on(event, (value: unknown) => got.push(value));
  return got;
}

describe.each(kinds)('rooms on the wsEngine face on the %s transport', (kind) => {
  async function world(count: number, transports: Array<'polling' | 'websocket'>[]) {
    const { io, url } = await startIo(kind);
    const server = new Map<string, ServerSocket>();
    io.on('connection', (socket) => {
      server.set(socket.handshake.auth.name as string, socket);
    });
    const clients: ClientSocket[] = [];
    for (let i = 0; i < count; i++) {
      const c = client(url, { transports: transports[i % transports.length], auth: { name: `c${i}` } });
      clients.push(c);
    }
    await Promise.all(clients.map((c) => next(c, 'connect')));
    await waitFor(() => server.size === count, 5000, 'server sockets');
    return { io, server, clients };
  }

  it('delivers to a room, to several rooms once, with except, and stops after leave', async () => {
    const { io, server, clients } = await world(5, [['websocket'], ['polling']]);
    const got = clients.map((c) => collect(c, 'news'));
    const s = (i: number) => server.get(`c${i}`)!;
    void s(0).join('a');
    void s(1).join(['a', 'b']);
    void s(2).join('b');
    void s(3).join('c');
    io.to('a').emit('news', 'to a');
    io.to(['a', 'b']).emit('news', 'to a+b');
    io.to(['a', 'b']).except('b').emit('news', 'to a except b');
    io.except('c').emit('news', 'all except c');
    s(1).to('b').emit('news', 'from 1 to b'); // the sender is left out
    void s(1).leave('a');
    io.to('a').emit('news', 'to a after 1 left');
    io.to('c').emit('news', 'last');
    await waitFor(() => got[3].includes('last'), 5000, 'the last broadcast');
    await waitFor(() => got[0].includes('to a after 1 left'), 5000, 'the broadcast after leave');
    await new Promise((r) => setTimeout(r, 50));
    expect(got[0]).toEqual(['to a', 'to a+b', 'to a except b', 'all except c', 'to a after 1 left']);
    expect(got[1]).toEqual(['to a', 'to a+b', 'all except c']);
    expect(got[2]).toEqual(['to a+b', 'all except c', 'from 1 to b']);
    expect(got[3]).toEqual(['last']);
    expect(got[4]).toEqual(['all except c']);
    expect([...s(1).rooms].sort()).toEqual(['b', s(1).id].sort());
  });

  it('frames a broadcast once for its websocket recipients (text and binary), with acks on the same path', async () => {
    const n = 6;
    const { io, server, clients } = await world(n, [['websocket']]);
    const gotText = clients.map((c) => collect(c, 'text'));
    const gotBin = clients.map((c) => collect(c, 'bin'));
    // Count the shared writes of the native transport (node:net has none: each write references the frame).
    const transport = (server.get('c0')!.conn.transport as unknown as { socket: { _hub: { transport: Record<string, unknown> } } }).socket._hub.transport;
    let shared = 0;
    const original = transport.writeShared as ((id: number, d: Uint8Array) => boolean) | undefined;
    if (original !== undefined) {
      transport.writeShared = (id: number, d: Uint8Array) => {
        shared++;
        return original.call(transport, id, d);
      };
    }
    try {
      for (let i = 0; i < 3; i++) io.emit('text', `message ${i} ${'x'.repeat(i * 300)}`);
      io.emit('bin', Buffer.from([1, 2, 3, 4]));
      io.emit('bin', Buffer.alloc(70_000, 5));
      await waitFor(() => gotBin.every((g) => g.length === 2), 5000, 'binary broadcasts');
    } finally {
      if (original !== undefined) transport.writeShared = original;
    }
    for (const g of gotText) expect(g).toEqual([0, 1, 2].map((i) => `message ${i} ${'x'.repeat(i * 300)}`));
    for (const g of gotBin) {
      expect([...Buffer.from(g[0] as ArrayBuffer)]).toEqual([1, 2, 3, 4]);
      const big = Buffer.from(g[1] as ArrayBuffer);
      expect(big.length).toBe(70_000);
      expect(big.every((b) => b === 5)).toBe(true);
    }
    // Every recipient after the first of each of the 5 messages (the binary ones: the attachment),
    // and the binary messages' header packet, which engine.io sends to each socket as a string:
    // strings are remembered by value, and both binary broadcasts (in one tick) have the same
    // header, so only its very first write takes the usual path.
    if (kind === 'epoll') expect(shared).toBe(5 * (n - 1) + (2 * n - 1));
    // Broadcast with acknowledgements from every client.
    for (const c of clients) c.on('ask', (q: string, ack: (r: string) => void) => ack(`${q}!`));
    const answers = (await io.timeout(2000).emitWithAck('ask', 'q')) as string[];
    expect(answers).toEqual(Array(n).fill('q!'));
  });

  it('frames a Buffer anew when it is broadcast again on a later tick after a change', async () => {
    const { io, clients } = await world(3, [['websocket']]);
    const got = clients.map((c) => collect(c, 'bin'));
    const data = Buffer.from([1, 2, 3]);
    io.emit('bin', data);
    await waitFor(() => got.every((g) => g.length === 1), 5000, 'the first broadcast');
    data[0] = 9;
    io.emit('bin', data);
    await waitFor(() => got.every((g) => g.length === 2), 5000, 'the second broadcast');
    for (const g of got) expect(g.map((b) => [...Buffer.from(b as ArrayBuffer)])).toEqual([[1, 2, 3], [9, 2, 3]]);
  });
});
