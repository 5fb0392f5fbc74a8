/**
 * The wsEngine face under Socket.IO with real clients, on each transport of ws-compat:
 * polling only, websocket only, the polling → websocket upgrade, acks, binary attachments,
 * namespaces, middleware, engine.io-client v4 and a v3 client with `allowEIO3`.
 */
import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as EngineServer } from 'engine.io';
import { Socket as EngineClient } from 'engine.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createUwsEngine } from '../../src/index.js';
import { client, connected, kinds, next, onCleanup, runCleanups, startIo, waitFor } from './harness.js';

afterEach(runCleanups);

describe.each(kinds)('Socket.IO with the wsEngine face on the %s transport', (kind) => {
  for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']] as const) {
    it(`connects and echoes with acks over ${transports.join(' → ')}`, async () => {
      const { io, url } = await startIo(kind);
      const served: string[] = [];
      io.on('connection', (socket) => {
        socket.on('echo', (m: unknown, ack: (r: unknown) => void) => ack({ back: m, transport: socket.conn.transport.name }));
        socket.conn.on('upgrade', (t: { name: string }) => served.push(t.name));
      });
      const c = await connected(url, { transports: [...transports] });
      if (transports.length === 2) {
        // The server completes the upgrade when the client's upgrade packet arrives.
        await waitFor(() => served.length === 1, 5000, 'the upgrade');
        expect(served).toEqual(['websocket']);
        expect(c.io.engine.transport.name).toBe('websocket');
      }
      const reply = (await c.emitWithAck('echo', 'hello')) as { back: string; transport: string };
      expect(reply).toEqual({ back: 'hello', transport: transports.length === 2 ? 'websocket' : transports[0] });
      // A burst keeps its order.
      const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => c.emitWithAck('echo', i)));
      expect(replies.map((r) => (r as { back: number }).back)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    });
  }

  it('carries binary attachments both ways, nested in objects', async () => {
    const { io, url } = await startIo(kind);
    io.on('connection', (socket) => {
      socket.on('bin', (payload: { name: string; data: Buffer; more: Buffer[] }, ack: (r: unknown) => void) => {
        ack({ name: payload.name, sum: [...payload.data].reduce((a, b) => a + b, 0), back: Buffer.concat([payload.data, ...payload.more]) });
      });
    });
    const c = await connected(url, { transports: ['websocket'] });
    const big = Buffer.alloc(70_000, 7);
    const reply = (await c.emitWithAck('bin', { name: 'x', data: Buffer.from([1, 2, 3]), more: [Buffer.from([4]), big] })) as { name: string; sum: number; back: ArrayBuffer | Buffer };
    expect(reply.name).toBe('x');
    expect(reply.sum).toBe(6);
    const back = Buffer.from(reply.back as ArrayBuffer);
    expect(back.length).toBe(4 + 70_000);
    expect([...back.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(back.subarray(4).equals(big)).toBe(true);
  });

  it('serves namespaces, each with its own middleware, and refuses in middleware with the error', async () => {
    const { io, url } = await startIo(kind);
    const order: string[] = [];
    io.use((socket, nextFn) => {
      order.push(`root:${socket.handshake.auth.token as string}`);
      nextFn();
    });
    const admin = io.of('/admin');
    admin.use((socket, nextFn) => {
      if (socket.handshake.auth.token !== 'secret') {
        const error = new Error('not authorized') as Error & { data?: unknown };
        error.data = { reason: 'token' };
        return nextFn(error);
      }
      nextFn();
    });
    admin.on('connection', (socket) => socket.emit('welcome', socket.nsp.name));
    io.of(/^\/dyn-\d+$/).on('connection', (socket) => socket.emit('welcome', socket.nsp.name));
    const ok = client(`${url}/admin`, { transports: ['websocket'], auth: { token: 'secret' } });
    const welcome = next(ok, 'welcome');
    await next(ok, 'connect');
    expect(await welcome).toBe('/admin');
    const refused = await next<Error & { data?: unknown }>(
      (await import('socket.io-client')).io(`${url}/admin`, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: 'bad' } }),
      'connect_error',
    );
    expect(refused.message).toBe('not authorized');
    expect(refused.data).toEqual({ reason: 'token' });
    const dyn = (await import('socket.io-client')).io(`${url}/dyn-42`, { forceNew: true, reconnection: false, transports: ['polling'] });
    onCleanup(() => dyn.close());
    expect(await next(dyn, 'welcome')).toBe('/dyn-42');
    // Namespace middleware only: the root middleware never ran for these.
    expect(order).toEqual([]);
  });

  it('serves engine.io-client v4 on a bare engine.io server (text and binary, polling then websocket)', async () => {
    const httpServer = http.createServer();
    const engine = new EngineServer({ wsEngine: createUwsEngine({ transport: kind }) });
    engine.attach(httpServer);
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    onCleanup(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));
    onCleanup(() => engine.close());
    const got: unknown[] = [];
    engine.on('connection', (socket: { on(e: string, f: (d: unknown) => void): void; send(d: unknown): void }) => {
      socket.on('message', (data) => {
        got.push(data);
        socket.send(data);
      });
    });
    const e = new EngineClient(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
    onCleanup(() => e.close());
    await next(e, 'open');
    await next(e, 'upgrade');
    expect(e.transport.name).toBe('websocket');
    e.send('plain text');
    expect(await next(e, 'message')).toBe('plain text');
    e.send(Buffer.from([9, 8, 7]));
    const bin = await next<ArrayBuffer | Buffer>(e, 'message');
    expect([...Buffer.from(bin as ArrayBuffer)]).toEqual([9, 8, 7]);
    expect(got).toEqual(['plain text', Buffer.from([9, 8, 7])]);
  });

  it('serves a v3 client (socket.io-client 2) with allowEIO3, over polling and websocket', async () => {
    const { io, url } = await startIo(kind, { allowEIO3: true });
    io.on('connection', (socket) => socket.on('echo', (m: unknown, ack: (r: unknown) => void) => ack([m, socket.conn.protocol])));
    const v2 = (await import('socket.io-client-v2')).default;
    for (const transports of [['websocket'], ['polling']]) {
      const c = v2(url, { forceNew: true, reconnection: false, transports });
      onCleanup(() => c.close());
      await next(c, 'connect');
      const reply = await new Promise((resolve) => c.emit('echo', 'v3', resolve));
      expect(reply).toEqual(['v3', 3]);
    }
  });

  it('refuses a v3 client without allowEIO3', async () => {
    const { url } = await startIo(kind);
    const v2 = (await import('socket.io-client-v2')).default;
    const c = v2(url, { forceNew: true, reconnection: false, transports: ['polling'] });
    onCleanup(() => c.close());
    const error = await next<Error>(c, 'connect_error');
    expect(String(error)).toMatch(/xhr poll error|400/);
  });
});
