/**
 * The websocket transport and the polling → websocket upgrade, driven by engine.io-client v4
 * (and a v3 client for `allowEIO3`).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Socket as EioClient } from 'engine.io-client';
import { createRequire } from 'node:module';
import { type Started, delay, once, startEngine } from './engine-harness.js';
import type { EngineSocket } from '../../src/index.js';

const require = createRequire(import.meta.url);
let server: Started | undefined;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server?.close();
  server = undefined;
});

function client(url: string, opts: Record<string, unknown>): EioClient {
  const c = new EioClient(url, opts);
  clients.push(c);
  return c;
}

describe('websocket transport', () => {
  it('opens a websocket-only session and carries text and binary both ways', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = client(server.url, { transports: ['websocket'] });
    const [socket] = await connected;
    expect(socket.transport.name).toBe('websocket');
    await once(c, 'open');
    const got: unknown[] = [];
    socket.on('message', (m) => got.push(m));
    c.send('héllo');
    c.send(new Uint8Array([1, 2, 3]));
    await delay(50);
    expect(got).toEqual(['héllo', Buffer.from([1, 2, 3])]);
    const clientGot: unknown[] = [];
    c.on('message', (m) => clientGot.push(m));
    socket.send('back');
    socket.send(Buffer.from([9, 8]));
    await delay(50);
    expect(clientGot[0]).toBe('back');
    expect(Buffer.from(clientGot[1] as Uint8Array)).toEqual(Buffer.from([9, 8]));
  });

  it('compresses websocket messages over the threshold with perMessageDeflate and carries them intact', async () => {
    server = await startEngine({ perMessageDeflate: { threshold: 100 } });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = client(server.url, { transports: ['websocket'], perMessageDeflate: { threshold: 100 } });
    const [socket] = await connected;
    await once(c, 'open');
    expect(Object.keys((c as unknown as { transport: { ws: { _extensions: object } } }).transport.ws._extensions)).toEqual(['permessage-deflate']);
    const got: string[] = [];
    c.on('message', (m) => got.push(String(m)));
    const echoed: string[] = [];
    socket.on('message', (m) => echoed.push(String(m)));
    const big = 'abc'.repeat(10_000);
    socket.send(big);
    socket.send('tiny');
    c.send(big);
    await delay(100);
    expect(got).toEqual([big, 'tiny']);
    expect(echoed).toEqual([big]);
  });

  it('runs send callbacks once the transport sent the packets', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = client(server.url, { transports: ['websocket'] });
    const [socket] = await connected;
    await once(c, 'open');
    const done = await new Promise<string>((resolve) => socket.send('x', {}, (t) => resolve(t.name)));
    expect(done).toBe('websocket');
  });

  it('closes a websocket sending past maxHttpBufferSize with "transport error"', async () => {
    server = await startEngine({ maxHttpBufferSize: 64 });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = client(server.url, { transports: ['websocket'] });
    const [socket] = await connected;
    await once(c, 'open');
    const closed = once<[string]>(socket, 'close');
    c.send('z'.repeat(500));
    expect((await closed)[0]).toBe('transport error');
  });
});

describe('a websocket client that does not read', () => {
  it('ends its session with a transport error past maxBackpressure instead of queueing without bound', async () => {
    server = await startEngine({}, '/engine.io', { maxBackpressure: 256 * 1024 });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { connect } = await import('node:net');
    const raw = connect(server.port, '127.0.0.1', () =>
      raw.write(
        `GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    raw.pause(); // never reads: the kernel buffers fill, then the server's queue
    clients.push({ close: () => raw.destroy() });
    const [socket] = await connected;
    await delay(50);
    const closed = once<[string, Error]>(socket, 'close');
    const chunk = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 1024 && socket.readyState === 'open'; i++) {
      socket.send(chunk);
      if (i % 64 === 63) await delay(5);
    }
    const [reason, error] = await closed;
    expect(reason).toBe('transport error');
    expect(error.message).toBe('write error');
  });
});

describe('polling → websocket upgrade', () => {
  it('upgrades with the probe and keeps the order of messages sent around it', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = client(server.url, {});
    const [socket] = await connected;
    expect(socket.transport.name).toBe('polling');
    const events: string[] = [];
    socket.on('upgrading', (t: { name: string }) => events.push(`upgrading ${t.name}`));
    const upgraded = once<[{ name: string }]>(socket, 'upgrade');
    const got: string[] = [];
    c.on('message', (m) => got.push(String(m)));
    for (let i = 0; i < 5; i++) socket.send(`m${i}`);
    const [transport] = await upgraded;
    expect(transport.name).toBe('websocket');
    expect(events).toEqual(['upgrading websocket']);
    for (let i = 5; i < 10; i++) socket.send(`m${i}`);
    await delay(100);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(socket.upgraded).toBe(true);
    expect((c as unknown as { transport: { name: string } }).transport.name).toBe('websocket');
  });

  it('stays on polling when the server forbids upgrades', async () => {
    server = await startEngine({ allowUpgrades: false });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = client(server.url, {});
    const [socket] = await connected;
    await once(c, 'open');
    await delay(100);
    expect(socket.transport.name).toBe('polling');
  });

  it('offers no upgrade and refuses websocket when transports is polling only', async () => {
    server = await startEngine({ transports: ['polling'] });
    const c = client(server.url, { transports: ['websocket'] });
    const [error] = await once<[Error]>(c, 'error');
    expect(String(error)).toMatch(/websocket error/);
  });
});

describe('engine close and engine.io protocol v3', () => {
  it('close() ends every session, polling and websocket, and the clients see it', async () => {
    server = await startEngine();
    const a = client(server.url, { transports: ['websocket'] });
    const b = client(server.url, { transports: ['polling'] });
    await Promise.all([once(a, 'open'), once(b, 'open')]);
    const reasons: string[] = [];
    for (const s of Object.values(server.engine.clients)) s.once('close', (r: string) => reasons.push(r));
    const closedA = once<[string]>(a, 'close');
    const closedB = once<[string]>(b, 'close');
    server.engine.close();
    expect((await closedA)[0]).toBe('transport close');
    expect((await closedB)[0]).toMatch(/transport close|transport error/);
    expect(reasons).toEqual(['forced close', 'forced close']);
    expect(server.engine.clientsCount).toBe(0);
  });

  it('serves an engine.io v3 client (Socket.IO 2 era) over polling and websocket with allowEIO3', async () => {
    const { Socket: V3 } = require('engine.io-client-v3') as { Socket: new (url: string, o: object) => EioClient };
    server = await startEngine({ allowEIO3: true, pingInterval: 100, pingTimeout: 500 });
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = new V3(server.url, {});
    clients.push(c);
    const [socket] = await connected;
    expect(socket.protocol).toBe(3);
    await once(c, 'open');
    const got: unknown[] = [];
    socket.on('message', (m) => got.push(m));
    c.send('from v3');
    c.send(Buffer.from([7, 7]));
    const clientGot: unknown[] = [];
    c.on('message', (m: unknown) => clientGot.push(m));
    socket.send('to v3');
    await once(socket, 'upgrade');
    socket.send('after upgrade');
    await delay(400); // several v3 ping/pong rounds (the client pings)
    expect(got).toEqual(['from v3', Buffer.from([7, 7])]);
    expect(clientGot).toEqual(['to v3', 'after upgrade']);
    expect(socket.readyState).toBe('open');
  });
});
