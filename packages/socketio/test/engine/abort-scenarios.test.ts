/**
 * Requests that go away, come twice or come out of order. Each must end in a clean HTTP
 * answer or a clean close, never an exception out of the loop: these are the scenarios of the
 * crash reports against Socket.IO on uWebSockets.js (socket.io#4250, #5066 / engine.io#705,
 * engine.io#692, socket.io#5330).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect as netConnect, type Socket as NetSocket } from 'node:net';
import { connect as wsConnect } from '@uws/native';
import session from 'express-session';
import { Socket as EioClient } from 'engine.io-client';
import { type Started, delay, once, pollingHandshake, startEngine } from './engine-harness.js';
import type { EngineMiddleware, EngineSocket } from '../../src/index.js';

let server: Started | undefined;
const uncaught: unknown[] = [];
const onUncaught = (e: unknown): void => void uncaught.push(e);
beforeEach(() => {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
});
afterEach(async () => {
  process.off('uncaughtException', onUncaught);
  await server?.close();
  server = undefined;
  expect(uncaught).toEqual([]);
});

/** Sends a raw request head (and maybe part of a body) and returns the open socket. */
function rawRequest(port: number, head: string, body = ''): Promise<NetSocket> {
  return new Promise((resolve, reject) => {
    const s = netConnect(port, '127.0.0.1', () => {
      s.write(`${head}\r\n\r\n${body}`);
      resolve(s);
    });
    s.on('error', reject);
  });
}

function readAll(s: NetSocket): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('close', () => resolve(out));
    s.on('end', () => resolve(out));
  });
}

const upgradeHead = (port: number, query: string): string =>
  `GET /engine.io/?${query} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13';

describe('socket.io#4250: a plain GET for the websocket transport', () => {
  it('is answered 400 "Bad request" and the server keeps serving', async () => {
    server = await startEngine();
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=websocket`);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ code: 3, message: 'Bad request' });
    }
    expect((await pollingHandshake(server.url)).sid).toMatch(/^[\w-]{20}$/);
  });
});

describe('socket.io#5066 / engine.io#705: a session id used again', () => {
  it('closes an upgrade that reuses a websocket session id, and the session goes on', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const c = new EioClient(server.url, { transports: ['websocket'] });
    const [socket] = await connected;
    await once(c, 'open');
    const intruder = wsConnect(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${socket.id}`);
    const [code] = await once<[number]>(intruder, 'close');
    expect(code).toBe(1000);
    const got = once<[string]>(c, 'message');
    socket.send('still here');
    expect((await got)[0]).toBe('still here');
    c.close();
  });

  it('closes a second upgrade of a polling session while the first is in progress or done', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const first = wsConnect(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    await once(first, 'open');
    expect(socket.upgrading).toBe(true);
    const second = wsConnect(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    expect((await once<[number]>(second, 'close'))[0]).toBe(1000);
    first.send('2probe');
    expect(String((await once<[Buffer]>(first, 'message'))[0])).toBe('3probe');
    first.send('5');
    await once(socket, 'upgrade');
    const third = wsConnect(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${sid}`);
    expect((await once<[number]>(third, 'close'))[0]).toBe(1000);
    expect(socket.readyState).toBe('open');
    first.close();
  });

  it('refuses a handshake whose generated id is already in use', async () => {
    server = await startEngine({ generateId: () => 'always-the-same' });
    await pollingHandshake(server.url);
    const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: 'Bad request' });
    expect(server.engine.clientsCount).toBe(1);
  });
});

describe('engine.io#692: a client that vanishes mid-poll', () => {
  it('closes the session with "poll connection closed prematurely"; later sends do not throw', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string, Error]>(socket, 'close');
    const s = await rawRequest(server.port, `GET /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x`);
    await delay(30);
    s.destroy();
    const [reason, error] = await closed;
    expect(reason).toBe('transport error');
    expect(error.message).toBe('poll connection closed prematurely');
    socket.send('into the void');
    await delay(20);
  });

  it('a POST whose client leaves mid-body closes the session with a transport error', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string, Error]>(socket, 'close');
    const s = await rawRequest(server.port, `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\nContent-Length: 100`, '4abc');
    await delay(30);
    s.destroy();
    const [reason, error] = await closed;
    expect(reason).toBe('transport error');
    expect(error.message).toBe('data request connection closed prematurely');
  });

  it('a request aborted while allowRequest or generateId is pending makes no session and answers nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    server = await startEngine({ allowRequest: (_req, cb) => void gate.then(() => cb(null, true)) });
    const s = await rawRequest(server.port, 'GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x');
    await delay(20);
    s.destroy();
    await delay(20);
    release();
    await delay(30);
    expect(server.engine.clientsCount).toBe(0);
    await server.close();

    server = await startEngine({ generateId: () => delay(40).then(() => 'late') });
    const connections: unknown[] = [];
    server.engine.on('connection', (c) => connections.push(c));
    const t = await rawRequest(server.port, 'GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x');
    await delay(10);
    t.destroy();
    await delay(80);
    expect(connections).toEqual([]);
  });
});

describe('overlapping requests of one session (engine.io closes with a transport error)', () => {
  it('a second GET while one is held: 400, and the session closes with "overlap from client"', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string, Error]>(socket, 'close');
    const first = fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    await delay(30);
    const second = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(second.status).toBe(400);
    const [reason, error] = await closed;
    expect([reason, error.message]).toEqual(['transport error', 'overlap from client']);
    expect(await (await first).text()).toBe('1'); // the held GET is answered (the close packet), not left hanging
  });

  it('a second POST while one is read: 400, and the session closes with "data request overlap from client"', async () => {
    server = await startEngine();
    const connected = once<[EngineSocket]>(server.engine, 'connection');
    const { sid } = await pollingHandshake(server.url);
    const [socket] = await connected;
    const closed = once<[string, Error]>(socket, 'close');
    const slow = await rawRequest(server.port, `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\nContent-Length: 10`, '4ab');
    await delay(30);
    const second = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, { method: 'POST', body: '4x' });
    expect(second.status).toBe(400);
    const [reason, error] = await closed;
    expect([reason, error.message]).toEqual(['transport error', 'data request overlap from client']);
    slow.destroy();
  });
});

describe('socket.io#5330: reconnect storms through an async session middleware', () => {
  it('upgrades with express-session; clients that leave mid-middleware cost nothing', async () => {
    const store = new session.MemoryStore();
    // A slow store, as a real one over the network.
    const get = store.get.bind(store);
    store.get = (sid, cb) => void setTimeout(() => get(sid, cb), 20);
    server = await startEngine();
    // An async step before the session (a first-time client makes express-session answer synchronously).
    server.engine.use((_req, _res, next) => void setTimeout(next, 20));
    server.engine.use(session({ secret: 'test', resave: false, saveUninitialized: true, store }) as unknown as EngineMiddleware);
    const connections: EngineSocket[] = [];
    server.engine.on('connection', (c: EngineSocket) => connections.push(c));
    // Ten upgrade requests that leave while the store is being read...
    const leavers = await Promise.all(Array.from({ length: 10 }, () => rawRequest(server!.port, upgradeHead(server!.port, 'EIO=4&transport=websocket'))));
    await delay(5);
    for (const s of leavers) s.destroy();
    // ...and ten real clients at the same time.
    const stayers = Array.from({ length: 10 }, () => new EioClient(server!.url, { transports: ['websocket'] }));
    await Promise.all(stayers.map((c) => once(c, 'open')));
    await delay(60);
    expect(connections.length).toBe(10);
    for (const c of connections) expect((c.request as unknown as { session: { cookie: unknown } }).session.cookie).toBeDefined();
    for (const c of stayers) c.close();
  });

  it('sends the session cookie on the 101 of a websocket handshake and on polling responses', async () => {
    server = await startEngine();
    server.engine.use(session({ secret: 'test', resave: false, saveUninitialized: true }) as unknown as EngineMiddleware);
    const s = await rawRequest(server.port, upgradeHead(server.port, 'EIO=4&transport=websocket'));
    const head = await new Promise<string>((resolve) => s.once('data', (d) => resolve(d.toString())));
    s.destroy();
    expect(head).toMatch(/^HTTP\/1.1 101/);
    expect(head).toMatch(/Set-Cookie: connect\.sid=s%3A[^;]+; Path=\/; HttpOnly/i);
    const { res } = await pollingHandshake(server.url);
    expect(res.headers.get('set-cookie')).toMatch(/^connect\.sid=s%3A/);
  });

  it('a middleware error answers 400 MIDDLEWARE_FAILURE', async () => {
    server = await startEngine();
    server.engine.use((_req, _res, next) => next(new Error('nope')));
    const errors: Array<{ context: unknown }> = [];
    server.engine.on('connection_error', (e: { context: unknown }) => errors.push(e));
    const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: 3, message: 'Bad request' });
    expect(errors[0].context).toEqual({ name: 'MIDDLEWARE_FAILURE' });
    const s = await rawRequest(server.port, upgradeHead(server.port, 'EIO=4&transport=websocket'));
    expect(await readAll(s)).toMatch(/^HTTP\/1.1 400 Bad Request[\s\S]*Bad request$/);
  });
});
