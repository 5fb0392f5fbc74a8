/**
 * Socket.IO on ws-compat (`wsEngine: WebSocketServer`): engine.io's `noServer` + handleUpgrade
 * path, `_socket.remoteAddress`, and the pre-encoded broadcast path (`Sender.frame` made by
 * socket.io-adapter, written with `ws._sender.sendFrame`).
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from '../src/index.js';

import * as socketIo from 'socket.io';
import * as socketIoClient from 'socket.io-client';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/** What the test reaches into on the server's WebSocket (ws's private fields, kept by ours). */
type ServerSideWs = { _socket: { remoteAddress: string }; _sender: { sendFrame: (list: Buffer[], cb: () => void) => void } };

describe('Socket.IO with wsEngine: WebSocketServer', () => {
  it('connects, echoes text and binary with acks, and broadcasts through sendFrame', async () => {
    const server = http.createServer();
    const io = new socketIo.Server(server, { wsEngine: WebSocketServer, transports: ['websocket'] });
    let preEncoded = 0;
    const addresses: string[] = [];
    io.on('connection', (socket) => {
      // The engine's websocket transport holds our WebSocket; its internals as ws names them.
      const ws = (socket.conn.transport as unknown as { socket: ServerSideWs }).socket;
      addresses.push(ws._socket.remoteAddress, socket.handshake.address);
      const sendFrame = ws._sender.sendFrame.bind(ws._sender);
      ws._sender.sendFrame = (list: Buffer[], cb: () => void) => {
        preEncoded++;
        sendFrame(list, cb);
      };
      socket.on('echo', (m: unknown, ack?: (r: string) => void) => {
        socket.emit('echo', m);
        ack?.(`acked ${String(m)}`);
      });
      socket.on('bcast', () => io.emit('all', 'to everyone'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => new Promise((r) => void io.close(r)));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const a = socketIoClient.io(url, { transports: ['websocket'] });
    const b = socketIoClient.io(url, { transports: ['websocket'] });
    cleanups.push(() => {
      a.close();
      b.close();
    });
    await Promise.all([new Promise((r) => a.once('connect', () => r(undefined))), new Promise((r) => b.once('connect', () => r(undefined)))]);
    expect(addresses).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
    a.emit('echo', 'hello');
    expect(await new Promise((r) => a.once('echo', r))).toBe('hello');
    expect(await new Promise((r) => a.emit('echo', 'x', r))).toBe('acked x');
    a.emit('echo', Buffer.from([1, 2, 3]));
    const binary = await new Promise<Buffer>((r) => a.once('echo', r));
    expect([...binary]).toEqual([1, 2, 3]);
    const all = Promise.all([new Promise((r) => a.once('all', r)), new Promise((r) => b.once('all', r))]);
    a.emit('bcast');
    expect(await all).toEqual(['to everyone', 'to everyone']);
    expect(preEncoded).toBe(2);
  });
});
