/**
 * The epoll transport's batch abilities (`Transport#batch`): its send arena lent to the codec
 * as a send buffer, frames recommitted for many sockets, and the unmask function the codec
 * takes as an option. Over real sockets, read back by the codec in the client role.
 */
import { once } from 'node:events';
import net from 'node:net';
import { Connection, Opcode, SharedFrame } from '@uws/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { EpollTransport } from '../../src/transport/epoll-transport.js';
import { NodeTransport } from '../../src/transport/node-transport.js';
import type { SocketId, Transport, TransportHandler } from '../../src/transport/transport.js';

const transports: Array<{ close(): void }> = [];
afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

function until(cond: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - start > ms) reject(new Error('timed out'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

/** An epoll transport with `count` raw TCP clients connected, in order; messages each client decoded. */
async function world(count: number) {
  const opened: SocketId[] = [];
  const closed: SocketId[] = [];
  const handler: TransportHandler = {
    onOpen: (id) => opened.push(id),
    onData: () => {},
    onDrain: () => {},
    onTimeout: () => {},
    onClose: (id) => closed.push(id),
  };
  const t = new EpollTransport();
  transports.push(t);
  t.start(handler);
  const { port } = t.listen({ host: '127.0.0.1', port: 0 });
  const clients: Array<{ socket: net.Socket; got: Array<{ text: string; binary: boolean; length: number }> }> = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const got: Array<{ text: string; binary: boolean; length: number }> = [];
    // The client end of the codec reads what the server side wrote.
    const codec = new Connection({ role: 'client', maxPayloadLength: 64 << 20, handler: { onMessage: (data, binary) => got.push({ text: binary ? '' : Buffer.from(data).toString(), binary, length: data.length }) } });
    socket.on('data', (d) => codec.receive(d));
    clients.push({ socket, got });
    await until(() => opened.length === i + 1);
  }
  return { t, opened, closed, clients };
}

describe('EpollTransport batch: the send arena lent to the codec', () => {
  it('a Connection frames text and binary messages of each length class into it; they arrive in order', async () => {
    const { t, opened, clients } = await world(1);
    const id = opened[0];
    const conn = new Connection({ role: 'server' });
    const sizes = [0, 125, 126, 65_535, 65_536];
    for (const n of sizes) {
      const buffer = t.batch.sendBufferFor(id)!;
      expect(conn.sendTextTo(buffer, 't'.repeat(n))).toEqual([]);
      expect(conn.sendBinaryTo(t.batch.sendBufferFor(id)!, new Uint8Array(n).fill(1))).toEqual([]);
    }
    expect(t.bufferedAmount(id)).toBe(0);
    expect(t.batch.sendBufferFor(id)!.clear).toBe(true);
    await until(() => clients[0].got.length === sizes.length * 2, 10_000);
    expect(clients[0].got.map((m) => [m.binary, m.length])).toEqual(sizes.flatMap((n) => [[false, n], [true, n]]));
    expect(clients[0].got.filter((m) => !m.binary).every((m, i) => m.text === 't'.repeat(sizes[i]))).toBe(true);
    clients[0].socket.destroy();
  });

  it('refuses a reservation over a quarter of the arena; the codec returns that frame for write(), order kept', async () => {
    const { t, opened, clients } = await world(1);
    const id = opened[0];
    const conn = new Connection({ role: 'server' });
    const buffer = t.batch.sendBufferFor(id)!;
    expect(buffer.reserve(buffer.bytes.length)).toBe(-1);
    expect(conn.sendTextTo(buffer, 'before')).toEqual([]);
    const big = new Uint8Array(buffer.bytes.length).fill(9);
    const rest = conn.sendBinaryTo(t.batch.sendBufferFor(id)!, big);
    expect(rest.length).toBeGreaterThan(0);
    for (const chunk of rest) t.write(id, chunk);
    expect(conn.sendTextTo(t.batch.sendBufferFor(id)!, 'after')).toEqual([]);
    await until(() => clients[0].got.length === 3, 10_000);
    expect(clients[0].got.map((m) => [m.binary, m.length, m.text])).toEqual([
      [false, 6, 'before'],
      [true, big.length, ''],
      [false, 5, 'after'],
    ]);
    clients[0].socket.destroy();
  });

  it('a shared frame is written once and recommitted for the other sockets, and anew after the arena flushed', async () => {
    const { t, opened, clients } = await world(3);
    const frame = new SharedFrame().reset(Opcode.TEXT, 'to all');
    const conns = opened.map(() => new Connection({ role: 'server' }));
    const before = t.batch.sendBufferFor(opened[0])!.generation;
    for (let i = 0; i < 3; i++) expect(conns[i].sendSharedTo(t.batch.sendBufferFor(opened[i])!, frame)).toBe(true);
    expect(frame.generation).toBe(before);
    const offset = frame.offset;
    // Outside a batch the arena is flushed on the next microtask: the frame is gone then.
    await until(() => clients.every((c) => c.got.length === 1));
    expect(t.batch.sendBufferFor(opened[0])!.generation).toBeGreaterThan(before);
    expect(t.batch.sendBufferFor(opened[0])!.recommit(offset, frame.length, before)).toBe(false);
    for (let i = 0; i < 3; i++) expect(conns[i].sendSharedTo(t.batch.sendBufferFor(opened[i])!, frame)).toBe(true);
    expect(frame.generation).toBeGreaterThan(before);
    await until(() => clients.every((c) => c.got.length === 2));
    for (const c of clients) expect(c.got.map((m) => m.text)).toEqual(['to all', 'to all']);
    for (const c of clients) c.socket.destroy();
  });

  it('lends nothing for a closed id', async () => {
    const { t, opened, closed, clients } = await world(1);
    const id = opened[0];
    clients[0].socket.destroy();
    await until(() => closed.length === 1);
    expect(t.batch.sendBufferFor(id)).toBeUndefined();
    expect(t.batch.sendBufferFor(-5)).toBeUndefined();
  });

  it('offers its unmask function; node:net has neither batch abilities nor one', () => {
    const t = new EpollTransport();
    transports.push(t);
    const data = new Uint8Array(8).fill(0xff);
    // Key bytes 01 02 03 04 in memory order.
    t.unmask(data, new Uint32Array(new Uint8Array([1, 2, 3, 4]).buffer)[0]);
    expect([...data]).toEqual([0xfe, 0xfd, 0xfc, 0xfb, 0xfe, 0xfd, 0xfc, 0xfb]);
    const n: Transport = new NodeTransport();
    transports.push(n);
    expect(n.batch).toBeUndefined();
    expect(n.unmask).toBeUndefined();
  });
});
