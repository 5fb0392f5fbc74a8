/**
 * Socket.IO 4.8 bound to the native engine (`io.bind(engine)`), driven by socket.io-client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { io as ioc, type Socket as ClientSocket } from 'socket.io-client';
import type { Socket } from 'socket.io';
import { type StartedIo, delay, once, startIo } from './engine-harness.js';

/** The socket.io client's engine internals these tests reach into (not in its types). */
type ClientEngine = { transport: { ws: { close(): void; send(data: string): void } } };

let server: StartedIo | undefined;
const clients: ClientSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await server?.close();
  server = undefined;
});

function client(nsp = '/', opts: Record<string, unknown> = {}): ClientSocket {
  const c = ioc(`${server!.url}${nsp}`, { forceNew: true, reconnection: false, ...opts });
  clients.push(c);
  return c;
}

async function connected(nsp = '/', opts: Record<string, unknown> = {}): Promise<[ClientSocket, Socket]> {
  const serverSide = once<[Socket]>(server!.io.of(nsp), 'connection');
  const c = client(nsp, opts);
  const [s] = await serverSide;
  if (!c.connected) await once(c, 'connect');
  return [c, s];
}

const TRANSPORTS: Array<[string, string[]]> = [
  ['polling only', ['polling']],
  ['websocket only', ['websocket']],
  ['polling then upgrade', ['polling', 'websocket']],
];

describe.each(TRANSPORTS)('over %s', (_name, transports) => {
  it('echoes with acks both ways and carries binary attachments', async () => {
    server = await startIo();
    server.io.on('connection', (socket) => {
      socket.on('echo', (payload: unknown, ack: (reply: unknown) => void) => ack(payload));
      socket.emit('hello', { n: 1, bytes: Buffer.from([1, 2, 3]) });
    });
    const c = client('/', { transports });
    c.on('question', (q: string, ack: (a: string) => void) => ack(`${q}!`));
    const [hello] = await once<[{ n: number; bytes: Buffer }]>(c, 'hello');
    expect(hello.n).toBe(1);
    expect(Buffer.from(hello.bytes)).toEqual(Buffer.from([1, 2, 3]));
    const back = (await c.timeout(2000).emitWithAck('echo', { text: 'é', bin: Buffer.from([9, 9, 9]) })) as { text: string; bin: Uint8Array };
    expect(back.text).toBe('é');
    expect(Buffer.from(back.bin)).toEqual(Buffer.from([9, 9, 9]));
    const socket = [...server.io.of('/').sockets.values()][0];
    expect(await socket.timeout(2000).emitWithAck('question', 'q')).toBe('q!');
  });

  it('keeps the order of 200 messages each way', async () => {
    server = await startIo();
    const got: number[] = [];
    server.io.on('connection', (socket) => socket.on('n', (n: number) => got.push(n)));
    const [c, socket] = await connected('/', { transports });
    const clientGot: number[] = [];
    c.on('n', (n: number) => clientGot.push(n));
    for (let i = 0; i < 200; i++) {
      c.emit('n', i);
      socket.emit('n', i);
    }
    for (let t = 0; t < 100 && (got.length < 200 || clientGot.length < 200); t++) await delay(20);
    expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(clientGot).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });
});

describe('namespaces, rooms and middleware', () => {
  it('serves namespaces with their own middleware, and refuses with the middleware error', async () => {
    server = await startIo();
    server.io.of('/admin').use((socket, next) => (socket.handshake.auth.token === 'ok' ? next() : next(new Error('not allowed'))));
    server.io.of('/admin').on('connection', (s) => s.emit('welcome', s.nsp.name));
    const good = client('/admin', { auth: { token: 'ok' } });
    expect((await once<[string]>(good, 'welcome'))[0]).toBe('/admin');
    const bad = client('/admin', { auth: { token: 'no' } });
    const [error] = await once<[Error]>(bad, 'connect_error');
    expect(error.message).toBe('not allowed');
  });

  it('exposes the handshake (headers, query, address) read from the native request', async () => {
    server = await startIo();
    const [, socket] = await connected('/', { query: { a: '1' }, extraHeaders: { 'x-probe': 'yes' }, transports: ['polling'] });
    expect(socket.handshake.query.a).toBe('1');
    expect(socket.handshake.headers['x-probe']).toBe('yes');
    expect(socket.handshake.address).toBe('127.0.0.1');
    expect(socket.handshake.url).toMatch(/^\/socket\.io\/\?/);
    expect(socket.conn.transport.name).toBe('polling');
  });

  it('delivers to rooms: join, leave, several rooms once each, except', async () => {
    server = await startIo();
    const pairs: Array<[ClientSocket, Socket]> = [];
    for (let i = 0; i < 4; i++) pairs.push(await connected('/', { transports: i % 2 === 0 ? ['websocket'] : ['polling'] }));
    const [a, b, c, d] = pairs.map(([, s]) => s);
    void a.join(['red', 'blue']);
    void b.join('red');
    void c.join('blue');
    void d.join('green');
    const got = pairs.map(() => [] as string[]);
    pairs.forEach(([cl], i) => cl.on('m', (x: string) => got[i].push(x)));
    server.io.to('red').emit('m', 'red');
    server.io.to(['red', 'blue']).emit('m', 'red+blue');
    server.io.to('red').except('blue').emit('m', 'red-blue');
    server.io.except('green').emit('m', 'all-green');
    void b.leave('red');
    server.io.to('red').emit('m', 'red after b left');
    a.to('blue').emit('m', 'from a to blue');
    await delay(150);
    expect(got[0]).toEqual(['red', 'red+blue', 'all-green', 'red after b left']);
    expect(got[1]).toEqual(['red', 'red+blue', 'red-blue', 'all-green']);
    expect(got[2]).toEqual(['red+blue', 'all-green', 'from a to blue']);
    expect(got[3]).toEqual([]);
  });
});

describe('disconnect reasons', () => {
  it('reports each side closing', async () => {
    server = await startIo({ pingInterval: 100, pingTimeout: 100 });
    const reasons: string[] = [];
    server.io.on('connection', (s) => s.on('disconnect', (r) => reasons.push(r)));

    let [c, s] = await connected();
    let clientReason = once<[string]>(c, 'disconnect');
    s.disconnect();
    expect((await clientReason)[0]).toBe('io server disconnect');

    [c, s] = await connected('/', { transports: ['websocket'] });
    c.disconnect();
    await delay(50);

    [c, s] = await connected('/', { transports: ['websocket'] });
    clientReason = once<[string]>(c, 'disconnect');
    s.disconnect(true);
    expect((await clientReason)[0]).toBe('io server disconnect');

    [c, s] = await connected('/', { transports: ['websocket'] });
    (c.io.engine as unknown as ClientEngine).transport.ws.close();
    await delay(50);

    [c, s] = await connected('/', { transports: ['websocket'] });
    // A client that stops answering pings.
    const engine = c.io.engine as unknown as { _sendPacket: (type: string, ...rest: unknown[]) => void };
    const send = engine._sendPacket.bind(engine);
    engine._sendPacket = (type: string, ...rest: unknown[]) => (type === 'pong' ? undefined : send(type, ...rest));
    await once(s, 'disconnect');

    [c, s] = await connected('/', { transports: ['websocket'] });
    (c.io.engine as unknown as ClientEngine).transport.ws.send('9 is no engine.io packet type');
    await once(s, 'disconnect');

    [c, s] = await connected('/', { transports: ['websocket'] });
    (c.io.engine as unknown as ClientEngine).transport.ws.send('4garbage: no Socket.IO packet');
    await once(s, 'disconnect');

    expect(reasons).toEqual([
      'server namespace disconnect', // socket.disconnect()
      'client namespace disconnect', // client.disconnect()
      'server namespace disconnect', // socket.disconnect(true) also closes the connection
      'transport close', // the client's websocket closed
      'ping timeout',
      'parse error', // an engine.io packet that does not parse
      'forced close', // a Socket.IO packet that does not parse: Socket.IO closes the connection
    ]);

    [c, s] = await connected('/', { transports: ['websocket'] });
    const last = once<[string]>(s, 'disconnect');
    void server.io.close();
    expect((await last)[0]).toBe('server shutting down');
  });

  it('closes sessions whose websocket message is over maxHttpBufferSize with "transport error"', async () => {
    server = await startIo({ maxHttpBufferSize: 1000 });
    const [c, s] = await connected('/', { transports: ['websocket'] });
    const reason = once<[string]>(s, 'disconnect');
    c.emit('big', 'x'.repeat(5000));
    expect((await reason)[0]).toBe('transport error');
  });
});

describe('connection state recovery', () => {
  it('recovers the id, rooms and missed room broadcasts after a transport drop', async () => {
    server = await startIo({ pingInterval: 200, pingTimeout: 200 }, { connectionStateRecovery: { maxDisconnectionDuration: 5000 } });
    const c = ioc(server.url, { forceNew: true, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 50 });
    clients.push(c);
    const [s] = await once<[Socket]>(server.io, 'connection');
    await once(c, 'connect');
    void s.join('room');
    const firstId = c.id;
    const got: string[] = [];
    c.on('m', (x: string) => got.push(x));
    server.io.to('room').emit('m', 'before');
    await delay(50);
    (c.io.engine as unknown as ClientEngine).transport.ws.close();
    await once(s, 'disconnect');
    server.io.to('room').emit('m', 'missed');
    await once(c, 'connect');
    expect(c.recovered).toBe(true);
    expect(c.id).toBe(firstId);
    await delay(50);
    server.io.to('room').emit('m', 'after');
    await delay(50);
    expect(got).toEqual(['before', 'missed', 'after']);
  });
});

describe('CORS and cookies through Socket.IO', () => {
  it('answers the preflight and sets the cookie via the engine options', async () => {
    server = await startIo({ cors: { origin: 'https://chat.example' }, cookie: { name: 'sio', sameSite: 'strict' } });
    const preflight = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { origin: 'https://chat.example', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://chat.example');
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://chat.example' } });
    const sid = (JSON.parse((await res.text()).slice(1)) as { sid: string }).sid;
    expect(res.headers.get('set-cookie')).toBe(`sio=${sid}; Path=/; HttpOnly; SameSite=Strict`);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://chat.example');
  });
});
