/**
 * The engine on an App the user owns (beside its routes and ws endpoints), and Socket.IO 2
 * clients (engine.io v3) with `allowEIO3`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { App, SSLApp, connect, us_listen_socket_close, us_socket_local_port, type TemplatedApp } from '@uws/native';
import { Server, type Socket } from 'socket.io';
import { io as ioc } from 'socket.io-client';
import { NativeEngine } from '../../src/index.js';
import { once } from './engine-harness.js';

const require = createRequire(import.meta.url);
/** The parts of a Socket.IO 2 client socket used here (the package has no types). */
type V2Socket = { close(): void; emit(event: string, ...args: unknown[]): void; once(event: string, cb: (...args: unknown[]) => void): unknown };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function listen(app: TemplatedApp): Promise<number> {
  return new Promise((resolve, reject) =>
    app.listen('127.0.0.1', 0, (token) => {
      if (!token) return reject(new Error('listen failed'));
      cleanups.push(() => {
        us_listen_socket_close(token);
        app.close();
      });
      resolve(us_socket_local_port(token));
    }),
  );
}

/** Socket.IO bound to a NativeEngine attached to `app` at `path`; the App listening. */
async function serveSocketIo(app: TemplatedApp, path: string): Promise<{ io: Server; port: number }> {
  const engine = new NativeEngine();
  const io = new Server({ serveClient: false });
  io.bind(engine);
  cleanups.push(() => void io.close());
  engine.attach(app, { path });
  return { io, port: await listen(app) };
}

describe('attach(app, { path })', () => {
  it('serves Socket.IO beside the App\'s own routes and ws endpoints', async () => {
    const app = App()
      .get('/hello', (res) => res.end('world'))
      .ws('/raw', { message: (ws, message, isBinary) => ws.send(message, isBinary) });
    const { io, port } = await serveSocketIo(app, '/realtime');
    io.on('connection', (s) => s.on('ping?', (ack: (x: string) => void) => ack('pong!')));

    expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe('world');
    const raw = connect(`ws://127.0.0.1:${port}/raw`);
    await once(raw, 'open');
    raw.send('echo me');
    expect(String((await once<[Buffer]>(raw, 'message'))[0])).toBe('echo me');
    raw.close();
    const c = ioc(`http://127.0.0.1:${port}`, { path: '/realtime', forceNew: true, reconnection: false });
    cleanups.push(() => c.disconnect());
    expect(await c.timeout(3000).emitWithAck('ping?')).toBe('pong!');
    expect((await fetch(`http://127.0.0.1:${port}/socket.io/?EIO=4&transport=polling`)).status).toBe(404);
  });
});

describe('handshake.secure follows the App', () => {
  const tls = new URL('../../../native/test/fixtures/tls/', import.meta.url);
  for (const secure of [false, true]) {
    it(`is ${secure} on ${secure ? 'an SSLApp' : 'an App'}, polling and websocket`, async () => {
      const app = secure ? SSLApp({ key_file_name: new URL('localhost.key', tls).pathname, cert_file_name: new URL('localhost.pem', tls).pathname }) : App();
      expect(app.secure).toBe(secure);
      const { io, port } = await serveSocketIo(app, '/socket.io/');
      io.on('connection', (s) => s.on('secure?', (ack: (x: boolean) => void) => ack(s.handshake.secure)));
      for (const transports of [['polling'], ['websocket']]) {
        const c = ioc(`${secure ? 'https' : 'http'}://localhost:${port}`, { transports, forceNew: true, reconnection: false, ca: readFileSync(new URL('ca.pem', tls), 'latin1') });
        cleanups.push(() => c.disconnect());
        expect(await c.timeout(3000).emitWithAck('secure?')).toBe(secure);
        c.disconnect();
      }
    });
  }
});

describe('Socket.IO 2 clients (engine.io v3) with allowEIO3', () => {
  it('connects, emits with acks and receives room broadcasts', async () => {
    const v2 = require('socket.io-client-v2') as (url: string, opts: object) => V2Socket;
    const engine = new NativeEngine({ allowEIO3: true });
    const io = new Server({ serveClient: false });
    io.bind(engine);
    cleanups.push(() => void io.close());
    const { port } = await engine.listen(0, { path: '/socket.io', host: '127.0.0.1' });
    io.on('connection', (s: Socket) => {
      void s.join('r');
      s.on('add', (a: number, b: number, ack: (n: number) => void) => ack(a + b));
    });
    for (const transports of [['polling'], ['websocket'], ['polling', 'websocket']]) {
      const c = v2(`http://127.0.0.1:${port}`, { forceNew: true, reconnection: false, transports });
      cleanups.push(() => c.close());
      await once(c, 'connect');
      const sum = await new Promise((resolve) => c.emit('add', 2, 3, resolve));
      expect(sum).toBe(5);
      const got = once<[unknown]>(c, 'news');
      io.to('r').emit('news', { bin: Buffer.from([1, 2]) });
      const [news] = await got;
      expect(Buffer.from((news as { bin: Uint8Array }).bin)).toEqual(Buffer.from([1, 2]));
      c.close();
    }
  });
});
