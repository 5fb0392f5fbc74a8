import { once } from 'node:events';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EpollTransport } from '../src/transport/epoll-transport.js';
import type { SocketId, TransportHandler } from '../src/transport/transport.js';

/** A handler that records events and can be told what to do on data. */
function recorder(onData?: (t: EpollTransport, id: SocketId, data: Uint8Array) => void) {
  const log: string[] = [];
  const opened: SocketId[] = [];
  const closed: Array<[SocketId, number]> = [];
  let transport!: EpollTransport;
  const handler: TransportHandler = {
    onOpen: (id, listener) => {
      opened.push(id);
      log.push(`open:${listener}`);
    },
    onData: (id, data) => onData?.(transport, id, data),
    onDrain: (id) => log.push(`drain:${id}`),
    onTimeout: (id) => log.push(`timeout:${id}`),
    onClose: (id, errno) => closed.push([id, errno]),
  };
  return {
    log,
    opened,
    closed,
    handler,
    bind(t: EpollTransport) {
      transport = t;
      t.start(handler);
      return t;
    },
  };
}

const transports: EpollTransport[] = [];
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

describe('EpollTransport', () => {
  it('accepts, echoes bytes in order, and reports the close', async () => {
    const r = recorder((t, id, data) => t.write(id, data));
    const t = r.bind(new EpollTransport());
    transports.push(t);
    const { port } = t.listen({ host: '127.0.0.1', port: 0 });
    expect(port).toBeGreaterThan(0);

    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    const chunks: Buffer[] = [];
    client.on('data', (d) => chunks.push(d));
    const payload = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) & 0xff;
    client.write(payload);
    await until(() => Buffer.concat(chunks).length === payload.length, 10_000);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(r.log[0]).toMatch(/^open:\d+$/);

    client.end();
    await until(() => r.closed.length === 1);
    expect(r.closed[0]).toEqual([r.opened[0], 0]);
  });

  it('keeps each socket\'s bytes in order when writes to many sockets interleave in one flush', async () => {
    // Which accepted socket is which client: each client says its index first.
    const byIndex = new Map<number, SocketId>();
    const r = recorder((_t, id, data) => byIndex.set(data[0], id));
    const t = r.bind(new EpollTransport());
    transports.push(t);
    const { port } = t.listen({ host: '127.0.0.1', port: 0 });
    // More sockets than the smallest grouping table holds, and more writes per socket than one
    // writev takes: the flush groups 40 x 100 interleaved commands per socket.
    const clients = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const c = net.connect(port, '127.0.0.1');
        await once(c, 'connect');
        const got: Buffer[] = [];
        c.on('data', (d) => got.push(d));
        return { c, got };
      }),
    );
    await until(() => r.opened.length === clients.length);
    clients.forEach(({ c }, i) => c.write(Buffer.from([i])));
    await until(() => byIndex.size === clients.length);
    for (let k = 0; k < 100; k++) {
      for (let i = 0; i < clients.length; i++) t.write(byIndex.get(i)!, Buffer.from([i, k]));
    }
    await until(() => clients.every(({ got }) => Buffer.concat(got).length === 200), 10_000);
    clients.forEach(({ got }, i) => {
      const bytes = Buffer.concat(got);
      for (let k = 0; k < 100; k++) expect([bytes[2 * k], bytes[2 * k + 1]]).toEqual([i, k]);
    });
    for (const { c } of clients) c.destroy();
  });

  it('writeShared sends the same bytes to many sockets, also across arena flushes in between', async () => {
    const r = recorder();
    const t = r.bind(new EpollTransport());
    transports.push(t);
    const { port } = t.listen({ host: '127.0.0.1', port: 0 });
    // One at a time, so the i-th client is the i-th socket opened.
    const clients: Array<{ c: net.Socket; received: () => Buffer }> = [];
    for (let i = 0; i < 4; i++) {
      const c = net.connect(port, '127.0.0.1');
      await once(c, 'connect');
      const chunks: Buffer[] = [];
      c.on('data', (d) => chunks.push(d));
      clients.push({ c, received: () => Buffer.concat(chunks) });
      await until(() => r.opened.length === i + 1);
    }
    const [a, b, c, d] = r.opened;
    const shared = Buffer.from('shared frame bytes');
    const other = Buffer.from('other');
    // Larger than a quarter of the arena: written directly, which flushes the arena first.
    const big = Buffer.alloc(600 * 1024, 7);
    expect(t.writeShared(a, shared)).toBe(true);
    expect(t.writeShared(b, shared)).toBe(true);
    t.write(c, big);
    expect(t.writeShared(c, shared)).toBe(true); // the arena was flushed: copied again
    t.write(d, other);
    expect(t.writeShared(d, shared)).toBe(true);
    expect(t.writeShared(a, shared)).toBe(true);
    const expected = new Map<SocketId, Buffer>([
      [a, Buffer.concat([shared, shared])],
      [b, shared],
      [c, Buffer.concat([big, shared])],
      [d, Buffer.concat([other, shared])],
    ]);
    const byId = new Map(r.opened.map((id, i) => [id, clients[i]]));
    await until(() => [...expected].every(([id, bytes]) => byId.get(id)!.received().length >= bytes.length), 10_000);
    for (const [id, bytes] of expected) expect(byId.get(id)!.received().equals(bytes)).toBe(true);
    for (const { c: client } of clients) client.destroy();
  });

  it('reports backpressure to a reader that does not read, then drain', async () => {
    const r = recorder();
    const server = r.bind(new EpollTransport());
    transports.push(server);
    const { port } = server.listen({ host: '127.0.0.1', port: 0 });
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.pause();
    await until(() => r.opened.length === 1);
    const id = r.opened[0];
    const block = Buffer.alloc(64 * 1024, 7);
    let ok = true;
    let sent = 0;
    for (let i = 0; i < 400 && ok; i++) {
      ok = server.write(id, block);
      sent += block.length;
      await new Promise((res) => setImmediate(res)); // let each batch flush
    }
    expect(ok).toBe(false);
    expect(server.bufferedAmount(id)).toBeGreaterThan(0);
    let received = 0;
    client.on('data', (d) => (received += d.length));
    client.resume();
    await until(() => received === sent, 10_000);
    await until(() => r.log.some((l) => l.startsWith('drain:')));
    expect(server.bufferedAmount(id)).toBe(0);
    client.destroy();
  });

  it('connects out, and reports a refused connect as a close with errno', async () => {
    // Our destroy() is abortive (RST): the echo side sees ECONNRESET, which is expected here.
    const echo = net.createServer((s) => s.on('error', () => {}).pipe(s));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const port = (echo.address() as net.AddressInfo).port;
    const got: Buffer[] = [];
    const r = recorder((_t, _id, data) => got.push(Buffer.from(data)));
    const t = r.bind(new EpollTransport());
    transports.push(t);
    const id = t.connect('127.0.0.1', port);
    await until(() => r.opened.length === 1);
    expect(r.log[0]).toBe('open:-1');
    t.write(id, Buffer.from('ping'));
    await until(() => Buffer.concat(got).toString() === 'ping');
    t.destroy(id);
    expect(r.closed).toEqual([[id, 0]]);
    echo.close();

    // A port nobody listens on.
    const refused = t.connect('127.0.0.1', port);
    await until(() => r.closed.length === 2);
    expect(r.closed[1][0]).toBe(refused);
    expect(r.closed[1][1]).toBeGreaterThan(0);
  });

  it('fires the idle timer and ignores stale ids', async () => {
    const r = recorder();
    const t = r.bind(new EpollTransport());
    transports.push(t);
    const { port } = t.listen({ host: '127.0.0.1', port: 0 });
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    await until(() => r.opened.length === 1);
    const id = r.opened[0];
    t.setTimeout(id, 1);
    await until(() => r.log.includes(`timeout:${id}`), 4000);
    t.destroy(id);
    expect(t.write(id, Buffer.from('x'))).toBe(false); // stale: nothing sent, no throw
    t.destroy(id);
    expect(r.closed).toHaveLength(1);
    client.destroy();
  });

  it('listens on a Unix socket and refuses a port in use with EADDRINUSE', async () => {
    const r = recorder((t, id, data) => t.write(id, data));
    const t = r.bind(new EpollTransport());
    transports.push(t);
    const path = join(tmpdir(), `uws-test-${process.pid}-${Date.now()}.sock`);
    t.listen({ path });
    const client = net.connect(path);
    await once(client, 'connect');
    client.write('unix');
    const [echoed] = (await once(client, 'data')) as [Buffer];
    expect(echoed.toString()).toBe('unix');
    client.destroy();

    const { port } = t.listen({ host: '127.0.0.1', port: 0 });
    expect(() => t.listen({ host: '127.0.0.1', port })).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
  });
});
