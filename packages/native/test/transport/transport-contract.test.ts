/**
 * The Transport contract, run against every available transport: what App, Server and Client
 * rely on.
 */
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/transport/select-transport.js';
import type { SocketId, Transport, TransportHandler } from '../../src/transport/transport.js';
import { waitFor } from '../support/app-harness.js';
import { transportKinds } from '../support/transports.js';

type Hook = (t: Transport, id: SocketId, data: Uint8Array) => void;

/** A started transport that records what it reports. */
function recorded(kind: 'node' | 'epoll', onData?: Hook) {
  const transport = createTransport(kind);
  const events: string[] = [];
  const opens: Array<[SocketId, number]> = [];
  const closes: Array<[SocketId, number]> = [];
  const received = new Map<SocketId, Buffer[]>();
  const handler: TransportHandler = {
    onOpen: (id, listener) => {
      opens.push([id, listener]);
      events.push(`open:${listener}`);
    },
    onData: (id, data) => {
      const list = received.get(id) ?? [];
      list.push(Buffer.from(data)); // copied: the view is only valid during the call
      received.set(id, list);
      onData?.(transport, id, data);
    },
    onDrain: (id) => events.push(`drain:${id}`),
    onTimeout: (id) => events.push(`timeout:${id}`),
    onClose: (id, errno) => {
      closes.push([id, errno]);
      events.push(`close:${errno === 0 ? 0 : 'err'}`);
    },
  };
  transport.start(handler);
  const text = (id: SocketId) => Buffer.concat(received.get(id) ?? []).toString();
  return { transport, events, opens, closes, received, text };
}

const transports: Transport[] = [];
afterEach(() => {
  for (const t of transports.splice(0)) t.close();
});

async function tcpClient(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

describe.each(transportKinds)('Transport contract (%s)', (kind) => {
  const setup = (onData?: Hook) => {
    const r = recorded(kind, onData);
    transports.push(r.transport);
    return r;
  };

  it('accepts, reads, writes, and reports close exactly once; stale ids are ignored', async () => {
    const r = setup((t, id, data) => t.write(id, Uint8Array.prototype.slice.call(data)));
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    expect(handle.port).toBeGreaterThan(0);
    const client = await tcpClient(handle.port);
    client.write('ping');
    const [echo] = (await once(client, 'data')) as [Buffer];
    expect(echo.toString()).toBe('ping');
    const [id, listener] = r.opens[0];
    expect(listener).toBe(handle.id);
    expect(r.transport.remoteAddress(id)).toBe('127.0.0.1');
    expect(r.transport.remotePort(id)).toBe(client.localPort);
    client.end();
    await waitFor(() => r.closes.length === 1, 5000, 'close');
    expect(r.closes[0]).toEqual([id, 0]);
    // Stale id: nothing happens, nothing is reported.
    expect(r.transport.write(id, new Uint8Array([1]))).toBe(false);
    expect(r.transport.bufferedAmount(id)).toBe(0);
    r.transport.destroy(id);
    r.transport.end(id);
    r.transport.setTimeout(id, 1);
    await new Promise((res) => setTimeout(res, 50));
    expect(r.closes.length).toBe(1);
  });

  it('connects out, and reports a failed connect with an errno', async () => {
    const server = net.createServer((s) => s.end('hello'));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as net.AddressInfo).port;
    const r = setup();
    const id = r.transport.connect('127.0.0.1', port);
    await waitFor(() => r.closes.length === 1, 5000, 'close after the server ends');
    expect(r.opens).toEqual([[id, -1]]);
    expect(r.text(id)).toBe('hello');
    server.close();
    await once(server, 'close');
    const failed = r.transport.connect('127.0.0.1', port);
    await waitFor(() => r.closes.length === 2, 5000, 'failed connect');
    expect(r.closes[1][0]).toBe(failed);
    expect(r.closes[1][1]).not.toBe(0);
    expect(r.opens.length).toBe(1);
  });

  it('fires the idle timer once after about the timeout; 0 disarms it', async () => {
    const r = setup();
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const a = await tcpClient(handle.port);
    const b = await tcpClient(handle.port);
    await waitFor(() => r.opens.length === 2);
    const [[ida], [idb]] = r.opens;
    const started = Date.now();
    r.transport.setTimeout(ida, 1);
    r.transport.setTimeout(idb, 1);
    r.transport.setTimeout(idb, 0);
    await waitFor(() => r.events.includes(`timeout:${ida}`), 4000, 'timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await new Promise((res) => setTimeout(res, 1200));
    expect(r.events.filter((e) => e.startsWith('timeout'))).toEqual([`timeout:${ida}`]);
    a.destroy();
    b.destroy();
  });

  it('end() sends what is buffered before closing; destroy() closes at once', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    const r = setup((t, id, data) => {
      if (Buffer.from(data).toString() === 'big') {
        t.write(id, big);
        t.end(id);
      } else t.destroy(id);
    });
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const a = await tcpClient(handle.port);
    let length = 0;
    a.on('data', (chunk: Buffer) => (length += chunk.length));
    a.write('big');
    await once(a, 'end');
    expect(length).toBe(big.length);
    const b = await tcpClient(handle.port);
    b.write('kill');
    await once(b, 'close');
    await waitFor(() => r.closes.length === 2, 5000, 'both closes');
    a.destroy();
  });

  it('pause() stops reading until resume()', async () => {
    const r = setup();
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const client = await tcpClient(handle.port);
    await waitFor(() => r.opens.length === 1);
    const [id] = r.opens[0];
    r.transport.pause(id);
    client.write('while paused');
    await new Promise((res) => setTimeout(res, 100));
    expect(r.text(id)).toBe('');
    r.transport.resume(id);
    await waitFor(() => r.text(id) === 'while paused', 5000, 'data after resume');
    client.destroy();
  });

  it('reports backpressure, buffers, and drains when the peer reads', async () => {
    const r = setup();
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const client = await tcpClient(handle.port);
    client.pause();
    await waitFor(() => r.opens.length === 1);
    const [id] = r.opens[0];
    const chunk = Buffer.alloc(1024 * 1024, 'y');
    let writes = 0;
    while (r.transport.write(id, chunk) && writes < 200) {
      writes++;
      await new Promise((res) => setImmediate(res));
    }
    expect(writes).toBeLessThan(200);
    expect(r.transport.bufferedAmount(id)).toBeGreaterThan(0);
    let total = 0;
    client.on('data', (c: Buffer) => (total += c.length));
    client.resume();
    await waitFor(() => r.events.includes(`drain:${id}`), 10_000, 'drain');
    expect(r.transport.bufferedAmount(id)).toBe(0);
    await waitFor(() => total === (writes + 1) * chunk.length, 10_000, 'all bytes');
    client.destroy();
  });

  it('listens on a Unix socket path', async () => {
    const r = setup((t, id) => t.write(id, Buffer.from(`addr:${t.remoteAddress(id)}`)));
    const file = path.join(os.tmpdir(), `uws-test-${process.pid}-${kind}.sock`);
    const handle = await r.transport.listen({ path: file });
    expect(handle.port).toBe(0);
    const client = net.connect(file);
    await once(client, 'connect');
    client.write('x');
    const [reply] = (await once(client, 'data')) as [Buffer];
    expect(reply.toString()).toBe('addr:');
    client.destroy();
  });

  it('closeListener stops accepting; open connections stay', async () => {
    const r = setup((t, id, data) => t.write(id, Uint8Array.prototype.slice.call(data)));
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const kept = await tcpClient(handle.port);
    await waitFor(() => r.opens.length === 1);
    r.transport.closeListener(handle.id);
    await new Promise((res) => setTimeout(res, 20));
    const refused = net.connect({ host: '127.0.0.1', port: handle.port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    kept.write('still here');
    const [echo] = (await once(kept, 'data')) as [Buffer];
    expect(echo.toString()).toBe('still here');
    kept.destroy();
  });

  it('adopts a connected net.Socket with the bytes already read', async () => {
    const r = setup((t, id, data) => t.write(id, Uint8Array.prototype.slice.call(data)));
    const server = net.createServer((socket) => {
      socket.once('data', (head: Buffer) => {
        socket.pause();
        r.transport.adopt(socket, head);
      });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const client = await tcpClient((server.address() as net.AddressInfo).port);
    let got = '';
    client.on('data', (c: Buffer) => (got += c.toString()));
    client.write('first');
    await waitFor(() => r.opens.length === 1, 5000, 'adopted');
    expect(r.opens[0][1]).toBe(-2);
    await waitFor(() => got === 'first', 5000, 'head echoed');
    client.write('second');
    await waitFor(() => got === 'firstsecond', 5000, 'later bytes');
    client.destroy();
    server.close();
  });

  it('reports nothing after close()', async () => {
    const r = setup();
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const client = await tcpClient(handle.port);
    await waitFor(() => r.opens.length === 1);
    const before = r.events.length;
    r.transport.close();
    await once(client, 'close');
    await new Promise((res) => setTimeout(res, 50));
    expect(r.events.length).toBe(before);
  });

  it('fails to listen on a port in use with EADDRINUSE', async () => {
    const r = setup();
    const handle = await r.transport.listen({ host: '127.0.0.1', port: 0 });
    const attempt = async () => r.transport.listen({ host: '127.0.0.1', port: handle.port });
    await expect(attempt()).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('createTransport', () => {
  it("gives node:net for 'auto' and 'node', passes instances through", () => {
    const t = createTransport('node');
    expect(t.kind).toBe('node');
    expect(createTransport(t)).toBe(t);
    expect(() => createTransport('bogus' as 'node')).toThrow(TypeError);
  });

  it('node:net refuses reusePort with a clear error', () => {
    const t = createTransport('node');
    t.start({ onOpen() {}, onData() {}, onDrain() {}, onTimeout() {}, onClose() {} });
    expect(() => t.listen({ port: 0, reusePort: true })).toThrow('reusePort needs the epoll transport');
    t.close();
  });
});
