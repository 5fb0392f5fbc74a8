/**
 * `UwsAdapter`: broadcasts to websocket clients of the native engine go through native topics
 * or the same frames per socket, with Socket.IO's semantics. Each scenario runs on the
 * in-memory adapter too, and both must deliver exactly the same.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import { Adapter } from 'socket.io-adapter';
import type { Socket } from 'socket.io';
import { type StartedIo, delay, once, startIo } from '../engine/engine-harness.js';
import { UwsAdapter } from '../../src/index.js';

/** The socket.io client's engine internals these tests reach into (not in its types). */
type ClientEngine = { transport: { ws: { close(): void; send(data: string): void } } };

let server: StartedIo | undefined;
const clients: ClientSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server?.close();
  server = undefined;
});

async function join(transports: string[], nsp = '/'): Promise<[ClientSocket, Socket]> {
  const serverSide = once<[Socket]>(server!.io.of(nsp), 'connection');
  const c = ioc(`${server!.url}${nsp}`, { forceNew: true, reconnection: false, transports });
  clients.push(c);
  const [s] = await serverSide;
  if (!c.connected) await once(c, 'connect');
  if (transports.length > 1 && s.conn.transport.name !== 'websocket') await once(s.conn, 'upgrade');
  return [c, s];
}

const WS = ['websocket'];
const POLLING = ['polling'];
const UPGRADED = ['polling', 'websocket'];

/** Runs the room scenario and returns what each client got. */
async function roomScenario(adapter: unknown): Promise<{ got: unknown[][]; flushes: number }> {
  server = await startIo({}, { adapter: adapter as never });
  const sides: Array<[ClientSocket, Socket]> = [];
  for (const t of [WS, POLLING, WS, UPGRADED, WS]) sides.push(await join(t));
  const [a, b, c, d, e] = sides.map(([, s]) => s);
  void a.join(['red', 'blue']);
  void b.join(['red', 'blue']);
  void c.join('red');
  void d.join('blue');
  void e.join('green');
  const got = sides.map(() => [] as unknown[]);
  sides.forEach(([cl], i) => cl.onAny((event: string, ...args: unknown[]) => got[i].push(args.length === 1 ? args[0] : [event, ...args])));
  await delay(30);
  let flushes = 0;
  server.engine.on('flush', () => flushes++);
  server.io.to('red').emit('m', 'red');
  server.io.to(['red', 'blue']).emit('m', 'red+blue');
  server.io.to('red').except('blue').emit('m', 'red-blue');
  server.io.except('green').emit('m', 'all-green');
  server.io.emit('m', 'everyone');
  server.io.to('blue').emit('m', { bin: Buffer.from([1, 2, 3]) });
  server.io.to('blue').volatile.emit('m', 'volatile');
  server.io.to('blue').compress(false).emit('m', 'uncompressed');
  a.to('red').emit('m', 'from a to red');
  a.broadcast.emit('m', 'a broadcast');
  void c.leave('red');
  server.io.to('red').emit('m', 'red after c left');
  await delay(150);
  for (const entry of got) for (let i = 0; i < entry.length; i++) {
    const v = entry[i] as { bin?: Uint8Array };
    if (v && typeof v === 'object' && v.bin) entry[i] = `bin:${Buffer.from(v.bin).toString('hex')}`;
  }
  await server.close();
  server = undefined;
  return { got, flushes };
}

describe('UwsAdapter', () => {
  it('delivers exactly what the in-memory adapter delivers, each packet once, with far fewer engine writes', async () => {
    const reference = await roomScenario(Adapter);
    const native = await roomScenario(UwsAdapter);
    expect(native.got).toEqual(reference.got);
    expect(reference.got[0]).toEqual(['red', 'red+blue', 'all-green', 'everyone', 'bin:010203', 'volatile', 'uncompressed', 'red after c left']);
    // The polling client's GET was just answered by the packet before: `volatile` drops it there.
    expect(reference.got[1]).toEqual(['red', 'red+blue', 'all-green', 'everyone', 'bin:010203', 'uncompressed', 'from a to red', 'a broadcast', 'red after c left']);
    expect(reference.got[2]).toEqual(['red', 'red+blue', 'red-blue', 'all-green', 'everyone', 'from a to red', 'a broadcast']);
    expect(reference.got[3]).toEqual(['red+blue', 'all-green', 'everyone', 'bin:010203', 'volatile', 'uncompressed', 'a broadcast']);
    expect(reference.got[4]).toEqual(['everyone', 'a broadcast']);
    // Only the polling client's packets go through the engine's write path with UwsAdapter.
    expect(native.flushes).toBeLessThan(reference.flushes / 3);
  });

  it('moves a polling session to native delivery when it upgrades, keeping order and once-only delivery', async () => {
    server = await startIo({}, { adapter: UwsAdapter as never });
    const serverSide = once<[Socket]>(server.io, 'connection');
    const c = ioc(server.url, { forceNew: true, reconnection: false });
    clients.push(c);
    const [s] = await serverSide;
    void s.join('room');
    const got: number[] = [];
    c.on('n', (n: number) => got.push(n));
    const upgraded = once(s.conn, 'upgrade');
    let n = 0;
    const timer = setInterval(() => server!.io.to('room').emit('n', n++), 2);
    await upgraded;
    await delay(50);
    clearInterval(timer);
    await delay(100);
    expect(got.length).toBe(n);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('keeps rooms of two namespaces apart', async () => {
    server = await startIo({}, { adapter: UwsAdapter as never });
    const [c1, s1] = await join(WS, '/one');
    const [c2, s2] = await join(WS, '/two');
    void s1.join('same');
    void s2.join('same');
    const got: string[] = [];
    c1.on('m', (x: string) => got.push(`one:${x}`));
    c2.on('m', (x: string) => got.push(`two:${x}`));
    server.io.of('/one').to('same').emit('m', 'a');
    server.io.of('/two').emit('m', 'b');
    await delay(80);
    expect(got.sort()).toEqual(['one:a', 'two:b']);
  });

  it('runs broadcasts with acks (emitWithAck, timeout) on the base path', async () => {
    server = await startIo({}, { adapter: UwsAdapter as never });
    const [c1, s1] = await join(WS);
    const [c2, s2] = await join(POLLING);
    void s1.join('r');
    void s2.join('r');
    c1.on('q', (x: number, ack: (v: number) => void) => ack(x + 1));
    c2.on('q', (x: number, ack: (v: number) => void) => ack(x + 2));
    const answers = (await server.io.to('r').timeout(2000).emitWithAck('q', 10)) as number[];
    expect(answers.sort()).toEqual([11, 12]);
  });

  it('ends the session of a client that does not read once room broadcasts pass maxBackpressure (no silent loss)', async () => {
    const { startEngine } = await import('../engine/engine-harness.js');
    const { Server } = await import('socket.io');
    const started = await startEngine({}, '/socket.io', { maxBackpressure: 256 * 1024 });
    const io = new Server({ adapter: UwsAdapter as never });
    io.bind(started.engine);
    server = { ...started, io, close: () => Promise.resolve(void io.close()) };
    const connected = once<[Socket]>(io, 'connection');
    const { connect } = await import('node:net');
    const raw = connect(started.port, '127.0.0.1', () => {
      raw.write(
        `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      // "40" (connect to "/") as a masked text frame with a zero mask key.
      raw.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x34, 0x30]));
      raw.pause(); // then never reads
    });
    clients.push({ disconnect: () => raw.destroy() } as never);
    const [s] = await connected;
    void s.join('room');
    const reason = once<[string]>(s, 'disconnect');
    const chunk = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 1024 && s.connected; i++) {
      io.to('room').emit('m', chunk);
      if (i % 64 === 63) await delay(5);
    }
    expect((await reason)[0]).toBe('transport error');
  });

  it('works with connectionStateRecovery: missed room broadcasts are replayed once', async () => {
    server = await startIo({}, { adapter: UwsAdapter as never, connectionStateRecovery: { maxDisconnectionDuration: 5000 } });
    const c = ioc(server.url, { forceNew: true, transports: WS, reconnectionDelay: 50, reconnectionDelayMax: 50 });
    clients.push(c);
    const [s] = await once<[Socket]>(server.io, 'connection');
    await once(c, 'connect');
    void s.join('room');
    const got: string[] = [];
    c.on('m', (x: string) => got.push(x));
    server.io.to('room').emit('m', 'before');
    await delay(50);
    (c.io.engine as unknown as ClientEngine).transport.ws.close();
    await once(s, 'disconnect');
    server.io.to('room').emit('m', 'missed');
    await once(c, 'connect');
    expect(c.recovered).toBe(true);
    server.io.to('room').emit('m', 'after');
    await delay(80);
    expect(got).toEqual(['before', 'missed', 'after']);
  });
});
