/**
 * The contract engine.io 6.6 relies on, seen through Socket.IO on the wsEngine face: the
 * synchronous `'headers'` event (a mutable array, the same `req`, before the 101), `send`
 * callbacks that always run (also on a closed socket), `_socket.remoteAddress`, the `Sender`
 * static, and a websocket-only handshake refused after the upgrade (a failing `generateId`):
 * engine.io writes a 400 to the raw socket and destroys it, which must close the connection.
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Sender, UwsEngine } from '../../src/index.js';
import { client, connected, kinds, next, runCleanups, startIo, waitFor } from './harness.js';

afterEach(runCleanups);

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A raw websocket upgrade to engine.io; resolves with everything received once the server closes. */
function rawUpgrade(port: number, ms = 5000): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closedByServer: false });
    }, ms);
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: true });
    });
    socket.write(
      `GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

describe.each(kinds)('the engine.io contract of the wsEngine face on the %s transport', (kind) => {
  it("emits 'headers' synchronously with a mutable array and engine.io's own req, before the 101", async () => {
    const { io, port } = await startIo(kind);
    const seen: Array<{ event: string; req: IncomingMessage }> = [];
    io.engine.on('initial_headers', (headers: Record<string, string>, req: IncomingMessage) => {
      headers['X-Initial'] = 'yes';
      seen.push({ event: 'initial_headers', req });
    });
    io.engine.on('headers', (headers: Record<string, string>, req: IncomingMessage) => {
      headers['X-Every'] = String(req.url?.includes('transport=websocket'));
      seen.push({ event: 'headers', req });
    });
    const { text, closedByServer } = await rawUpgrade(port, 300);
    expect(closedByServer).toBe(false);
    const head = text.slice(0, text.indexOf('\r\n\r\n'));
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 101 Switching Protocols');
    expect(head).toContain('\r\nX-Initial: yes');
    expect(head).toContain('\r\nX-Every: true');
    expect(seen.map((s) => s.event)).toEqual(['initial_headers', 'headers']);
    expect(seen[0].req).toBe(seen[1].req);
    // Right after the 101 comes engine.io's open packet, as a text frame.
    const frame = Buffer.from(text.slice(head.length + 4), 'latin1');
    expect(frame[0]).toBe(0x81);
    expect(frame.subarray(2).toString()).toMatch(/^0\{"sid":/);
  });

  it('gives the same req to the headers events and to the Socket.IO handshake, with the peer address', async () => {
    const { io, url } = await startIo(kind);
    let headersReq: IncomingMessage | undefined;
    io.engine.on('initial_headers', (_h: unknown, req: IncomingMessage) => (headersReq = req));
    const addresses: unknown[] = [];
    io.on('connection', (socket) => {
      const ws = (socket.conn.transport as unknown as { socket: { _socket: { remoteAddress: string } } }).socket;
      addresses.push(ws._socket.remoteAddress, socket.handshake.address, socket.request === headersReq);
    });
    await connected(url, { transports: ['websocket'] });
    await waitFor(() => addresses.length === 3);
    expect(addresses).toEqual(['127.0.0.1', '127.0.0.1', true]);
  });

  it('always calls send callbacks: after the bytes left, and with an error on a closed socket', async () => {
    const { io, url } = await startIo(kind);
    type Ws = {
      send(d: unknown, o?: unknown, cb?: (e?: Error | null) => void): void;
      _sender: { sendFrame(l: Buffer[], cb: (e?: Error | null) => void): void };
      readyState: number;
    };
    let ws: Ws | undefined;
    io.on('connection', (socket) => {
      ws = (socket.conn.transport as unknown as { socket: Ws }).socket;
    });
    const c = await connected(url, { transports: ['websocket'] });
    await waitFor(() => ws !== undefined);
    const open = await new Promise<unknown>((resolve) => ws!.send('4"hi"', resolve));
    expect(open).toBeFalsy();
    const disconnected = next(io.sockets.sockets.values().next().value!, 'disconnect');
    c.close();
    await disconnected;
    await waitFor(() => ws!.readyState === 3, 5000, 'CLOSED');
    const results = await Promise.all([
      new Promise<unknown>((resolve) => ws!.send('4"late"', resolve)),
      new Promise<unknown>((resolve) => ws!.send(Buffer.from([1]), { compress: true }, resolve)),
      new Promise<unknown>((resolve) => ws!._sender.sendFrame(Sender.frame(Buffer.from('4"x"'), { opcode: 1, fin: true, mask: false, readOnly: false }), resolve)),
    ]);
    for (const r of results) expect(String(r)).toBe('Error: WebSocket is not open: readyState 3 (CLOSED)');
  });

  for (const mode of ['sync', 'async'] as const) {
    it(`closes a websocket-only handshake whose generateId fails (${mode})`, async () => {
      const { io, port, url } = await startIo(kind);
      io.engine.generateId = mode === 'sync' ? () => {
        throw new Error('no id');
      } : () => Promise.reject(new Error('no id'));
      const errors: Array<{ code: number; message: string; context: { name: string } }> = [];
      io.engine.on('connection_error', (e: (typeof errors)[number]) => errors.push(e));
      const { text, closedByServer } = await rawUpgrade(port);
      expect(closedByServer).toBe(true);
      expect(text.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
      // engine.io writes its 400 on the upgraded connection, as it does with ws.
      expect(text).toContain('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 11\r\n\r\nBad request');
      expect(errors.map((e) => [e.code, e.message, e.context.name])).toEqual([[3, 'Bad request', 'ID_GENERATION_ERROR']]);
      // A Socket.IO client sees a failed connection, not a hang.
      const c = client(url, { transports: ['websocket'] });
      const error = await next<Error>(c, 'connect_error');
      expect(error.message).toBe('websocket error');
    });
  }

  it('carries the Sender static (socket.io-adapter frames pre-encoded broadcasts with Sender.frame)', () => {
    expect(UwsEngine.Sender).toBe(Sender);
    const [header, payload] = Sender.frame(Buffer.from('42["a"]'), { opcode: 1, fin: true, mask: false, readOnly: false });
    expect([...header]).toEqual([0x81, 7]);
    expect(payload.toString()).toBe('42["a"]');
    // engine.io makes its wsEngine itself, with noServer.
    const engine = new UwsEngine({ noServer: true, clientTracking: false, perMessageDeflate: false, maxPayload: 1e6 });
    expect(engine.options.noServer).toBe(true);
    expect(() => new UwsEngine({ server: http.createServer(), noServer: true })).toThrow('One and only one');
  });
});
