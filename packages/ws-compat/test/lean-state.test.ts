/**
 * A WebSocket keeps little per connection (EventEmitter fields left to the prototype,
 * readyState and binaryType packed in one integer, in-transit state made on demand and dropped
 * when empty). These tests hold it to ws's behaviour where that packing could show, and check
 * that the on-demand state really goes away again.
 */
import { EventEmitter, getMaxListeners, once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS from 'ws';
import { WebSocket, WebSocketServer } from '../src/index.js';
import { kinds, listen, shutdown, waitFor } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A port server on `transport` and one ws client connected to it: the server's socket and the client. */
async function connectedPair(transport: (typeof kinds)[number]): Promise<{ ws: WebSocket; c: RealWS }> {
  const { wss, url } = await listen({ transport });
  cleanups.push(() => shutdown(wss));
  const connection = once(wss, 'connection');
  const c = new RealWS(url);
  cleanups.push(() => c.terminate());
  await once(c, 'open');
  const [ws] = (await connection) as [WebSocket];
  return { ws, c };
}

type AnySocket = EventEmitter & { binaryType: string; readyState: number };

/** A server-side socket not attached to anything, made the way each library makes its own. */
const makers: Record<string, () => AnySocket> = {
  ws: () => new RealWS(null as unknown as string, undefined, {}),
  ours: () => new WebSocket(null, undefined, {}),
};

/** EventEmitter operations and what they show, as one list of lines. */
function emitterTranscript(make: () => AnySocket): string[] {
  const out: string[] = [];
  const ws = make();
  const Ctor = ws.constructor as unknown as { listenerCount?: unknown; defaultMaxListeners?: unknown };
  out.push(`instanceof EventEmitter ${ws instanceof EventEmitter}`);
  out.push(`statics ${typeof Ctor.listenerCount} ${Ctor.defaultMaxListeners === EventEmitter.defaultMaxListeners}`);
  out.push(`maxListeners ${ws.getMaxListeners()} ${getMaxListeners(ws)}`);
  const calls: string[] = [];
  const a = (x: unknown) => calls.push(`a:${String(x)}`);
  const b = (x: unknown) => calls.push(`b:${String(x)}`);
  ws.on('message', a);
  ws.on('message', b);
  ws.once('ping', a);
  // Names that an object with a prototype would already "have".
  ws.on('__proto__', b);
  ws.on('toString', a);
  ws.on('hasOwnProperty', b);
  out.push(`names ${ws.eventNames().map(String).join(',')}`);
  out.push(`counts ${ws.listenerCount('message')} ${EventEmitter.listenerCount(ws, 'ping')} ${ws.listenerCount('close')}`);
  ws.emit('message', 1);
  ws.emit('ping', 2);
  ws.emit('ping', 3);
  ws.emit('__proto__', 4);
  ws.emit('toString', 5);
  ws.emit('hasOwnProperty', 6);
  out.push(`calls ${calls.join(' ')}`);
  ws.off('message', a);
  ws.removeAllListeners('__proto__');
  out.push(`after removal ${ws.eventNames().map(String).join(',')} ${ws.rawListeners('message').length}`);
  ws.removeAllListeners();
  out.push(`after removeAll ${ws.eventNames().length}`);
  ws.setMaxListeners(1);
  out.push(`maxListeners now ${ws.getMaxListeners()}`);
  ws.on('message', a);
  out.push(`listeners ${ws.listenerCount('message')}`);
  return out;
}

describe('a WebSocket as an EventEmitter', () => {
  it('behaves like ws’s for every EventEmitter operation', () => {
    const expected = emitterTranscript(makers.ws);
    expect(emitterTranscript(makers.ours)).toEqual(expected);
    expect(expected).toContain('instanceof EventEmitter true');
    expect(expected).toContain('calls a:1 b:1 a:2 b:4 a:5 b:6');
  });

  it('once() of node:events and error-event semantics work as on ws', async () => {
    for (const make of Object.values(makers)) {
      const ws = make();
      const got = once(ws, 'pong');
      ws.emit('pong', 'x');
      expect(await got).toEqual(['x']);
      expect(() => ws.emit('error', new Error('unhandled'))).toThrow('unhandled');
    }
  });
});

describe('readyState and binaryType, packed together', () => {
  it('are independent and validated like ws’s', () => {
    const transcript = (make: () => AnySocket): string[] => {
      const ws = make();
      const out = [`start ${ws.readyState} ${ws.binaryType}`];
      for (const type of ['arraybuffer', 'fragments', 'blob', 'bogus', 'nodebuffer', '']) {
        ws.binaryType = type;
        out.push(`${type} -> ${ws.binaryType} ${ws.readyState}`);
      }
      return out;
    };
    const expected = transcript(makers.ws);
    expect(transcript(makers.ours)).toEqual(expected);
    expect(expected).toContain('bogus -> blob 0');
  });

  it.each(kinds)('on %s, a connection goes OPEN, CLOSING, CLOSED with binaryType kept throughout', async (transport) => {
    const { ws, c } = await connectedPair(transport);
    ws.binaryType = 'fragments';
    const states: string[] = [`${ws.readyState} ${ws.binaryType}`];
    const got = new Promise<unknown>((resolve) => ws.once('message', resolve));
    c.send(Buffer.from([1, 2]));
    expect(await got).toEqual([Buffer.from([1, 2])]);
    ws.close();
    states.push(`${ws.readyState} ${ws.binaryType}`);
    await once(ws, 'close');
    states.push(`${ws.readyState} ${ws.binaryType}`);
    expect(states).toEqual(['1 fragments', '2 fragments', '3 fragments']);
  });
});

describe.each(kinds)('in-transit state on %s', (transport) => {
  it('is dropped once sends under backpressure have called back; an idle socket holds none', async () => {
    const { ws: server, c } = await connectedPair(transport);
    const ws = server as WebSocket & { _io: unknown; _cold: unknown };
    // An echo, then idle: nothing in transit, nothing rare.
    ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    const echoed = once(c, 'message');
    c.send('hi');
    await echoed;
    await new Promise((r) => setTimeout(r, 20));
    expect(ws._io).toBeUndefined();
    expect(ws._cold).toBeUndefined();
    // Enough to fill the socket buffers while the client does not read, each with a callback.
    (c as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    const order: number[] = [];
    const big = Buffer.alloc(1 << 20, 1);
    for (let i = 0; i < 16; i++) ws.send(big, () => order.push(i));
    expect(ws._io).toBeDefined();
    (c as unknown as { _socket: { resume(): void } })._socket.resume();
    await waitFor(() => order.length === 16, 20_000, 'sixteen send callbacks');
    expect(order).toEqual([...Array(16).keys()]);
    expect(ws._io).toBeUndefined();
  });
});

describe('the _socket of a socket a noServer server took over', () => {
  it('is an EventEmitter with the peer’s address, on the lean base too', async () => {
    const http = await import('node:http');
    const server = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((r) => server.close(r)));
    cleanups.push(() => shutdown(wss));
    const connection = once(wss, 'connection');
    const c = new RealWS(`ws://127.0.0.1:${(server.address() as { port: number }).port}`);
    cleanups.push(() => c.terminate());
    await once(c, 'open');
    const [ws] = (await connection) as [WebSocket];
    const socket = ws._socket!;
    expect(socket).toBeInstanceOf(EventEmitter);
    expect(socket.remoteAddress).toBe('127.0.0.1');
    expect(socket.remotePort).toBe((c as unknown as { _socket: { localPort: number } })._socket.localPort);
    const got: unknown[] = [];
    socket.on('custom', (x: unknown) => got.push(x));
    socket.emit('custom', 1);
    expect(got).toEqual([1]);
    expect(socket.listenerCount('custom')).toBe(1);
    expect(socket.getMaxListeners()).toBe(EventEmitter.defaultMaxListeners);
  });
});
