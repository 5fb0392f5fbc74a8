/**
 * The server-side WebSocket's ws 8 API: sending (types, options, callbacks), control frames,
 * closing, pause/resume, binaryType, the WHATWG face, and the semi-private pieces Socket.IO
 * uses (`_socket.remoteAddress`, `_sender.sendFrame`, `Sender.frame`).
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import RealWS from 'ws';
import WS, { Sender, WebSocket, WebSocketServer } from '../src/index.js';
import { clientFrame, kinds, listen, shutdown, upgradeRequest, waitFor } from './support/helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** A server on `transport`, one ws client, and the server side of that connection. */
async function pair(options: ConstructorParameters<typeof WebSocketServer>[0] extends infer O ? Omit<O, 'port'> : never = {}, clientOptions: RealWS.ClientOptions = {}) {
  const { wss, url } = await listen(options);
  cleanups.push(() => shutdown(wss));
  const connection = once(wss, 'connection');
  const c = new RealWS(url, clientOptions);
  cleanups.push(() => {
    c.on('error', () => {});
    c.terminate();
  });
  await once(c, 'open');
  const [ws] = (await connection) as [WebSocket];
  return { wss, c, ws };
}

describe.each(kinds)('server-side WebSocket on %s', (transport) => {
  it('send(): strings, Buffers, TypedArrays, ArrayBuffers, DataViews, numbers, arrays, Blobs — in order', async () => {
    const { c, ws } = await pair({ transport });
    const got: Array<[string, boolean]> = [];
    c.on('message', (d: Buffer, isBinary: boolean) => got.push([isBinary ? `bin:${[...d].join(',')}` : d.toString(), isBinary]));
    ws.send('text');
    ws.send(Buffer.from([1, 2]));
    ws.send(new Uint16Array([0x0403]));
    ws.send(new Uint8Array([5, 6, 7]).buffer);
    ws.send(new DataView(new Uint8Array([9, 8, 7]).buffer, 1, 1));
    ws.send(42);
    ws.send(new Blob([Buffer.from('blob!')]));
    ws.send('after the blob');
    ws.send(Buffer.from('as text'), { binary: false });
    ws.send('as binary', { binary: true });
    await waitFor(() => got.length === 10, 5000, 'ten messages');
    expect(got).toEqual([
      ['text', false],
      ['bin:1,2', true],
      ['bin:3,4', true],
      ['bin:5,6,7', true],
      ['bin:8', true],
      ['42', false],
      ['bin:98,108,111,98,33', true],
      ['after the blob', false],
      ['as text', false],
      [`bin:${[...Buffer.from('as binary')].join(',')}`, true],
    ]);
  });

  it('send({ fin: false }) fragments a message; the callback runs once the bytes are written', async () => {
    const { c, ws } = await pair({ transport });
    const calls: unknown[] = [];
    ws.send('frag', { fin: false }, (err) => calls.push(['a', err ?? null]));
    ws.send('ment', { fin: true }, (err) => calls.push(['b', err ?? null]));
    ws.send(Buffer.alloc(3), (err) => calls.push(['c', err ?? null]));
    const [m] = (await once(c, 'message')) as [Buffer, boolean];
    expect(m.toString()).toBe('fragment');
    await waitFor(() => calls.length === 3);
    expect(calls).toEqual([
      ['a', null],
      ['b', null],
      ['c', null],
    ]);
  });

  it('send() before open throws; after close it errors the callback and counts bufferedAmount', async () => {
    const { c, ws } = await pair({ transport });
    ws.close();
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const err = await new Promise<Error | undefined | null>((resolve) => ws.send('late', resolve));
    expect(err?.message).toBe('WebSocket is not open: readyState 2 (CLOSING)');
    expect(ws.bufferedAmount).toBeGreaterThanOrEqual(4);
    await once(c, 'close');
    const fresh = new WebSocket(null);
    expect(() => fresh.send('x')).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
    expect(() => fresh.ping()).toThrow('WebSocket is not open: readyState 0 (CONNECTING)');
  });

  it('ping/pong: events both ways, autoPong, payload limit', async () => {
    const { c, ws } = await pair({ transport });
    const serverSaw: string[] = [];
    ws.on('ping', (d) => serverSaw.push(`ping:${(d).toString()}`));
    ws.on('pong', (d) => serverSaw.push(`pong:${(d).toString()}`));
    c.ping('from client');
    const [pong] = (await once(c, 'pong')) as [Buffer];
    expect(pong.toString()).toBe('from client'); // autoPong answered
    ws.ping('from server');
    await waitFor(() => serverSaw.length === 2, 5000, 'pong');
    expect(serverSaw).toEqual(['ping:from client', 'pong:from server']);
    const cbs: unknown[] = [];
    ws.pong('unsolicited', undefined, (e) => cbs.push(e ?? null));
    ws.ping((e: unknown) => cbs.push(e ?? null));
    const [p] = (await once(c, 'pong')) as [Buffer];
    expect(p.toString()).toBe('unsolicited');
    await waitFor(() => cbs.length === 2);
    expect(() => ws.ping(Buffer.alloc(126))).toThrow('The data size must not be greater than 125 bytes');
  });

  it('autoPong: false leaves the pong to the user', async () => {
    const { c, ws } = await pair({ transport, autoPong: false });
    let pongs = 0;
    c.on('pong', () => pongs++);
    const pinged = once(ws, 'ping');
    c.ping('x');
    await pinged;
    await new Promise((r) => setTimeout(r, 50));
    expect(pongs).toBe(0);
  });

  it('close(code, reason): the peer gets them; close event after TCP, with the peer’s echo', async () => {
    const { c, ws } = await pair({ transport });
    const clientClose = once(c, 'close') as Promise<[number, Buffer]>;
    const serverClose = once(ws, 'close') as Promise<[number, Buffer]>;
    ws.close(4001, 'server says bye');
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const [code, reason] = await clientClose;
    expect([code, reason.toString()]).toEqual([4001, 'server says bye']);
    const [sCode, sReason] = await serverClose;
    expect([sCode, sReason.toString()]).toEqual([4001, 'server says bye']);
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });

  it('close() validates like ws; close without code sends an empty close (1005)', async () => {
    const { c, ws } = await pair({ transport });
    expect(() => ws.close(999)).toThrow(TypeError);
    expect(() => ws.close(1005)).toThrow('First argument must be a valid error code number');
    expect(() => ws.close(1000, 'x'.repeat(124))).toThrow('The message must not be greater than 123 bytes');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    const closed = once(c, 'close') as Promise<[number, Buffer]>;
    ws.close();
    const [code] = await closed;
    expect(code).toBe(1005);
  });

  it('a peer-initiated close is echoed with code and reason; wasClean on the WHATWG face', async () => {
    const { c, ws } = await pair({ transport });
    const events: unknown[] = [];
    ws.addEventListener('close', (e: { code: number; reason: string; wasClean: boolean }) => events.push([e.code, e.reason, e.wasClean]));
    c.close(3000, 'client bye');
    const [code, reason] = (await once(c, 'close')) as [number, Buffer];
    expect([code, reason.toString()]).toEqual([3000, 'client bye']);
    await waitFor(() => events.length === 1);
    expect(events).toEqual([[3000, 'client bye', true]]);
  });

  it('terminate(): close event with 1006 on both ends', async () => {
    const { c, ws } = await pair({ transport });
    const serverClose = once(ws, 'close') as Promise<[number, Buffer]>;
    ws.terminate();
    const [code] = (await once(c, 'close')) as [number, Buffer];
    expect(code).toBe(1006);
    const [sCode, sReason] = await serverClose;
    expect([sCode, sReason.length]).toEqual([1006, 0]);
  });

  it('closeTimeout: a peer that never answers the close frame is cut off', async () => {
    const { wss, port } = await listen({ transport, closeTimeout: 100 });
    cleanups.push(() => shutdown(wss));
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    socket.write(upgradeRequest());
    socket.resume();
    const [ws] = (await once(wss, 'connection')) as [WebSocket];
    const started = Date.now();
    ws.close(1000);
    const [code] = (await once(ws, 'close')) as [number, Buffer];
    expect(code).toBe(1006);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('pause()/resume()/isPaused hold messages back', async () => {
    const { c, ws } = await pair({ transport });
    const got: string[] = [];
    ws.on('message', (d) => got.push((d as Buffer).toString()));
    ws.pause();
    expect(ws.isPaused).toBe(true);
    c.send('one');
    c.send('two');
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual([]);
    ws.resume();
    expect(ws.isPaused).toBe(false);
    await waitFor(() => got.length === 2, 5000, 'resumed messages');
    expect(got).toEqual(['one', 'two']);
  });

  it('binaryType: nodebuffer, arraybuffer, fragments, blob; messages stay valid after the callback', async () => {
    const { c, ws } = await pair({ transport });
    const kept: unknown[] = [];
    ws.on('message', (d) => kept.push(d));
    expect(ws.binaryType).toBe('nodebuffer');
    c.send(Buffer.from([1, 2, 3]));
    await waitFor(() => kept.length === 1);
    ws.binaryType = 'arraybuffer';
    c.send(Buffer.from([4, 5]));
    await waitFor(() => kept.length === 2);
    ws.binaryType = 'fragments';
    c.send(Buffer.from([6]));
    await waitFor(() => kept.length === 3);
    ws.binaryType = 'blob';
    c.send(Buffer.from([7, 8]));
    await waitFor(() => kept.length === 4);
    ws.binaryType = 'nonsense' as never;
    expect(ws.binaryType).toBe('blob');
    // More traffic after the first messages: they must not have been overwritten.
    for (let i = 0; i < 20; i++) c.send(Buffer.alloc(3, 0xee));
    await new Promise((r) => setTimeout(r, 50));
    expect(Buffer.isBuffer(kept[0]) && [...(kept[0])]).toEqual([1, 2, 3]);
    expect(kept[1]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(kept[1] as ArrayBuffer)]).toEqual([4, 5]);
    expect(Array.isArray(kept[2]) && [...(kept[2] as Buffer[])[0]]).toEqual([6]);
    expect(kept[3]).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (kept[3] as Blob).arrayBuffer())]).toEqual([7, 8]);
  });

  it('WHATWG face: onmessage/onopen/onclose/onerror and addEventListener({ once })', async () => {
    const { c, ws } = await pair({ transport });
    const seen: unknown[] = [];
    ws.onmessage = (e: { data: unknown; type: string; target: unknown }) => seen.push(['onmessage', e.data, e.type, e.target === ws]);
    expect(typeof ws.onmessage).toBe('function');
    const once1 = (e: { data: unknown }) => seen.push(['once', e.data]);
    ws.addEventListener('message', once1, { once: true });
    ws.addEventListener('message', once1); // the same listener again: ignored, as in ws
    c.send('text');
    c.send(Buffer.from([1]));
    await waitFor(() => seen.length === 3, 5000, 'events');
    expect(seen[0]).toEqual(['onmessage', 'text', 'message', true]);
    expect(seen[1]).toEqual(['once', 'text']);
    expect((seen[2] as unknown[])[0]).toBe('onmessage');
    expect(Buffer.isBuffer((seen[2] as unknown[])[1])).toBe(true);
    ws.onmessage = null;
    expect(ws.onmessage).toBe(null);
    ws.removeEventListener('message', once1);
    const closed = new Promise((resolve) => (ws.onclose = resolve));
    c.close(1000);
    const event = (await closed) as { code: number; wasClean: boolean; reason: string };
    expect([event.code, event.reason, event.wasClean]).toEqual([1000, '', true]);
  });

  it('allowSynchronousEvents: false emits one message per tick', async () => {
    const { wss, port } = await listen({ transport, allowSynchronousEvents: false });
    cleanups.push(() => shutdown(wss));
    const socket = net.connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    const order: string[] = [];
    wss.on('connection', (ws) => {
      ws.on('message', (d) => {
        order.push(`message ${(d as Buffer).toString()}`);
        queueMicrotask(() => order.push(`microtask after ${(d as Buffer).toString()}`));
      });
    });
    socket.write(Buffer.concat([Buffer.from(upgradeRequest()), clientFrame(1, Buffer.from('a')), clientFrame(1, Buffer.from('b'))]));
    await waitFor(() => order.length === 4, 5000, 'two messages');
    expect(order).toEqual(['message a', 'microtask after a', 'message b', 'microtask after b']);
  });

  it('ws._socket.remoteAddress/remotePort and ws._sender.sendFrame with Sender.frame (Socket.IO)', async () => {
    const { c, ws } = await pair({ transport });
    expect(ws._socket!.remoteAddress).toBe('127.0.0.1');
    expect(ws._socket!.remotePort).toBe((c as unknown as { _socket: net.Socket })._socket.localPort);
    expect(WS.Sender).toBe(Sender);
    const frame = WS.Sender.frame(Buffer.from('4hello'), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
    expect(frame).toHaveLength(2);
    const done: unknown[] = [];
    ws._sender!.sendFrame(frame, (err) => done.push(err ?? null));
    const [m, isBinary] = (await once(c, 'message')) as [Buffer, boolean];
    expect([m.toString(), isBinary]).toEqual(['4hello', false]);
    await waitFor(() => done.length === 1);
    const big = WS.Sender.frame(Buffer.alloc(70_000, 1), { opcode: 2, fin: true, mask: false, readOnly: true });
    ws._sender!.sendFrame(big);
    const [m2] = (await once(c, 'message')) as [Buffer, boolean];
    expect(m2.length).toBe(70_000);
  });

  it('bufferedAmount grows under backpressure and send callbacks wait for the drain', async () => {
    const { c, ws } = await pair({ transport });
    (c as unknown as { _socket: net.Socket })._socket.pause();
    const chunk = Buffer.alloc(1 << 20, 7);
    let callbacks = 0;
    for (let i = 0; i < 16; i++) ws.send(chunk, () => callbacks++);
    expect(ws.bufferedAmount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(callbacks).toBeLessThan(16);
    let received = 0;
    c.on('message', () => received++);
    (c as unknown as { _socket: net.Socket })._socket.resume();
    await waitFor(() => received === 16 && callbacks === 16, 10_000, 'drain');
    expect(ws.bufferedAmount).toBe(0);
  });
});

describe('WebSocket class shape', () => {
  it('has ws’s readyState constants on the class and on instances', () => {
    expect([WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]).toEqual([0, 1, 2, 3]);
    const ws = new WebSocket(null);
    expect([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED, ws.readyState]).toEqual([0, 1, 2, 3, 0]);
    expect(ws.protocol).toBe('');
    expect(ws.extensions).toBe('');
    expect(ws.url).toBe(undefined);
    expect(ws.bufferedAmount).toBe(0);
  });
});

describe('WebSocket listeners', () => {
  it('keeps any event name apart from inherited ones, and adds, emits and removes like EventEmitter', () => {
    const ws = new WebSocket(null);
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__', 'message']) {
      expect(ws.listenerCount(name as 'message'), name).toBe(0);
      const got: unknown[] = [];
      const listener = (value: unknown): void => void got.push(value);
      ws.on(name as 'message', listener);
      ws.on(name as 'message', listener);
      expect(ws.emit(name as 'message', 1 as never, false), name).toBe(true);
      expect(got, name).toEqual([1, 1]);
      ws.removeListener(name as 'message', listener);
      expect(ws.listenerCount(name as 'message'), name).toBe(1);
      ws.removeAllListeners(name);
      expect(ws.emit(name as 'message', 2 as never, false), name).toBe(false);
    }
    ws.once('close', () => {});
    expect(ws.eventNames()).toEqual(['close']);
  });
});

